package ironic

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// Deploy interfaces Deploy switches between.
const (
	deployRamdisk     = "ramdisk"      // live ISO: boot the ISO, write nothing
	deployCustomAgent = "custom-agent" // custom deploy step
)

// customDeployPriority is the priority of the custom deploy step.
const customDeployPriority = 80

// Deploy provisions an available node, with two requests:
//
//  1. PATCH /v1/nodes/{id}: instance_info (replaced as a whole) and, if it must change,
//     deploy_interface: ramdisk for a live ISO, custom-agent for a custom deploy, otherwise back
//     to the registered one if an earlier deploy changed it (fake-boot nodes keep their fake
//     deploy interface, see bootsNothing);
//  2. PUT /v1/nodes/{id}/states/provision {"target":"active"} with the config drive as a dict
//     (user_data, network_data, meta_data; only the non-empty parts) and, for a custom deploy,
//     the deploy step.
//
// Config drive contents are never logged.
func (i *Ironic) Deploy(ctx context.Context, node *provisioner.Node, req provisioner.DeployRequest) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	if (req.Image == nil || req.Image.URL == "") && req.CustomDeploy == nil {
		return errors.New("ironic: deploy needs an image or a custom deploy")
	}
	c, v, err := i.client(ctx)
	if err != nil {
		return err
	}
	info, err := deployInstanceInfo(req)
	if err != nil {
		return err
	}
	cur, err := i.knownNode(ctx, c, v, id)
	if err != nil {
		return err
	}
	preq := provisionRequest{Target: nodes.TargetActive}
	if req.CustomDeploy != nil && !bootsNothing(cur) {
		if !v.atLeast(versionDeploySteps) {
			return fmt.Errorf("ironic: custom deploy needs API %s, Ironic offers %s", versionDeploySteps, v)
		}
		preq.DeploySteps = []map[string]any{{
			"interface": "deploy", "step": req.CustomDeploy.Method, "args": map[string]any{}, "priority": customDeployPriority,
		}}
	}
	if !req.Image.IsLiveISO() && req.ConfigDrive != nil {
		if !v.atLeast(versionConfigDriveDict) {
			return fmt.Errorf("ironic: a config drive needs API %s, Ironic offers %s", versionConfigDriveDict, v)
		}
		preq.ConfigDrive = configDrive(req.ConfigDrive)
	}

	ops := []patchOp{add(info, "instance_info")}
	if want := wantedDeployInterface(cur, req); want != "" && want != cur.DeployInterface {
		ops = append(ops, replace(want, "deploy_interface"))
	}
	if _, err := i.patchNode(ctx, c, id, ops, "setting the image of node "+id); err != nil {
		return err
	}
	klog.FromContext(ctx).V(1).Info("Deploying node", "node", id, "image", redact.URLs(stringValue(info, "image_source")+stringValue(info, "boot_iso")),
		"configDrive", preq.ConfigDrive != nil, "customDeploy", req.CustomDeploy != nil)
	return i.changeProvisionState(ctx, c, id, preq)
}

// wantedDeployInterface is the deploy interface the node needs for this deploy, or "" to leave
// it. Image deploys go back to the registered interface (fake for fake-hardware, direct for
// the others, as pkg/bmc registers them) when an earlier live-ISO or custom deploy changed it.
func wantedDeployInterface(cur *nodeDoc, req provisioner.DeployRequest) string {
	switch {
	case bootsNothing(cur):
		// Keep (or go back to) the registered fake deploy; see bootsNothing.
	case req.CustomDeploy != nil:
		return deployCustomAgent
	case req.Image.IsLiveISO():
		return deployRamdisk
	}
	if cur.DeployInterface == deployRamdisk || cur.DeployInterface == deployCustomAgent {
		if cur.Driver == "fake-hardware" {
			return "fake"
		}
		return "direct"
	}
	return ""
}

// bootsNothing reports whether the node has the fake boot interface (fake-hardware as pkg/bmc
// registers it). Such a node cannot run a live ISO or a custom deploy for real: Ironic's
// ramdisk deploy needs a boot interface with the ramdisk_boot capability (21.4 refuses it:
// "The boot interface must have the `ramdisk_boot` capability"), and custom-agent waits in
// "wait call-back" for an agent that never calls. So these deploys go through the registered
// fake deploy interface: instance_info still records boot_iso (a live ISO), and no deploy step
// is requested (the fake deploy interface has none).
func bootsNothing(cur *nodeDoc) bool { return cur.BootInterface == "fake" }

// deployInstanceInfo is the node's instance_info for a deploy.
func deployInstanceInfo(req provisioner.DeployRequest) (map[string]any, error) {
	info := map[string]any{"capabilities": bootCapabilities(req.BootMode)}
	if req.Image != nil && req.Image.URL != "" {
		if req.Image.IsLiveISO() {
			// Ironic refuses image_source together with boot_iso.
			info["boot_iso"] = req.Image.URL
		} else {
			img, err := imageInstanceInfo(req.Image)
			if err != nil {
				return nil, err
			}
			for k, v := range img {
				info[k] = v
			}
		}
	}
	if hints := rootDeviceHints(req.RootDeviceHints); len(hints) > 0 && !req.Image.IsLiveISO() {
		info["root_device"] = hints
	}
	return info, nil
}

// bootCapabilities are the instance_info capabilities for a boot mode.
func bootCapabilities(mode metal3.BootMode) map[string]any {
	switch mode {
	case metal3.BootModeLegacy:
		return map[string]any{"boot_mode": "bios"}
	case metal3.BootModeUEFISecureBoot:
		return map[string]any{"boot_mode": "uefi", "secure_boot": "true"}
	default:
		return map[string]any{"boot_mode": "uefi"}
	}
}

var (
	hexDigits = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	// hashLengths maps the length of a hex digest to its algorithm.
	hashLengths = map[int]metal3.ChecksumType{32: metal3.ChecksumMD5, 64: metal3.ChecksumSHA256, 128: metal3.ChecksumSHA512}
)

// imageInstanceInfo is the instance_info of an image written to disk: image_source, the
// checksum and the disk format.
//
// Checksums: a URL goes into image_checksum (Ironic downloads the checksum file); md5 (given,
// or detected from 32 hex digits) into image_checksum; sha256 and sha512 into
// image_os_hash_algo and image_os_hash_value.
func imageInstanceInfo(img *metal3.Image) (map[string]any, error) {
	info := map[string]any{"image_source": img.URL}
	if img.DiskFormat != nil && *img.DiskFormat != "" && !img.IsLiveISO() {
		info["image_disk_format"] = *img.DiskFormat
	}
	sum := strings.TrimSpace(img.Checksum)
	if sum == "" {
		return info, nil
	}
	if isURL(sum) {
		info["image_checksum"] = sum
		return info, nil
	}
	algo := img.ChecksumType
	if algo == "" || algo == metal3.ChecksumAuto {
		detected, ok := hashLengths[len(sum)]
		if !ok || !hexDigits.MatchString(sum) {
			return nil, fmt.Errorf("ironic: cannot tell the algorithm of the image checksum (%d characters); set checksumType", len(sum))
		}
		algo = detected
	}
	switch algo {
	case metal3.ChecksumMD5:
		info["image_checksum"] = sum
	case metal3.ChecksumSHA256, metal3.ChecksumSHA512:
		info["image_os_hash_algo"] = string(algo)
		info["image_os_hash_value"] = sum
	default:
		return nil, fmt.Errorf("ironic: unsupported image checksum type %q", algo)
	}
	return info, nil
}

func isURL(s string) bool {
	for _, p := range []string{"http://", "https://", "file://"} {
		if strings.HasPrefix(strings.ToLower(s), p) {
			return true
		}
	}
	return false
}

// configDrive is the config drive as Ironic takes it as a dict (API >= 1.56): only the
// non-empty parts. The values are secret.
func configDrive(cd *provisioner.ConfigDrive) map[string]any {
	out := map[string]any{}
	if cd.UserData != "" {
		out["user_data"] = cd.UserData
	}
	if len(cd.NetworkData) > 0 {
		out["network_data"] = cd.NetworkData
	}
	if len(cd.MetaData) > 0 {
		out["meta_data"] = cd.MetaData
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
