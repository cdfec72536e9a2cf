// Package daytwo tests day-2 operations end to end against a real kube-apiserver and a real
// Ironic (fake-hardware): reboot and inspect annotations, externally provisioned, paused and
// detached hosts, status restore, live ISO and custom deploy, changed root device hints and
// boot mode, the deploy retry limit, and the Settled condition that says why a host waits.
package daytwo

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/framework"
)

var sys *framework.System

// maxAttempts is the deploy retry limit the controller runs with here.
const maxAttempts = 2

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 8, MaxProvisioningAttempts: maxAttempts})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}
