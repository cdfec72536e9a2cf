// Package ironictest runs a real, standalone OpenStack Ironic for tests: Debian's all-in-one
// `ironic` command (API and conductor in one process) with noauth, sqlite in a temporary
// directory, rpc_transport=none, and the fake-hardware, ipmi and redfish hardware types (idrac
// too with Options.IDRAC), on a free loopback port. Several can run at once; Stop ends only the
// processes Start launched.
//
// ipmi and redfish nodes can boot through iPXE or Redfish virtual media and deploy with the
// ramdisk deploy interface (a live ISO), which needs no ironic-python-agent; they need
// automated_clean false, as there is no agent to clean either.
//
// Options.Inspector also starts Debian's ironic-inspector (standalone, noauth, sqlite, no PXE
// filter) on its own loopback port, in parallel with Ironic, and enables Ironic's "inspector"
// inspect interface. A test plays the ramdisk by posting an inventory (package
// test/agentsim/inventory) to Inspector.URL while the node is in "inspect wait".
//
// Ironic runs without REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE in its environment (see
// Options.ExtraEnv), so redfish_verify_ca=false works as it does in production.
//
// Ironic is installed by hack/install-ironic.sh. If it is missing or does not come up, Start
// returns an error that names the cause: tests fail loudly, they never skip.
package ironictest
