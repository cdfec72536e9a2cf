package inspection

import (
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/agentsim/inventory"
	"github.com/metalkube/metalkube/test/redfishsim"
)

// TestRedfishVirtualMediaHostIsInspectedInBand: a redfish-virtualmedia host gets the deploy
// ISO in its driver_info and is inspected in band with the boot managed by Ironic: while its
// node waits for the ramdisk the Redfish simulator has the deploy ISO inserted as virtual media
// and the system powered on. The test posts the inventory and the host becomes available with it.
func TestRedfishVirtualMediaHostIsInspectedInBand(t *testing.T) {
	t.Parallel()
	sim, err := redfishsim.Start(redfishsim.Options{Systems: 1, Username: "root", Password: "calvin"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	const name = "inband-redfish-vm"
	id := sim.SystemIDs()[0]
	i := nextSystem()
	mac := inventory.MAC(i, 0)
	sim.SetMACs(id, []string{mac})
	inv := inventory.Default(i, mac)
	sys.CreateBMCHost(t, name, "redfish-virtualmedia+http://"+sim.Host()+sim.SystemPath(id), mac, "root", "calvin")

	playRamdisk(t, name, inv)
	image, inserted := sim.VirtualMedia(id)
	if !inserted || image == "" || sim.PowerState(id) != "On" {
		t.Errorf("while waiting for the ramdisk: virtual media %q inserted %v, power %s; want an ISO inserted and the system on",
			image, inserted, sim.PowerState(id))
	}
	t.Logf("virtual media while inspecting: %s", image)
	n := node(t, name)
	if n.InspectInterface != "inspector" || n.DriverInfo["deploy_iso"] != sys.Ironic.DeployImages.ISOURL || n.DriverInfo["deploy_kernel"] != nil {
		t.Errorf("node inspect_interface %q, driver_info deploy_iso %v deploy_kernel %v; want inspector and only the ISO",
			n.InspectInterface, n.DriverInfo["deploy_iso"], n.DriverInfo["deploy_kernel"])
	}
	h := sys.WaitForState(t, name, metal3.StateAvailable, availableTimeout)
	if hw := h.Status.HardwareDetails; hw == nil || hw.Hostname != inv.Hostname || len(hw.Storage) != 3 {
		t.Fatalf("status.hardware = %+v, want the posted inventory", hw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, inserted := sim.VirtualMedia(id); !inserted {
			break
		}
		if time.Now().After(deadline) {
			image, _ := sim.VirtualMedia(id)
			t.Fatalf("the deploy ISO %s is still inserted after inspection", image)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
