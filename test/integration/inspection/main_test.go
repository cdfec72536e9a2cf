// Package inspection tests in-band inspection end to end: a real kube-apiserver, a real Ironic
// and a real ironic-inspector (Debian's, standalone), with the controller told Ironic inspects
// in band (ironic.Config.Inspector) and given stand-in deploy ramdisk URLs. The tests play the
// ramdisk: when a host's node waits in "inspect wait" they post an IPA-shaped inventory
// (test/agentsim/inventory) to ironic-inspector, and check what reaches status.hardware and
// the HardwareData, and which inspect interface and deploy ramdisk each node got.
package inspection

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ironictest"
)

var sys *framework.System

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 4, Ironic: ironictest.Options{Inspector: true, DeployImages: true}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if code != 0 {
		keepLogs()
	}
	sys.Stop()
	os.Exit(code)
}

// keepLogs copies Ironic's and ironic-inspector's logs out of the temporary directory Stop
// removes.
func keepLogs() {
	for name, path := range map[string]string{"ironic": sys.Ironic.LogPath(), "ironic-inspector": sys.Ironic.Inspector.LogPath()} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		f, err := os.CreateTemp("", "metalkube-inspection-"+name+"-*.log")
		if err != nil {
			continue
		}
		_, _ = f.Write(data)
		f.Close()
		fmt.Fprintf(os.Stderr, "%s's log copied to %s\n", name, f.Name())
	}
}
