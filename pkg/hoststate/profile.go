package hoststate

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// ReasonInvalidHardwareProfile: spec.hardwareProfile names no known profile.
const ReasonInvalidHardwareProfile = "InvalidHardwareProfile"

// Hardware profile names metal3 defines.
const (
	// DefaultHardwareProfile is the profile of a host that names none and is not behind libvirt.
	DefaultHardwareProfile = "unknown"
	// EmptyHardwareProfile has no default root device hints.
	EmptyHardwareProfile = "empty"
)

// hardwareProfiles are metal3's hardware profiles: the root device hints a host gets when
// spec.rootDeviceHints is not set.
var hardwareProfiles = map[string]metal3.RootDeviceHints{
	DefaultHardwareProfile: {DeviceName: "/dev/sda"},
	"libvirt":              {DeviceName: "/dev/vda"},
	"dell":                 {HCTL: "0:0:0:0"},
	"dell-raid":            {HCTL: "0:2:0:0"},
	"openstack":            {DeviceName: "/dev/vdb"},
	EmptyHardwareProfile:   {},
}

// hardwareProfileName is the host's profile as metal3 picks it: the one in status once set
// (a later spec change does not move it), else spec.hardwareProfile, else "libvirt" for a BMC
// address starting with libvirt, else "unknown".
func hardwareProfileName(h *metal3.BareMetalHost, st *metal3.BareMetalHostStatus) string {
	switch {
	case st.HardwareProfile != "":
		return st.HardwareProfile
	case h.Spec.HardwareProfile != "":
		return h.Spec.HardwareProfile
	case strings.HasPrefix(h.Spec.BMC.Address, "libvirt"):
		return "libvirt"
	}
	return DefaultHardwareProfile
}

// matchProfile records the host's hardware profile in status.hardwareProfile, with metal3's
// ProfileSet Event; done (and s the failure) when the profile is unknown.
func (d *decision) matchProfile(errType metal3.ErrorType) (s step, done bool) {
	name := hardwareProfileName(d.host, &d.status)
	if _, known := hardwareProfiles[name]; !known {
		return d.fail(errType, fmt.Sprintf("no hardware profile named %q", name)).because(ReasonInvalidHardwareProfile), true
	}
	if d.status.HardwareProfile != name {
		d.status.HardwareProfile = name
		d.event(corev1.EventTypeNormal, "ProfileSet", "Hardware profile set: %s", name)
	}
	return step{}, false
}

// provisioningHints are the root device hints of a deploy: spec.rootDeviceHints when given
// (even empty), otherwise the hardware profile's, as metal3 does.
func provisioningHints(h *metal3.BareMetalHost, profile string) *metal3.RootDeviceHints {
	if h.Spec.RootDeviceHints != nil {
		return h.Spec.RootDeviceHints.DeepCopy()
	}
	hints, ok := hardwareProfiles[profile]
	if !ok {
		return nil
	}
	return hints.DeepCopy()
}
