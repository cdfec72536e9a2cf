package bmc

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
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
		// The API server refuses it, as metal3's webhook does (the controller refuses a host
		// stored before the rule with the same words: pkg/hoststate's TestInspectionModes).
		t.Parallel()
		h := &metal3.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: "inspect-fast-ipmi", Namespace: framework.Namespace},
			Spec: metal3.BareMetalHostSpec{
				BootMACAddress: bootMAC(), InspectionMode: metal3.InspectionModeFast,
				BMC: metal3.BMCDetails{Address: "ipmi://10.0.0.1", CredentialsName: "inspect-fast-ipmi-bmc"},
			},
		}
		_, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).Create(context.Background(), h, metav1.CreateOptions{})
		want := "BMC driver ipmi does not support fast (out-of-band) inspection"
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.inspectionMode") || !strings.Contains(err.Error(), want) {
			t.Errorf("creating an ipmi host with inspectionMode fast: %v; want it refused with %q", err, want)
		}
	})
}
