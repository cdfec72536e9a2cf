package ironic

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

const (
	kernelURL  = "http://images.test/ipa.kernel"
	ramdiskURL = "http://images.test/ipa.initramfs"
	isoURL     = "http://images.test/ipa.iso"
)

// TestDesiredNodeDeployRamdiskAndInspectInterface: the deploy_* driver_info keys per boot
// interface and the inspect_interface per inspection mode, as metal3 sets them.
func TestDesiredNodeDeployRamdiskAndInspectInterface(t *testing.T) {
	all := DeployRamdisk{KernelURL: kernelURL, RamdiskURL: ramdiskURL, ISOURL: isoURL}
	kernelOnly := DeployRamdisk{KernelURL: kernelURL, RamdiskURL: ramdiskURL}
	isoOnly := DeployRamdisk{ISOURL: isoURL}
	for _, tc := range []struct {
		name        string
		address     string
		mode        metal3.InspectionMode
		defaults    nodeDefaults
		wantDeploy  map[string]any
		wantInspect string
	}{
		{"virtual media boots the ISO", "redfish-virtualmedia://192.0.2.1/redfish/v1/Systems/1", "", nodeDefaults{deployRamdisk: all},
			map[string]any{deployISOKey: isoURL}, "redfish"},
		{"idrac virtual media boots the ISO", "idrac-virtualmedia://192.0.2.1/redfish/v1/Systems/1", "", nodeDefaults{deployRamdisk: all},
			map[string]any{deployISOKey: isoURL}, "idrac-redfish"},
		{"Redfish HTTP boot boots the ISO", "redfish-uefihttp://192.0.2.1/redfish/v1/Systems/1", "", nodeDefaults{deployRamdisk: all},
			map[string]any{deployISOKey: isoURL}, "redfish"},
		{"virtual media without an ISO URL gets kernel and ramdisk", "redfish-virtualmedia://192.0.2.1/redfish/v1/Systems/1", "",
			nodeDefaults{deployRamdisk: kernelOnly}, map[string]any{deployKernelKey: kernelURL, deployRamdiskKey: ramdiskURL}, "redfish"},
		{"iPXE boots kernel and ramdisk", "ipmi://192.0.2.1", "", nodeDefaults{deployRamdisk: all},
			map[string]any{deployKernelKey: kernelURL, deployRamdiskKey: ramdiskURL}, ""},
		{"iPXE cannot boot the ISO alone", "redfish://192.0.2.1/redfish/v1/Systems/1", "", nodeDefaults{deployRamdisk: isoOnly}, nil, "redfish"},
		{"fake gets kernel and ramdisk", "fake://x", "", nodeDefaults{deployRamdisk: all},
			map[string]any{deployKernelKey: kernelURL, deployRamdiskKey: ramdiskURL}, "fake"},
		{"nothing configured", "ipmi://192.0.2.1", "", nodeDefaults{}, nil, ""},
		{"inspector: ipmi in band", "ipmi://192.0.2.1", "", nodeDefaults{inspector: true}, nil, inspectorInterface},
		{"inspector: redfish agent mode in band", "redfish://192.0.2.1/redfish/v1/Systems/1", metal3.InspectionModeAgent,
			nodeDefaults{inspector: true}, nil, inspectorInterface},
		{"inspector: fake in band", "fake://x", "", nodeDefaults{inspector: true}, nil, inspectorInterface},
		{"inspector: fast redfish out of band", "redfish://192.0.2.1/redfish/v1/Systems/1", metal3.InspectionModeFast,
			nodeDefaults{inspector: true}, nil, "redfish"},
		{"inspector: fast fake out of band", "fake://x", metal3.InspectionModeFast, nodeDefaults{inspector: true}, nil, "fake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := provisioner.RegisterRequest{Host: testHost, BMC: parseBMC(t, tc.address), BMCAddress: tc.address, InspectionMode: tc.mode}
			w := desiredNode(req, tc.defaults)
			got := map[string]any{}
			for k, v := range w.driverInfo {
				if isDeployKey(k) {
					got[k] = v
				}
			}
			if diff := cmp.Diff(tc.wantDeploy, got, cmpEmptyMaps); diff != "" {
				t.Errorf("deploy driver_info (-want +got):\n%s", diff)
			}
			if got := w.interfaces["inspect_interface"]; got != tc.wantInspect {
				t.Errorf("inspect_interface = %q, want %q", got, tc.wantInspect)
			}
		})
	}
}

var cmpEmptyMaps = cmp.FilterValues(func(a, b map[string]any) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

// TestStaleDeployKeysAreRewritten: once a deploy ramdisk is configured, a deploy_* key the
// node should not have makes Register rewrite driver_info; without one they are left alone.
func TestStaleDeployKeysAreRewritten(t *testing.T) {
	req := provisioner.RegisterRequest{Host: testHost, BMC: parseBMC(t, "redfish-virtualmedia://192.0.2.1/redfish/v1/Systems/1"),
		BMCAddress: "redfish-virtualmedia://192.0.2.1/redfish/v1/Systems/1"}
	for _, tc := range []struct {
		name     string
		defaults nodeDefaults
		stale    bool
	}{
		{"configured: stale kernel dropped", nodeDefaults{deployRamdisk: DeployRamdisk{ISOURL: isoURL}}, true},
		{"not configured: left alone", nodeDefaults{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := desiredNode(req, tc.defaults)
			cur := &nodeDoc{Extra: w.extra, DriverInfo: map[string]any{deployKernelKey: kernelURL}}
			for k, v := range w.driverInfo {
				cur.DriverInfo[k] = v
			}
			if got := driverInfoDiffers(cur, w); got != tc.stale {
				t.Errorf("driverInfoDiffers = %v, want %v", got, tc.stale)
			}
		})
	}
}

func TestDeployRamdiskValidate(t *testing.T) {
	for _, tc := range []struct {
		d  DeployRamdisk
		ok bool
	}{
		{DeployRamdisk{}, true},
		{DeployRamdisk{ISOURL: isoURL}, true},
		{DeployRamdisk{KernelURL: kernelURL, RamdiskURL: ramdiskURL}, true},
		{DeployRamdisk{KernelURL: kernelURL}, false},
		{DeployRamdisk{RamdiskURL: ramdiskURL, ISOURL: isoURL}, false},
	} {
		if err := tc.d.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: Validate() = %v", tc.d, err)
		}
	}
}
