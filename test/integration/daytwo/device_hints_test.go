package daytwo

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// disks is what the agent would report of a server with two SSDs of one model family and a
// disk of another vendor, sizes in bytes as Ironic's hint matcher takes them.
var disks = []map[string]any{
	{"name": "/dev/sda", "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-1", "model": "Samsung SSD 860 EVO 250GB",
		"vendor": "ATA", "size": 250 << 30, "rotational": false, "serial": "S3YJNX0K100001", "hctl": "0:0:0:0"},
	{"name": "/dev/sdb", "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-2", "model": "Samsung SSD 860 EVO 500GB",
		"vendor": "ATA", "size": 500 << 30, "rotational": false, "serial": "S3YJNX0K200002", "hctl": "1:0:0:0"},
	{"name": "/dev/sdc", "by_path": "/dev/disk/by-path/pci-0000:00:17.0-ata-3", "model": "ST2000DM008-2FR102",
		"vendor": "Seagate", "size": 2000 << 30, "rotational": true, "serial": "ZFL0AAAA", "hctl": "2:0:0:0"},
}

// TestRootDeviceHintsReachIronicInItsSyntaxAndPickTheDiskTheyName provisions a host whose hints
// name the second SSD by part of its model, its vendor, its by-path name, a minimum size and
// rotational: false. It reads back the root_device Ironic stored, then has the real Ironic judge it:
//   - the direct deploy interface's validation (GET /v1/nodes/{id}/validate on a scratch node
//     with the stored hints; it runs ironic_lib's parse_root_device_hints, the check before every
//     deploy) accepts them, and refuses a broken hint (the control that it does check them);
//   - ironic_lib's match_root_device_hints, the matcher the agent runs on the server, picks
//     /dev/sdb from the disk list, where the hints as this project sent them before (values
//     without operators, the by-path name as name) matched no disk.
func TestRootDeviceHintsReachIronicInItsSyntaxAndPickTheDiskTheyName(t *testing.T) {
	const name = "hints-syntax"
	rotational := false
	hints := &metal3.RootDeviceHints{
		DeviceName: "/dev/disk/by-path/pci-0000:00:17.0-ata-2", Model: "860 EVO", Vendor: "AT",
		MinSizeGigabytes: 300, Rotational: &rotational,
	}
	newHost(t, name, "52:54:00:71:05:11", withImage, func(h *metal3.BareMetalHost) { h.Spec.RootDeviceHints = hints })
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if h.Status.HardwareProfile != "unknown" {
		t.Errorf("status.hardwareProfile = %q, want metal3's default unknown", h.Status.HardwareProfile)
	}
	stored, _ := sys.Node(t, h.Status.Provisioning.ID).InstanceInfo["root_device"].(map[string]any)
	want := map[string]any{
		"by_path": "s== /dev/disk/by-path/pci-0000:00:17.0-ata-2", "model": "<in> 860 EVO", "vendor": "<in> AT",
		"size": ">= 300", "rotational": false,
	}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Fatalf("instance_info.root_device (-want +got):\n%s", diff)
	}

	if reason := deployValidation(t, stored); strings.Contains(reason, "root device hints") {
		t.Errorf("Ironic's deploy validation refused the hints: %s", reason)
	}
	broken := map[string]any{"size": ">= many"}
	if reason := deployValidation(t, broken); !strings.Contains(reason, "root device hints") {
		t.Errorf("Ironic's deploy validation of %v: %q, want it to refuse the hints (the control)", broken, reason)
	}

	if got := matchDisk(t, stored); got != "/dev/sdb" {
		t.Errorf("Ironic's hint matcher picked %q for %v, want /dev/sdb", got, stored)
	}
	before := map[string]any{"name": hints.DeviceName, "model": hints.Model, "vendor": hints.Vendor, "size": ">= 300", "rotational": false}
	if got := matchDisk(t, before); got != "" {
		t.Errorf("the old conversion %v matched %q; the test no longer shows the difference", before, got)
	}
}

// TestAHostWithoutHintsGetsItsHardwareProfiles provisions a host with spec.hardwareProfile dell
// and no rootDeviceHints: as in metal3, status.hardwareProfile says dell (with a ProfileSet
// Event) and the deploy asks Ironic for the profile's disk, the first SCSI one.
func TestAHostWithoutHintsGetsItsHardwareProfiles(t *testing.T) {
	const name = "hints-profile"
	newHost(t, name, "52:54:00:71:05:12", withImage, func(h *metal3.BareMetalHost) { h.Spec.HardwareProfile = "dell" })
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if h.Status.HardwareProfile != "dell" {
		t.Errorf("status.hardwareProfile = %q, want dell", h.Status.HardwareProfile)
	}
	if diff := cmp.Diff(&metal3.RootDeviceHints{HCTL: "0:0:0:0"}, h.Status.Provisioning.RootDeviceHints); diff != "" {
		t.Errorf("status.provisioning.rootDeviceHints (-want +got):\n%s", diff)
	}
	stored := sys.Node(t, h.Status.Provisioning.ID).InstanceInfo["root_device"]
	if diff := cmp.Diff(map[string]any{"hctl": "s== 0:0:0:0"}, stored); diff != "" {
		t.Errorf("instance_info.root_device (-want +got):\n%s", diff)
	}
	sys.WaitForEvent(t, name, "ProfileSet", "Hardware profile set: dell", stepTimeout)
}

// TestAnUnknownHardwareProfileIsARegistrationError: as in metal3, a profile name it does not
// know keeps the host from registering, with an error naming it.
func TestAnUnknownHardwareProfileIsARegistrationError(t *testing.T) {
	const name = "hints-bad-profile"
	newHost(t, name, "52:54:00:71:05:13", func(h *metal3.BareMetalHost) { h.Spec.HardwareProfile = "supermicro" })
	h := sys.WaitForHost(t, name, stepTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	if h.Status.ErrorMessage != `no hardware profile named "supermicro"` || h.Status.HardwareProfile != "" {
		t.Errorf("error %q, status.hardwareProfile %q; want the unknown profile named and none recorded", h.Status.ErrorMessage, h.Status.HardwareProfile)
	}
}

// deployValidation creates a scratch fake-hardware node with the direct deploy interface and the
// hints, and returns the reason Ironic's deploy validation gives ("" when it passes).
func deployValidation(t *testing.T, hints map[string]any) string {
	t.Helper()
	ctx := context.Background()
	c := sys.IronicClient()
	n, err := nodes.Create(ctx, c, nodes.CreateOpts{Driver: "fake-hardware", BootInterface: "fake", DeployInterface: "direct"}).Extract()
	if err != nil {
		t.Fatalf("creating a scratch node: %v", err)
	}
	defer func() { _ = nodes.Delete(ctx, c, n.UUID).ExtractErr() }()
	info := map[string]any{"root_device": hints, "image_source": "http://127.0.0.1/os.qcow2", "image_checksum": strings.Repeat("a", 32)}
	if _, err := nodes.Update(ctx, c, n.UUID, nodes.UpdateOpts{
		nodes.UpdateOperation{Op: nodes.AddOp, Path: "/instance_info", Value: info},
	}).Extract(); err != nil {
		t.Fatalf("setting the scratch node's instance_info: %v", err)
	}
	v, err := nodes.Validate(ctx, c, n.UUID).Extract()
	if err != nil {
		t.Fatalf("validating the scratch node: %v", err)
	}
	t.Logf("deploy validation of %v: result %v, reason %q", hints, v.Deploy.Result, v.Deploy.Reason)
	if v.Deploy.Result {
		return ""
	}
	return v.Deploy.Reason
}

// matchDisk runs Ironic's own hint matcher (ironic_lib.utils.match_root_device_hints, which the
// agent runs on the server) over the disks and returns the name of the disk it picks.
func matchDisk(t *testing.T, hints map[string]any) string {
	t.Helper()
	in, err := json.Marshal(map[string]any{"devices": disks, "hints": hints})
	if err != nil {
		t.Fatal(err)
	}
	const script = `import json, sys
from ironic_lib import utils
d = json.load(sys.stdin)
dev = utils.match_root_device_hints(d["devices"], d["hints"])
print(dev["name"] if dev else "")`
	cmd := exec.Command("/usr/bin/python3", "-c", script) // the interpreter of the installed Ironic
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running ironic_lib's hint matcher: %v", err)
	}
	return strings.TrimSpace(string(out))
}
