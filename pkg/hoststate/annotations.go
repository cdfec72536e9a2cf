package hoststate

import (
	"encoding/json"
	"fmt"
	"strings"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

// Annotations users set on hosts, spelled as metal3 spells them.
const (
	// PausedAnnotation stops all reconciliation of the host while present (the controller
	// skips the host before asking Decide anything).
	PausedAnnotation = "baremetalhost.metal3.io/paused"
	// DetachedAnnotation removes the node from the provisioner without deprovisioning the host;
	// removing the annotation registers the node again and adopts it.
	DetachedAnnotation = "baremetalhost.metal3.io/detached"
	// StatusAnnotation holds a status to restore onto a host created without one (a host moved
	// from another cluster).
	StatusAnnotation = "baremetalhost.metal3.io/status"
	// RebootAnnotation (value empty or {"mode":"hard"|"soft"}) reboots the host once and is then
	// removed. RebootAnnotation + "/<key>" keeps the host powered off until all such keys are gone.
	RebootAnnotation = "reboot.metal3.io"
	// InspectAnnotation on an available host re-inspects it; the value "disabled" skips
	// inspection at registration (older metal3 spelling of spec.inspectionMode: disabled).
	InspectAnnotation = "inspect.metal3.io"
	// HardwareDetailsAnnotation supplies status.hardware (JSON) when inspection is disabled.
	HardwareDetailsAnnotation = "inspect.metal3.io/hardwaredetails"
)

// rebootRequest is what the reboot annotations ask for.
type rebootRequest struct {
	// once: RebootAnnotation is present: power off, then the annotation is removed and the
	// host comes back on as spec.online says.
	once bool
	// holdOff: some RebootAnnotation/<key> is present: stay off until all are removed.
	holdOff bool
	// soft asks for a graceful power-off.
	soft bool
	// problem describes an annotation value that cannot be understood.
	problem string
}

// rebootAnnotations reads the reboot annotations of a host.
func rebootAnnotations(h *metal3.BareMetalHost) rebootRequest {
	var r rebootRequest
	r.soft = true
	for k, v := range h.Annotations {
		if k != RebootAnnotation && !strings.HasPrefix(k, RebootAnnotation+"/") {
			continue
		}
		if k == RebootAnnotation {
			r.once = true
		} else {
			r.holdOff = true
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		var mode struct {
			Mode string `json:"mode"`
		}
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&mode); err != nil {
			r.problem = fmt.Sprintf("annotation %s has value %q; want empty or {\"mode\":\"hard\"|\"soft\"}", k, v)
			continue
		}
		switch mode.Mode {
		case "hard":
			r.soft = false
		case "soft", "":
		default:
			r.problem = fmt.Sprintf("annotation %s asks for reboot mode %q; want \"hard\" or \"soft\"", k, mode.Mode)
		}
	}
	return r
}

// inspectionDisabled reports whether inspection is skipped at registration.
func inspectionDisabled(h *metal3.BareMetalHost) bool {
	return h.Spec.InspectionMode == metal3.InspectionModeDisabled || h.Annotations[InspectAnnotation] == "disabled"
}

// reinspectRequested reports whether the user asked an available host to be inspected again.
func reinspectRequested(h *metal3.BareMetalHost) bool {
	v, ok := h.Annotations[InspectAnnotation]
	return ok && v != "disabled"
}

// hardwareFromAnnotation parses HardwareDetailsAnnotation. ok=false when absent.
func hardwareFromAnnotation(h *metal3.BareMetalHost) (hw *metal3.HardwareDetails, ok bool, err error) {
	v, ok := h.Annotations[HardwareDetailsAnnotation]
	if !ok {
		return nil, false, nil
	}
	hw = &metal3.HardwareDetails{}
	if err := json.Unmarshal([]byte(v), hw); err != nil {
		return nil, true, fmt.Errorf("annotation %s is not valid hardware details JSON: %v", HardwareDetailsAnnotation, err)
	}
	return hw, true, nil
}

// statusFromAnnotation parses StatusAnnotation. ok=false when absent.
func statusFromAnnotation(h *metal3.BareMetalHost) (st *metal3.BareMetalHostStatus, ok bool, err error) {
	v, ok := h.Annotations[StatusAnnotation]
	if !ok {
		return nil, false, nil
	}
	st = &metal3.BareMetalHostStatus{}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(st); err != nil {
		return nil, true, fmt.Errorf("annotation %s is not a valid BareMetalHost status: %v", StatusAnnotation, err)
	}
	return st, true, nil
}

// IsPaused reports whether the host must be left alone entirely.
func IsPaused(h *metal3.BareMetalHost) bool {
	_, ok := h.Annotations[PausedAnnotation]
	return ok
}

// canInspect reports whether the host's BMC type can be inspected at all (IPMI cannot).
func canInspect(h *metal3.BareMetalHost) bool {
	access, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification)
	return err == nil && access.CanInspect()
}
