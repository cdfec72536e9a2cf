package ironicprov

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// TestAFakeHostGoesThroughItsWholeLifecycle drives one fake-hardware node from registration to
// deletion and checks, per operation, the exact requests pkg/ironic sends.
func TestAFakeHostGoesThroughItsWholeLifecycle(t *testing.T) {
	ctx := context.Background()
	p, rec := newProvisioner(t)
	host := provisioner.HostRef{Namespace: "lifecycle", Name: "fake-0", BootMACAddress: "52:54:00:10:00:01"}
	req := provisioner.RegisterRequest{
		Host:               host,
		BMC:                parseBMC(t, "fake://x"),
		CredentialsVersion: "1",
		BMCAddress:         "fake://x",
		BootMode:           metal3.BootModeUEFI,
		Architecture:       "x86_64",
		AutomatedClean:     true,
	}
	var id string
	expect := func(op string, want ...string) {
		t.Helper()
		got := rec.take(id)
		t.Logf("%s: %d requests %v", op, len(got), got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s requests (-want +got):\n%s", op, diff)
		}
	}
	total := 0
	count := func(n int) { total += n }

	// Register: a new node in enroll with its boot port; the boot MAC goes into the node's extra
	// only once the port exists, so a registration cut short in between is seen and redone.
	node, err := p.Register(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	id = node.ID
	expect("Register (new)", "GET /", "POST /v1/nodes", "POST /v1/ports", "PATCH /v1/nodes/{id}")
	count(4)
	if node.ProvisionState != provisioner.StateEnroll {
		t.Errorf("new node is %q, want enroll", node.ProvisionState)
	}
	doc := raw(t, "GET", "/v1/nodes/"+id, nil)
	for field, want := range map[string]any{
		"name": "lifecycle~fake-0", "driver": "fake-hardware", "provision_state": "enroll", "automated_clean": true,
		"boot_interface": "fake", "deploy_interface": "fake", "power_interface": "fake", "management_interface": "fake",
	} {
		if doc[field] != want {
			t.Errorf("node %s = %v, want %v", field, doc[field], want)
		}
	}
	if diff := cmp.Diff(map[string]any{"capabilities": "boot_mode:uefi", "cpu_arch": "x86_64"}, doc["properties"]); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	portList := raw(t, "GET", "/v1/ports?node_uuid="+id, nil)["ports"].([]any)
	if len(portList) != 1 || portList[0].(map[string]any)["address"] != host.BootMACAddress {
		t.Errorf("ports = %v, want one with %s", portList, host.BootMACAddress)
	}

	// The node is found by ID, by name and by boot MAC.
	for _, ref := range []provisioner.HostRef{
		{Namespace: "lifecycle", Name: "fake-0", NodeID: id},
		{Namespace: "lifecycle", Name: "fake-0"},
		{Namespace: "elsewhere", Name: "renamed", BootMACAddress: host.BootMACAddress},
	} {
		found, err := p.FindNode(ctx, ref)
		if err != nil || found == nil || found.ID != id {
			t.Errorf("FindNode(%+v) = %+v, %v; want node %s", ref, found, err, id)
		}
	}
	rec.take(id)
	host.NodeID = id

	// Registering again without changes costs nothing.
	existing := waitState(t, p, host, provisioner.StateEnroll)
	rec.take(id)
	if _, err := p.Register(ctx, req, existing); err != nil {
		t.Fatal(err)
	}
	expect("Register (unchanged)")

	// Manage.
	if err := p.Manage(ctx, existing); err != nil {
		t.Fatal(err)
	}
	expect("Manage", "PUT /v1/nodes/{id}/states/provision")
	count(1)
	node = waitState(t, p, host, provisioner.StateManageable)
	rec.take(id)

	// Inspect: fake inspection finds nothing and returns to manageable.
	if err := p.Inspect(ctx, node, provisioner.InspectRequest{}); err != nil {
		t.Fatal(err)
	}
	expect("Inspect", "PUT /v1/nodes/{id}/states/provision")
	count(1)
	node = waitState(t, p, host, provisioner.StateManageable)
	if doc := raw(t, "GET", "/v1/nodes/"+id, nil); doc["inspection_finished_at"] == nil {
		t.Errorf("inspection_finished_at is not set after inspection")
	}
	rec.take(id)

	// Hardware details: Ironic 21 stores no inventory, so properties and ports are used.
	raw(t, "PATCH", "/v1/nodes/"+id, []any{
		map[string]any{"op": "add", "path": "/properties/cpus", "value": 4},
		map[string]any{"op": "add", "path": "/properties/memory_mb", "value": 8192},
		map[string]any{"op": "add", "path": "/properties/local_gb", "value": 40},
		map[string]any{"op": "add", "path": "/properties/vendor", "value": "Fake Vendor"},
	})
	hw, err := p.HardwareDetails(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	expect("HardwareDetails", "GET /v1/nodes/{id}/inventory", "GET /v1/nodes/{id}?fields=…", "GET /v1/ports/detail?node_uuid={id}")
	wantHW := &metal3.HardwareDetails{
		SystemVendor: metal3.HardwareSystemVendor{Manufacturer: "Fake Vendor"},
		RAMMebibytes: 8192,
		CPU:          metal3.CPU{Arch: "x86_64", Count: 4},
		Storage:      []metal3.Storage{{Name: "disk-0", SizeBytes: 40 << 30}},
		NIC:          []metal3.NIC{{MAC: host.BootMACAddress, PXE: true}},
	}
	if diff := cmp.Diff(wantHW, hw); diff != "" {
		t.Errorf("hardware details (-want +got):\n%s", diff)
	}

	// Provide: automated_clean is already as wanted, so only the state change is sent.
	node = waitState(t, p, host, provisioner.StateManageable)
	rec.take(id)
	if err := p.Provide(ctx, node, true); err != nil {
		t.Fatal(err)
	}
	expect("Provide", "PUT /v1/nodes/{id}/states/provision")
	count(1)
	node = waitState(t, p, host, provisioner.StateAvailable)
	rec.take(id)

	// Deploy an md5-checked image with root device hints and a config drive.
	err = p.Deploy(ctx, node, provisioner.DeployRequest{
		Image: &metal3.Image{
			URL: "http://127.0.0.1:1/images/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e",
			ChecksumType: metal3.ChecksumMD5, DiskFormat: ptr("qcow2"),
		},
		RootDeviceHints: &metal3.RootDeviceHints{DeviceName: "/dev/vda", MinSizeGigabytes: 10},
		BootMode:        metal3.BootModeUEFI,
		ConfigDrive: &provisioner.ConfigDrive{
			UserData:    "#cloud-config\nhostname: fake-0\n",
			MetaData:    map[string]interface{}{"uuid": "fake-0", "name": "fake-0"},
			NetworkData: map[string]interface{}{"links": []interface{}{}, "networks": []interface{}{}, "services": []interface{}{}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	expect("Deploy", "PATCH /v1/nodes/{id}", "PUT /v1/nodes/{id}/states/provision")
	count(2)
	node = waitState(t, p, host, provisioner.StateActive)
	if node.ImageURL != "http://127.0.0.1:1/images/os.qcow2" {
		t.Errorf("ImageURL = %q", node.ImageURL)
	}
	info := raw(t, "GET", "/v1/nodes/"+id, nil)["instance_info"].(map[string]any)
	for key, want := range map[string]any{
		"image_source":      "http://127.0.0.1:1/images/os.qcow2",
		"image_checksum":    "d41d8cd98f00b204e9800998ecf8427e",
		"image_disk_format": "qcow2",
		"root_device":       map[string]any{"name": "s== /dev/vda", "size": ">= 10"},
		"capabilities":      map[string]any{"boot_mode": "uefi"},
	} {
		if diff := cmp.Diff(want, info[key]); diff != "" {
			t.Errorf("instance_info %s (-want +got):\n%s", key, diff)
		}
	}
	// Ironic keeps the config drive in instance_info and masks it.
	if cd := info["configdrive"]; cd != "******" {
		t.Errorf("instance_info configdrive = %.40v, want it stored and masked as ******", cd)
	}
	t.Logf("Register+Manage+Inspect+Provide+Deploy of one fake node: %d requests (without FindNode polling)", total)
	rec.take(id)

	// Power: off, on, and a soft off.
	for _, step := range []struct {
		req  provisioner.PowerRequest
		want provisioner.PowerState
	}{
		{provisioner.PowerRequest{On: false}, provisioner.PowerOff},
		{provisioner.PowerRequest{On: true}, provisioner.PowerOn},
		{provisioner.PowerRequest{On: false, Soft: true}, provisioner.PowerOff},
		{provisioner.PowerRequest{Reboot: true}, provisioner.PowerOn},
	} {
		if err := p.SetPower(ctx, node, step.req); err != nil {
			t.Fatalf("SetPower(%+v): %v", step.req, err)
		}
		expect("SetPower", "PUT /v1/nodes/{id}/states/power")
		node = waitPower(t, p, host, step.want)
		rec.take(id)
	}

	// Undeploy back to available.
	if err := p.Undeploy(ctx, node); err != nil {
		t.Fatal(err)
	}
	expect("Undeploy", "PUT /v1/nodes/{id}/states/provision")
	node = waitState(t, p, host, provisioner.StateAvailable)
	rec.take(id)

	// Delete: the node and its port are gone.
	if err := p.Delete(ctx, node); err != nil {
		t.Fatal(err)
	}
	expect("Delete", "DELETE /v1/nodes/{id}")
	if found, err := p.FindNode(ctx, host); err != nil || found != nil {
		t.Errorf("FindNode after Delete = %+v, %v; want nothing", found, err)
	}
	if err := p.Delete(ctx, node); err != nil {
		t.Errorf("deleting again: %v, want success", err)
	}
}

func ptr[T any](v T) *T { return &v }
