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

// TestInspectionModeFast: metal3's out-of-band inspection. A redfish-virtualmedia host asking
// for it is inspected by Ironic's redfish inspect interface through the simulator and becomes
// available with its hardware; an IPMI host asking for it gets metal3's inspection error, and
// nothing of it is inspected, until the mode changes (to agent: skipped, as IPMI cannot).
func TestInspectionModeFast(t *testing.T) {
	fast := func(h *metal3.BareMetalHost) { h.Spec.InspectionMode = metal3.InspectionModeFast }
	t.Run("redfish", func(t *testing.T) {
		t.Parallel()
		const name = "inspect-fast-redfish"
		id, macs := redfishSystem(t, redfishHTTPS)
		createHost(t, name, redfishAddress("redfish-virtualmedia", redfishHTTPS, id), macs[0], redfishUser, redfishPassword, skipVerification, fast)
		h := sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
		if hw := h.Status.HardwareDetails; hw == nil || hw.CPU.Count != 8 || hw.RAMMebibytes != 16384 {
			t.Errorf("status.hardware %+v, want what the simulator reports (8 CPUs, 16384 MiB)", hw)
		}
		if n := node(t, h); n.InspectInterface != "redfish" || n.InspectionFinishedAt == nil {
			t.Errorf("node inspect_interface %q, inspection finished at %v; want redfish, finished", n.InspectInterface, n.InspectionFinishedAt)
		}
	})
	t.Run("ipmi", func(t *testing.T) {
		t.Parallel()
		const name = "inspect-fast-ipmi"
		b := startIPMI(t)
		createHost(t, name, "ipmi://"+b.HostPort(), bootMAC(), b.Username(), b.Password(), fast)
		h := sys.WaitForHost(t, name, registerTimeout, "an inspection error", func(h *metal3.BareMetalHost) bool {
			return h.Status.ErrorType == metal3.InspectionError
		})
		if want := "BMC driver ipmi does not support fast (out-of-band) inspection"; h.Status.ErrorMessage != want ||
			h.Status.Provisioning.State != metal3.StateInspecting {
			t.Errorf("state %q error %q, want inspecting with %q", h.Status.Provisioning.State, h.Status.ErrorMessage, want)
		}
		if n := node(t, h); n.ProvisionState != "manageable" || n.InspectionStartedAt != nil {
			t.Errorf("node %q, inspection started at %v: want it manageable and never inspected", n.ProvisionState, n.InspectionStartedAt)
		}
		sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.InspectionMode = metal3.InspectionModeAgent })
		sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
	})
}
