// Package lifecycle tests the host controller end to end against a real kube-apiserver and a
// real Ironic (fake-hardware): registration, inspection, provisioning, power, deprovisioning,
// deletion, credentials changes, bad input, and many hosts at once.
package lifecycle

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/framework"
)

var sys *framework.System

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 8})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}
