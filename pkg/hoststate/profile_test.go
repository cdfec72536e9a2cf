package hoststate

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestTheHardwareProfileIsPickedAsMetal3PicksIt(t *testing.T) {
	tests := []struct {
		name, status, spec, address, want string
	}{
		{name: "the status wins once set", status: "dell", spec: "openstack", address: "libvirt://h", want: "dell"},
		{name: "then spec.hardwareProfile", spec: "openstack", address: "libvirt://h", want: "openstack"},
		{name: "then libvirt for a libvirt BMC", address: "libvirt://192.168.122.1:6233/", want: "libvirt"},
		{name: "else unknown", address: "redfish://h/redfish/v1/Systems/1", want: DefaultHardwareProfile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := host(stNone, bmcAt(tt.address))
			h.Spec.HardwareProfile = tt.spec
			st := metal3.BareMetalHostStatus{HardwareProfile: tt.status}
			if got := hardwareProfileName(h, &st); got != tt.want {
				t.Errorf("hardwareProfileName = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestADeployUsesTheHostsHintsElseItsProfiles(t *testing.T) {
	tests := []struct {
		name    string
		hints   *metal3.RootDeviceHints
		profile string
		want    *metal3.RootDeviceHints
	}{
		{name: "the host's hints", hints: &metal3.RootDeviceHints{Model: "SSD"}, profile: "dell", want: &metal3.RootDeviceHints{Model: "SSD"}},
		{name: "empty hints of the host are kept empty", hints: &metal3.RootDeviceHints{}, profile: "dell", want: &metal3.RootDeviceHints{}},
		{name: "unknown: /dev/sda", profile: "unknown", want: &metal3.RootDeviceHints{DeviceName: "/dev/sda"}},
		{name: "libvirt: /dev/vda", profile: "libvirt", want: &metal3.RootDeviceHints{DeviceName: "/dev/vda"}},
		{name: "openstack: /dev/vdb", profile: "openstack", want: &metal3.RootDeviceHints{DeviceName: "/dev/vdb"}},
		{name: "dell: the first SCSI disk", profile: "dell", want: &metal3.RootDeviceHints{HCTL: "0:0:0:0"}},
		{name: "dell-raid: the first RAID volume", profile: "dell-raid", want: &metal3.RootDeviceHints{HCTL: "0:2:0:0"}},
		{name: "empty: no hints", profile: "empty", want: &metal3.RootDeviceHints{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := host(stAvailable, func(h *metal3.BareMetalHost) { h.Spec.RootDeviceHints = tt.hints })
			if diff := cmp.Diff(tt.want, provisioningHints(h, tt.profile)); diff != "" {
				t.Errorf("hints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTheHardwareProfileIsRecordedAtRegistrationAndGivesTheDeploysHints(t *testing.T) {
	t.Run("a registered host records its profile with an Event", func(t *testing.T) {
		h := host(metal3.StateRegistering, noInspection, func(h *metal3.BareMetalHost) { h.Spec.HardwareProfile = "dell-raid" })
		r := decide(t, input(h, node(manageable)))
		if r.Status.HardwareProfile != "dell-raid" {
			t.Errorf("status.hardwareProfile = %q, want dell-raid", r.Status.HardwareProfile)
		}
		if !slices.Contains(r.Events, Event{Type: corev1.EventTypeNormal, Reason: "ProfileSet", Message: "Hardware profile set: dell-raid"}) {
			t.Errorf("events %+v, want ProfileSet", r.Events)
		}
	})
	t.Run("an unknown profile is a registration error", func(t *testing.T) {
		h := host(metal3.StateRegistering, func(h *metal3.BareMetalHost) { h.Spec.HardwareProfile = "supermicro" })
		r := decide(t, input(h, node(manageable)))
		if r.Status.ErrorType != metal3.RegistrationError || r.Status.ErrorMessage != `no hardware profile named "supermicro"` {
			t.Errorf("error %q %q, want a registration error naming the profile", r.Status.ErrorType, r.Status.ErrorMessage)
		}
		if r.Status.Provisioning.State != metal3.StateRegistering || r.Status.HardwareProfile != "" {
			t.Errorf("state %q profile %q, want the host kept registering without a profile", r.Status.Provisioning.State, r.Status.HardwareProfile)
		}
	})
	t.Run("a host provisioned without hints gets its profile's, and a profile if it had none", func(t *testing.T) {
		h := host(stAvailable, image(imgA), func(h *metal3.BareMetalHost) {
			h.Status.HardwareProfile = ""
			h.Spec.HardwareProfile = "openstack"
		})
		r := decide(t, input(h, node(available)))
		if r.Status.Provisioning.State != stProvisioning || r.Status.HardwareProfile != "openstack" {
			t.Fatalf("state %q profile %q, want provisioning with the openstack profile", r.Status.Provisioning.State, r.Status.HardwareProfile)
		}
		if diff := cmp.Diff(&metal3.RootDeviceHints{DeviceName: "/dev/vdb"}, r.Status.Provisioning.RootDeviceHints); diff != "" {
			t.Errorf("status.provisioning.rootDeviceHints (-want +got):\n%s", diff)
		}
	})
}
