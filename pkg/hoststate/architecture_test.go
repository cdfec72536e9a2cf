package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func inspectedArch(arch string) hostOpt {
	return func(h *metal3.BareMetalHost) {
		h.Status.HardwareDetails = &metal3.HardwareDetails{CPU: metal3.CPU{Arch: arch, Count: 4}}
	}
}

func specArch(arch string) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Spec.Architecture = arch }
}

// spec.architecture is filled from inspection only while it is empty, as metal3 does; a
// user's value is never replaced.
func TestAnEmptyArchitectureIsFilledFromInspection(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"inspected, empty spec", input(host(stAvailable, inspectedArch("x86_64")), node(available)), "x86_64"},
		{"inspected, user's value kept", input(host(stAvailable, inspectedArch("x86_64"), specArch("aarch64")), node(available)), ""},
		{"not inspected yet", input(host(stRegistering), node(manageable)), ""},
		{"inspection found no architecture", input(host(stAvailable, inspectedArch("")), node(available)), ""},
		{"provisioned, empty spec", input(host(stProvisioned, running(imgA), online, inspectedArch("aarch64")), node(active, poweredOn)), "aarch64"},
	}
	for _, tc := range cases {
		if got := Decide(tc.in).FillArchitecture; got != tc.want {
			t.Errorf("%s: FillArchitecture %q, want %q", tc.name, got, tc.want)
		}
	}
}
