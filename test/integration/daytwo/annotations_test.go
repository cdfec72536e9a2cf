package daytwo

import (
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

func TestTheRebootAnnotationPowerCyclesTheHostAndIsRemoved(t *testing.T) {
	for _, tc := range []struct{ name, value, mac string }{
		{"reboot-default", "", "52:54:00:70:00:01"},
		{"reboot-hard", `{"mode":"hard"}`, "52:54:00:70:00:02"},
		{"reboot-soft", `{"mode":"soft"}`, "52:54:00:70:00:03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			newHost(t, tc.name, tc.mac, withImage)
			h := sys.WaitForState(t, tc.name, metal3.StateProvisioned, stepTimeout)
			offBefore := countEvents(t, tc.name, "PowerOff", "reboot")
			annotate(t, tc.name, hoststate.RebootAnnotation, tc.value)
			h = sys.WaitForHost(t, tc.name, stepTimeout, "annotation removed and powered on again", func(h *metal3.BareMetalHost) bool {
				return !hasAnnotation(h, hoststate.RebootAnnotation) && h.Status.PoweredOn
			})
			if countEvents(t, tc.name, "PowerOff", "reboot") <= offBefore {
				t.Errorf("no power-off for the reboot; events %q", sys.Events(t, tc.name))
			}
			if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power on" {
				t.Errorf("after the reboot Ironic reports %q", p)
			}
		})
	}
}

func TestRebootKeyAnnotationsHoldTheHostOffUntilAllAreRemoved(t *testing.T) {
	const name = "hold-off"
	newHost(t, name, "52:54:00:70:01:01", withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	annotate(t, name, hoststate.RebootAnnotation+"/maintenance", "")
	annotate(t, name, hoststate.RebootAnnotation+"/firmware", `{"mode":"hard"}`)
	waitSettled(t, name, hoststate.ReasonPoweredOffByAnnotation, "reboot.metal3.io/<key>")
	if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power off" {
		t.Errorf("held off, but Ironic reports %q", p)
	}
	unannotate(t, name, hoststate.RebootAnnotation+"/maintenance")
	time.Sleep(2 * time.Second)
	if h := sys.Host(t, name); h.Status.PoweredOn {
		t.Error("powered on while one reboot.metal3.io/<key> annotation remains")
	}
	unannotate(t, name, hoststate.RebootAnnotation+"/firmware")
	sys.WaitForHost(t, name, stepTimeout, "powered on", func(h *metal3.BareMetalHost) bool { return h.Status.PoweredOn })
}

func TestAnInvalidRebootAnnotationIsAClearErrorUntilFixed(t *testing.T) {
	const name = "bad-reboot"
	newHost(t, name, "52:54:00:70:02:01")
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	annotate(t, name, hoststate.RebootAnnotation, `{"mode":"gentle"}`)
	h := sys.WaitForHost(t, name, stepTimeout, "a power management error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.PowerManagementError
	})
	if !strings.Contains(h.Status.ErrorMessage, `reboot mode "gentle"`) {
		t.Errorf("errorMessage %q does not name the bad value", h.Status.ErrorMessage)
	}
	sys.WaitForEvent(t, name, "PowerManagementError", "gentle", 10*time.Second)
	waitSettled(t, name, hoststate.ReasonInvalidAnnotation, "gentle")
	// An available host obeys only forced requests (metal3's rule).
	annotate(t, name, hoststate.RebootAnnotation, `{"mode":"hard","force":true}`)
	sys.WaitForHost(t, name, stepTimeout, "rebooted, error cleared", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == "" && !hasAnnotation(h, hoststate.RebootAnnotation)
	})
}

func TestTheInspectAnnotationReinspectsAnAvailableHost(t *testing.T) {
	const name = "reinspect"
	newHost(t, name, "52:54:00:70:03:01")
	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	firstInspection := h.Status.OperationHistory.Inspect.Start
	time.Sleep(1100 * time.Millisecond) // timestamps have a resolution of one second
	annotate(t, name, hoststate.InspectAnnotation, "")
	h = sys.WaitForHost(t, name, stepTimeout, "inspected again and available", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.OperationHistory.Inspect.Start.After(firstInspection.Time) &&
			!h.Status.OperationHistory.Inspect.End.IsZero() && !hasAnnotation(h, hoststate.InspectAnnotation)
	})
}

func TestWithInspectionDisabledTheHardwareComesFromTheAnnotation(t *testing.T) {
	const name = "no-inspection"
	details := `{"cpu":{"arch":"aarch64","count":64,"model":"Neoverse-N1"},"ramMebibytes":262144,"hostname":"edge-7",` +
		`"nics":[{"name":"eth0","mac":"52:54:00:70:04:01","ip":"192.0.2.7","pxe":true}]}`
	newHost(t, name, "52:54:00:70:04:01", func(h *metal3.BareMetalHost) {
		h.Spec.InspectionMode = metal3.InspectionModeDisabled
		h.Annotations = map[string]string{hoststate.HardwareDetailsAnnotation: details}
	})
	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	hw := h.Status.HardwareDetails
	if hw == nil || hw.CPU.Arch != "aarch64" || hw.CPU.Count != 64 || hw.Hostname != "edge-7" || len(hw.NIC) != 1 || hw.NIC[0].IP != "192.0.2.7" {
		t.Errorf("status.hardware %+v does not hold the annotation's details", hw)
	}
	if !h.Status.OperationHistory.Inspect.Start.IsZero() {
		t.Errorf("inspection ran although disabled: %+v", h.Status.OperationHistory.Inspect)
	}
	if hasAnnotation(h, hoststate.HardwareDetailsAnnotation) {
		t.Error("the hardware details annotation was not consumed")
	}
	if countEvents(t, name, "InspectionStarted", "") != 0 {
		t.Error("an InspectionStarted event for a host with inspection disabled")
	}
}
