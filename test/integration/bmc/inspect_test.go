package bmc

import (
	"slices"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// TestRedfishInspectionFillsStatusHardware lets Ironic inspect hosts out of band through the
// Redfish simulator (its generic redfish inspection, and the idrac hardware type's
// idrac-redfish one) and checks status.hardware: what the simulator reports is 1 processor
// with 8 threads, 16 GiB of memory and the two NICs the test gave the system.
func TestRedfishInspectionFillsStatusHardware(t *testing.T) {
	for _, scheme := range []string{"redfish-virtualmedia", "idrac-virtualmedia"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			name := "inspect-" + scheme
			sim := redfishHTTPS
			id, macs := redfishSystem(t, sim)
			start := time.Now()
			createHost(t, name, redfishAddress(scheme, sim, id), macs[0], redfishUser, redfishPassword, skipVerification)
			h := sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
			elapsed(t, "created to available", start)
			hw := h.Status.HardwareDetails
			if hw == nil {
				t.Fatal("no status.hardware after inspection")
			}
			var got []string
			for _, nic := range hw.NIC {
				got = append(got, nic.MAC)
			}
			slices.Sort(got)
			if hw.CPU.Count != 8 || hw.RAMMebibytes != 16384 || !slices.Equal(got, macs) || hw.CPU.Arch != "x86_64" {
				t.Errorf("status.hardware: cpu %+v, RAM %d MiB, NIC MACs %q; want 8 x86_64 CPUs, 16384 MiB, %q", hw.CPU, hw.RAMMebibytes, got, macs)
			}
			if h.Status.OperationHistory.Inspect.End.IsZero() {
				t.Errorf("no inspection in the operation history: %+v", h.Status.OperationHistory.Inspect)
			}
			t.Logf("status.hardware: %+v", *hw)
		})
	}
}
