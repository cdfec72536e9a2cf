package hoststate

import (
	"slices"
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func annotated(key, value string) hostOpt {
	return func(h *metal3.BareMetalHost) {
		if h.Annotations == nil {
			h.Annotations = map[string]string{}
		}
		h.Annotations[key] = value
	}
}

// The hardware details annotation is taken in any state past registration (as in metal3), so
// the details survive a lost status write; it is left alone while inspection is enabled.
func TestHardwareDetailsAnnotationIsTakenInAnyStateWhenInspectionIsDisabled(t *testing.T) {
	const details = `{"cpu":{"arch":"aarch64","count":64},"hostname":"edge-7"}`
	for _, tc := range []struct {
		name     string
		host     *metal3.BareMetalHost
		wantHost string
		event    string
	}{
		{"available without inspection", host(stAvailable, noInspection, annotated(HardwareDetailsAnnotation, details)), "edge-7", ""},
		{"provisioned without inspection", host(stProvisioned, noInspection, running(imgA), annotated(HardwareDetailsAnnotation, details)), "edge-7", ""},
		{"available with inspection enabled", host(stAvailable, annotated(HardwareDetailsAnnotation, details)), "", ""},
		{"available, inspection disabled by annotation", host(stAvailable, annotated(InspectAnnotation, "disabled"), annotated(HardwareDetailsAnnotation, details)), "edge-7", ""},
		{"available with a bad value", host(stAvailable, noInspection, annotated(HardwareDetailsAnnotation, "{not json")), "", ReasonInvalidAnnotation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := tc.host.Status.Provisioning.State
			n := node(available)
			if state == stProvisioned {
				n = node(active, poweredOn)
			}
			r := decide(t, input(tc.host, n))
			var got string
			if r.Status.HardwareDetails != nil {
				got = r.Status.HardwareDetails.Hostname
			}
			if got != tc.wantHost {
				t.Errorf("status.hardware.hostname = %q, want %q", got, tc.wantHost)
			}
			if taken := slices.Contains(r.RemoveAnnotations, HardwareDetailsAnnotation); taken != (tc.wantHost != "") {
				t.Errorf("annotation removed = %v, want %v", taken, tc.wantHost != "")
			}
			var reasons []string
			for _, e := range r.Events {
				reasons = append(reasons, e.Reason)
			}
			if tc.event != "" && !slices.Contains(reasons, tc.event) {
				t.Errorf("events %v, want one %s", reasons, tc.event)
			}
			if r.Status.Provisioning.State != state {
				t.Errorf("state moved from %s to %s", state, r.Status.Provisioning.State)
			}
		})
	}
}
