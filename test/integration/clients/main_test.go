// Package clients tests, against a real kube-apiserver and a real Ironic (fake-hardware), that
// what the programs driving BareMetalHosts in production write never costs a server: Cluster
// API Provider Metal3's pivot (clusterctl move with the paused and status annotations), the
// reboot annotations remediation controllers write, boot MACs and BMC addresses that belong to
// another host, other namespaces' Secrets, image and power changes, detaching, externally
// provisioned hosts, deletions that cannot deprovision, and passwords inside image URLs.
package clients

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
