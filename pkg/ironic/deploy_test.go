package ironic

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

const (
	md5Sum    = "d41d8cd98f00b204e9800998ecf8427e"
	sha256Sum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	imageURL  = "http://images.example/os.qcow2"
)

func ptr[T any](v T) *T { return &v }

func TestImageChecksumsGoWhereIronicLooksForThem(t *testing.T) {
	sha512Sum := strings.Repeat("ab", 64)
	tests := []struct {
		name    string
		image   metal3.Image
		want    map[string]any
		wantErr string
	}{
		{
			name:  "an md5 checksum goes into image_checksum",
			image: metal3.Image{URL: imageURL, Checksum: md5Sum, ChecksumType: metal3.ChecksumMD5},
			want:  map[string]any{"image_source": imageURL, "image_checksum": md5Sum},
		},
		{
			name:  "32 hex digits without a type are md5",
			image: metal3.Image{URL: imageURL, Checksum: md5Sum},
			want:  map[string]any{"image_source": imageURL, "image_checksum": md5Sum},
		},
		{
			name:  "a sha256 checksum goes into the os_hash fields",
			image: metal3.Image{URL: imageURL, Checksum: sha256Sum, ChecksumType: metal3.ChecksumSHA256, DiskFormat: ptr("qcow2")},
			want: map[string]any{"image_source": imageURL, "image_os_hash_algo": "sha256", "image_os_hash_value": sha256Sum,
				"image_disk_format": "qcow2"},
		},
		{
			name:  "128 hex digits with type auto are sha512",
			image: metal3.Image{URL: imageURL, Checksum: sha512Sum, ChecksumType: metal3.ChecksumAuto},
			want:  map[string]any{"image_source": imageURL, "image_os_hash_algo": "sha512", "image_os_hash_value": sha512Sum},
		},
		{
			name:  "a checksum URL is handed to Ironic to download",
			image: metal3.Image{URL: imageURL, Checksum: imageURL + ".sha256sum", ChecksumType: metal3.ChecksumSHA256},
			want:  map[string]any{"image_source": imageURL, "image_checksum": imageURL + ".sha256sum"},
		},
		{
			name:  "an image without a checksum has none",
			image: metal3.Image{URL: imageURL, DiskFormat: ptr("raw")},
			want:  map[string]any{"image_source": imageURL, "image_disk_format": "raw"},
		},
		{
			name:    "a checksum of unknown length needs a type",
			image:   metal3.Image{URL: imageURL, Checksum: "abc123"},
			wantErr: "cannot tell the algorithm",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := imageInstanceInfo(&tt.image)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("instance_info (-want +got):\n%s", diff)
			}
		})
	}
}

func deployFake(t *testing.T, doc map[string]any) (*fakeIronic, *Ironic) {
	t.Helper()
	f := newFakeIronic(t, nodeRoutes(doc))
	f.route("PATCH /v1/nodes/"+testNodeID, reply(http.StatusOK, doc))
	f.route("PUT /v1/nodes/"+testNodeID+"/states/provision", reply(http.StatusAccepted, nil))
	p := f.provisioner(t)
	if _, err := p.FindNode(context.Background(), testHost); err != nil {
		t.Fatal(err)
	}
	f.take()
	return f, p
}

func TestDeployingAnImageSetsInstanceInfoThenAsksForActiveWithTheConfigDrive(t *testing.T) {
	f, p := deployFake(t, nodeDocument(func(n map[string]any) { n["provision_state"] = "available" }))
	err := p.Deploy(context.Background(), testNode(), provisioner.DeployRequest{
		Image:           &metal3.Image{URL: imageURL, Checksum: md5Sum, ChecksumType: metal3.ChecksumMD5, DiskFormat: ptr("qcow2")},
		RootDeviceHints: &metal3.RootDeviceHints{DeviceName: "/dev/vda", MinSizeGigabytes: 10},
		BootMode:        metal3.BootModeUEFISecureBoot,
		ConfigDrive: &provisioner.ConfigDrive{
			UserData: "#cloud-config\n",
			MetaData: map[string]any{"uuid": "u-1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := f.take()
	want := []request{
		{Method: "PATCH", URI: "/v1/nodes/" + testNodeID, Version: "1.82", Body: []any{map[string]any{
			"op": "add", "path": "/instance_info", "value": map[string]any{
				"image_source": imageURL, "image_checksum": md5Sum, "image_disk_format": "qcow2",
				"root_device":  map[string]any{"name": "s== /dev/vda", "size": ">= 10"},
				"capabilities": map[string]any{"boot_mode": "uefi", "secure_boot": "true"},
			},
		}}},
		{Method: "PUT", URI: "/v1/nodes/" + testNodeID + "/states/provision", Version: "1.82", Body: map[string]any{
			"target": "active", "configdrive": map[string]any{"user_data": "#cloud-config\n", "meta_data": map[string]any{"uuid": "u-1"}},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// ipxeNode is an available node that network-boots (not fake-hardware's fake boot).
func ipxeNode(n map[string]any) {
	n["provision_state"] = "available"
	n["driver"], n["boot_interface"], n["deploy_interface"] = "ipmi", "ipxe", "direct"
}

func TestDeployingALiveISOBootsItWithTheRamdiskInterface(t *testing.T) {
	f, p := deployFake(t, nodeDocument(ipxeNode))
	err := p.Deploy(context.Background(), testNode(), provisioner.DeployRequest{
		Image:    &metal3.Image{URL: "http://images.example/live.iso", DiskFormat: ptr("live-iso")},
		BootMode: metal3.BootModeLegacy,
		// A config drive given anyway is not written: a live ISO has no disk.
		ConfigDrive: &provisioner.ConfigDrive{UserData: "ignored"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := f.take()
	want := []any{
		[]any{
			map[string]any{"op": "add", "path": "/instance_info", "value": map[string]any{
				"boot_iso": "http://images.example/live.iso", "capabilities": map[string]any{"boot_mode": "bios"},
			}},
			map[string]any{"op": "replace", "path": "/deploy_interface", "value": "ramdisk"},
		},
		map[string]any{"target": "active"},
	}
	if diff := cmp.Diff(want, []any{got[0].Body, got[1].Body}); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestACustomDeployRunsItsStepWithTheCustomAgentInterface(t *testing.T) {
	f, p := deployFake(t, nodeDocument(ipxeNode))
	err := p.Deploy(context.Background(), testNode(), provisioner.DeployRequest{
		CustomDeploy: &metal3.CustomDeploy{Method: "install_coreos"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := f.take()
	want := []any{
		[]any{
			map[string]any{"op": "add", "path": "/instance_info", "value": map[string]any{"capabilities": map[string]any{"boot_mode": "uefi"}}},
			map[string]any{"op": "replace", "path": "/deploy_interface", "value": "custom-agent"},
		},
		map[string]any{"target": "active", "deploy_steps": []any{map[string]any{
			"interface": "deploy", "step": "install_coreos", "args": map[string]any{}, "priority": float64(80),
		}}},
	}
	if diff := cmp.Diff(want, []any{got[0].Body, got[1].Body}); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestOnAFakeBootNodeLiveISOsAndCustomDeploysKeepTheFakeDeployInterface(t *testing.T) {
	tests := []struct {
		name string
		req  provisioner.DeployRequest
		want []any
	}{
		{
			name: "a live ISO is recorded as boot_iso",
			req:  provisioner.DeployRequest{Image: &metal3.Image{URL: "http://images.example/live.iso", DiskFormat: ptr("live-iso")}},
			want: []any{
				[]any{map[string]any{"op": "add", "path": "/instance_info", "value": map[string]any{
					"boot_iso": "http://images.example/live.iso", "capabilities": map[string]any{"boot_mode": "uefi"},
				}}},
				map[string]any{"target": "active"},
			},
		},
		{
			name: "a custom deploy asks for no deploy step",
			req:  provisioner.DeployRequest{CustomDeploy: &metal3.CustomDeploy{Method: "install_coreos"}},
			want: []any{
				[]any{map[string]any{"op": "add", "path": "/instance_info", "value": map[string]any{
					"capabilities": map[string]any{"boot_mode": "uefi"},
				}}},
				map[string]any{"target": "active"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := deployFake(t, nodeDocument())
			if err := p.Deploy(context.Background(), testNode(), tt.req); err != nil {
				t.Fatal(err)
			}
			got := f.take()
			if diff := cmp.Diff(tt.want, []any{got[0].Body, got[1].Body}); diff != "" {
				t.Errorf("bodies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnImageDeployAfterALiveISOGoesBackToTheRegisteredDeployInterface(t *testing.T) {
	tests := []struct{ name, driver, boot, want string }{
		{"fake-hardware goes back to fake", "fake-hardware", "fake", "fake"},
		{"ipmi goes back to direct", "ipmi", "ipxe", "direct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := deployFake(t, nodeDocument(func(n map[string]any) {
				n["driver"], n["boot_interface"], n["deploy_interface"] = tt.driver, tt.boot, "ramdisk"
			}))
			err := p.Deploy(context.Background(), testNode(), provisioner.DeployRequest{Image: &metal3.Image{URL: imageURL, Checksum: md5Sum}})
			if err != nil {
				t.Fatal(err)
			}
			ops := f.take()[0].Body.([]any)
			want := map[string]any{"op": "replace", "path": "/deploy_interface", "value": tt.want}
			if diff := cmp.Diff(want, ops[len(ops)-1]); diff != "" {
				t.Errorf("last op (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeployWithoutAnImageOrCustomDeployIsRefusedWithoutARequest(t *testing.T) {
	f := newFakeIronic(t, nil)
	if err := f.provisioner(t).Deploy(context.Background(), testNode(), provisioner.DeployRequest{}); err == nil {
		t.Error("no error")
	}
	if got := f.lines(); len(got) != 0 {
		t.Errorf("sent %v", got)
	}
}
