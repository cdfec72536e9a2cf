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
	// DetachedAnnotation removes the node from the provisioner without deprovisioning the host
	// (in available and the provisioned states, or in any state with {"force":true}); removing
	// the annotation registers the node again and adopts it.
	DetachedAnnotation = "baremetalhost.metal3.io/detached"
	// StatusAnnotation holds a status to restore onto a host created without one (a host moved
	// from another cluster).
	StatusAnnotation = "baremetalhost.metal3.io/status"
	// RebootAnnotation (value empty or {"mode":"hard"|"soft","force":bool}) reboots the host once
	// and is then removed. RebootAnnotation + "/<key>" keeps the host powered off until all such
	// keys are gone (how remediation controllers power a host off). Without "force":true they
	// apply to provisioned and externally provisioned hosts only.
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
	// soft asks for a graceful power-off; any annotation asking for "hard" makes it hard.
	soft bool
	// force: some annotation says "force":true. Outside the provisioned states only forced
	// requests count; they also abort an inspection or a deploy waiting on the host's ramdisk.
	force bool
	// problem describes an annotation value that cannot be understood.
	problem string
}

// rebootArgs is the JSON value of a reboot annotation, as metal3 defines it. Other keys are
// ignored, as metal3 ignores them.
type rebootArgs struct {
	Mode  string `json:"mode"`
	Force bool   `json:"force"`
}

// rebootAnnotations reads the reboot annotations of a host. forcedOnly keeps only those with
// "force":true (the ones that apply outside the provisioned states).
func rebootAnnotations(h *metal3.BareMetalHost, forcedOnly bool) rebootRequest {
	r := rebootRequest{soft: true}
	for k, v := range h.Annotations {
		if k != RebootAnnotation && !strings.HasPrefix(k, RebootAnnotation+"/") {
			continue
		}
		var args rebootArgs
		if strings.TrimSpace(v) != "" {
			if err := json.Unmarshal([]byte(v), &args); err != nil {
				r.problem = fmt.Sprintf("annotation %s has value %q; want empty or JSON such as {\"mode\":\"hard\",\"force\":false}", k, v)
				continue
			}
		}
		switch args.Mode {
		case "soft", "", "hard":
		default:
			r.problem = fmt.Sprintf("annotation %s asks for reboot mode %q; want \"hard\" or \"soft\"", k, args.Mode)
			continue
		}
		if forcedOnly && !args.Force {
			continue
		}
		if k == RebootAnnotation {
			r.once = true
		} else {
			r.holdOff = true
		}
		r.soft = r.soft && args.Mode != "hard"
		r.force = r.force || args.Force
	}
	return r
}

// wanted reports whether any reboot annotation applies.
func (r rebootRequest) wanted() bool { return r.once || r.holdOff }

// detachArgs is the value of DetachedAnnotation: metal3's JSON, or anything else (other
// programs write their own name, e.g. "assisted-service-controller"), which asks for nothing
// more than detaching.
type detachArgs struct {
	// DeleteAction "delay" holds the deletion of a detached host until the annotation goes;
	// "delete" (or nothing) lets it go at once without deprovisioning.
	DeleteAction string `json:"deleteAction,omitempty"`
	// Force detaches in any state, not only in available and the provisioned states.
	Force bool `json:"force,omitempty"`
}

// detachAnnotation reads DetachedAnnotation. ok=false when absent.
func detachAnnotation(h *metal3.BareMetalHost) (args detachArgs, ok bool) {
	v, ok := h.Annotations[DetachedAnnotation]
	if !ok {
		return args, false
	}
	if err := json.Unmarshal([]byte(v), &args); err != nil {
		return detachArgs{}, true
	}
	return args, true
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
	// Lenient, as metal3 is: a status written by another version of metal3's API (CAPM3 writes
	// fields such as provisioningFailCount, and newer ones may add more) is still a status.
	st = &metal3.BareMetalHostStatus{}
	if err := json.Unmarshal([]byte(v), st); err != nil {
		return nil, true, fmt.Errorf("annotation %s is not a BareMetalHost status in JSON: %v", StatusAnnotation, err)
	}
	return st, true, nil
}

// IsPaused reports whether the host must be left alone entirely.
func IsPaused(h *metal3.BareMetalHost) bool {
	_, ok := h.Annotations[PausedAnnotation]
	return ok
}

// canInspect reports whether the host can be inspected at all: in band when the provisioner
// can (inBand: ironic-inspector), else only if its BMC driver inspects out of band (IPMI
// cannot).
func canInspect(h *metal3.BareMetalHost, inBand bool) bool {
	access, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification)
	return err == nil && (inBand || access.CanInspect())
}
