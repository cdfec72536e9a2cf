// Package ironictest runs a real, standalone OpenStack Ironic for tests: Debian's all-in-one
// `ironic` command (API and conductor in one process) with noauth, sqlite in a temporary
// directory, rpc_transport=none, and the fake-hardware, ipmi and redfish hardware types, on a
// free loopback port. Several can run at once; Stop ends only the processes Start launched.
//
// Ironic is installed by hack/install-ironic.sh. If it is missing or does not come up, Start
// returns an error that names the cause: tests fail loudly, they never skip.
package ironictest
