// Package actuator tests the Machine actuator end to end against a real kube-apiserver (with
// the Machine CRD of manifests/machine-api) and a real Ironic (fake-hardware), running next to
// the host controller in one process through the controller library: claiming and
// provisioning, host selectors, many Machines racing for fewer hosts, deletion of Machines and
// of hosts, and a second program embedding the library.
//
// Every test labels its hosts with its own group and selects on it, so tests never take each
// other's hosts.
package actuator

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/framework"
)

var sys *framework.MachineSystem

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.StartWithMachines(framework.MachineOptions{Options: framework.Options{Workers: 8}, MachineWorkers: 8})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}
