package ironic

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// TestRootDeviceHintsUseIronicsSyntaxAsMetal3Does checks the root_device dict against what
// metal3's devicehints package sends for the same hints.
func TestRootDeviceHintsUseIronicsSyntaxAsMetal3Does(t *testing.T) {
	tests := []struct {
		name  string
		hints *metal3.RootDeviceHints
		want  map[string]any
	}{
		{name: "no hints, no root_device", hints: nil, want: nil},
		{name: "empty hints, an empty root_device", hints: &metal3.RootDeviceHints{}, want: map[string]any{}},
		{
			name: "every hint with its operator, the size as a minimum in GiB",
			hints: &metal3.RootDeviceHints{
				DeviceName: "/dev/vda", HCTL: "0:0:0:0", Model: "QEMU", Vendor: "Red Hat", SerialNumber: "s-1",
				MinSizeGigabytes: 20, WWN: "0x1", WWNWithExtension: "0x1x2", WWNVendorExtension: "0x2", Rotational: ptr(false),
			},
			want: map[string]any{
				"name": "s== /dev/vda", "hctl": "s== 0:0:0:0", "model": "<in> QEMU", "vendor": "<in> Red Hat", "serial": "s== s-1",
				"size": ">= 20", "wwn": "s== 0x1", "wwn_with_extension": "s== 0x1x2", "wwn_vendor_extension": "s== 0x2", "rotational": false,
			},
		},
		{
			name:  "a /dev/disk/by-path name is the by_path hint",
			hints: &metal3.RootDeviceHints{DeviceName: "/dev/disk/by-path/pci-0000:00:17.0-ata-1"},
			want:  map[string]any{"by_path": "s== /dev/disk/by-path/pci-0000:00:17.0-ata-1"},
		},
		{
			name:  "another /dev/disk name stays a name hint",
			hints: &metal3.RootDeviceHints{DeviceName: "/dev/disk/by-id/wwn-0x5000c500a0b1c2d3"},
			want:  map[string]any{"name": "s== /dev/disk/by-id/wwn-0x5000c500a0b1c2d3"},
		},
		{name: "a rotational hint alone", hints: &metal3.RootDeviceHints{Rotational: ptr(true)}, want: map[string]any{"rotational": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rootDeviceHints(tt.hints)); diff != "" {
				t.Errorf("root_device (-want +got):\n%s", diff)
			}
		})
	}
}
