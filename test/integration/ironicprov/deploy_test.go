package ironicprov

import (
	"context"
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	ironicprov "github.com/metalkube/metalkube/pkg/ironic"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// availableFakeNode registers a fake-hardware host and brings it to available.
func availableFakeNode(t *testing.T, p *ironicprov.Ironic, host provisioner.HostRef) (provisioner.HostRef, *provisioner.Node) {
	t.Helper()
	ctx := context.Background()
	node, err := p.Register(ctx, provisioner.RegisterRequest{
		Host: host, BMC: parseBMC(t, "fake://x"), BMCAddress: "fake://x", CredentialsVersion: "1",
		BootMode: metal3.BootModeUEFI, AutomatedClean: false,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	host.NodeID = node.ID
	if err := p.Manage(ctx, node); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateManageable)
	if err := p.Provide(ctx, node, false); err != nil {
		t.Fatal(err)
	}
	return host, waitState(t, p, host, provisioner.StateAvailable)
}

// TestALiveISOOnAFakeHostIsRecordedAndAnImageReplacesIt deploys a live ISO on a fake-hardware
// host (Ironic's ramdisk deploy needs a boot interface that can boot a ramdisk, which fake boot
// is not, so the fake deploy interface stays and instance_info records boot_iso), then, after
// undeploying, a sha256-checked disk image.
func TestALiveISOOnAFakeHostIsRecordedAndAnImageReplacesIt(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvisioner(t)
	host, node := availableFakeNode(t, p, provisioner.HostRef{Namespace: "deploy", Name: "live-iso"})

	iso := "http://127.0.0.1:1/images/live.iso"
	if err := p.Deploy(ctx, node, provisioner.DeployRequest{
		Image: &metal3.Image{URL: iso, DiskFormat: ptr("live-iso")}, BootMode: metal3.BootModeUEFI,
	}); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateActive)
	if node.ImageURL != iso {
		t.Errorf("ImageURL = %q, want %q", node.ImageURL, iso)
	}
	doc := raw(t, "GET", "/v1/nodes/"+node.ID, nil)
	info := doc["instance_info"].(map[string]any)
	if doc["deploy_interface"] != "fake" || info["boot_iso"] != iso || info["image_source"] != nil {
		t.Errorf("live ISO node: deploy_interface %v, instance_info %v", doc["deploy_interface"], info)
	}

	if err := p.Undeploy(ctx, node); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateAvailable)
	if err := p.Deploy(ctx, node, provisioner.DeployRequest{
		Image: &metal3.Image{URL: "http://127.0.0.1:1/images/os.raw", ChecksumType: metal3.ChecksumSHA256,
			Checksum: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", DiskFormat: ptr("raw")},
	}); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateActive)
	doc = raw(t, "GET", "/v1/nodes/"+node.ID, nil)
	info = doc["instance_info"].(map[string]any)
	if doc["deploy_interface"] != "fake" || info["boot_iso"] != nil || info["image_os_hash_algo"] != "sha256" {
		t.Errorf("image node: deploy_interface %v, instance_info %v", doc["deploy_interface"], info)
	}

	if err := p.Undeploy(ctx, node); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateAvailable)
	if err := p.Delete(ctx, node); err != nil {
		t.Fatal(err)
	}
}

// TestAManageableNodeIsAdoptedWithItsImage adopts a node: it becomes active without a deploy.
func TestAManageableNodeIsAdoptedWithItsImage(t *testing.T) {
	ctx := context.Background()
	p, _ := newProvisioner(t)
	host := provisioner.HostRef{Namespace: "deploy", Name: "adopted"}
	node, err := p.Register(ctx, provisioner.RegisterRequest{
		Host: host, BMC: parseBMC(t, "fake://x"), BMCAddress: "fake://x", CredentialsVersion: "1",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	host.NodeID = node.ID
	if err := p.Manage(ctx, node); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateManageable)
	image := &metal3.Image{URL: "http://127.0.0.1:1/images/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e"}
	if err := p.Adopt(ctx, node, image); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateActive)
	if node.ImageURL != image.URL {
		t.Errorf("ImageURL = %q, want %q", node.ImageURL, image.URL)
	}
	if err := p.Undeploy(ctx, node); err != nil {
		t.Fatal(err)
	}
	node = waitState(t, p, host, provisioner.StateAvailable)
	if err := p.Delete(ctx, node); err != nil {
		t.Fatal(err)
	}
}
