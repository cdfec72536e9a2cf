// Package bmc tests the host controller against real BMC protocols: Ironic's own ipmi
// (ipmitool) and redfish (sushy) drivers talk to simulated BMCs, OpenIPMI's ipmi_sim
// (test/ipmisim) and the Redfish simulator (test/redfishsim, over HTTP and HTTPS), and the tests
// check what reached the simulated machines and what came back in BareMetalHost status:
// registration for every BMC address scheme of pkg/bmc, power on/off and reboots, Redfish
// inspection, live-ISO deploys, and certificate verification.
//
// There is no ironic-python-agent, so hosts use automatedCleaningMode: disabled, and ipmi hosts
// (which have no out-of-band inspection) inspectionMode: disabled.
package bmc

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ironictest"
	"github.com/metalkube/metalkube/test/redfishsim"
)

var (
	sys *framework.System
	// redfishHTTP is a plain-HTTP Redfish BMC.
	redfishHTTP *redfishsim.Simulator
	// redfishHTTPS serves HTTPS with a self-signed certificate that Ironic does not trust, so
	// its hosts need disableCertificateVerification.
	redfishHTTPS *redfishsim.Simulator
)

// Credentials of the Redfish simulators.
const redfishUser, redfishPassword = "root", "calvin"

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	sims := []**redfishsim.Simulator{&redfishHTTP, &redfishHTTPS}
	for k, tls := range []bool{false, true} {
		*sims[k], err = redfishsim.Start(redfishsim.Options{Systems: 16, Username: redfishUser, Password: redfishPassword, TLS: tls})
		if err != nil {
			return 0, fmt.Errorf("starting a Redfish simulator: %w", err)
		}
		defer (*sims[k]).Close()
	}
	sys, err = framework.Start(framework.Options{Workers: 8, Ironic: ironictest.Options{IDRAC: true}})
	if err != nil {
		return 0, err
	}
	defer sys.Stop()
	code := m.Run()
	if code != 0 {
		keepIronicLog()
	}
	return code, nil
}

// keepIronicLog copies Ironic's log out of its temporary directory, which Stop removes.
func keepIronicLog() {
	data, err := os.ReadFile(sys.Ironic.LogPath())
	if err != nil {
		return
	}
	f, err := os.CreateTemp("", "metalkube-bmc-ironic-*.log")
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(data)
	fmt.Fprintf(os.Stderr, "Ironic's log copied to %s\n", f.Name())
}
