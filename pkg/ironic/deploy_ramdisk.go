package ironic

import (
	"errors"
	"strings"

	"github.com/metalkube/metalkube/pkg/bmc"
)

// driver_info keys of the deploy ramdisk (ironic-python-agent).
const (
	deployKernelKey  = "deploy_kernel"
	deployRamdiskKey = "deploy_ramdisk"
	deployISOKey     = "deploy_iso"
	deployKeyPrefix  = "deploy_"
)

// DeployRamdisk locates the ironic-python-agent ramdisk Ironic boots for inspection, cleaning
// and deploys, as metal3's DEPLOY_KERNEL_URL, DEPLOY_RAMDISK_URL and DEPLOY_ISO_URL do.
type DeployRamdisk struct {
	KernelURL, RamdiskURL, ISOURL string
}

// Validate refuses a kernel without its ramdisk or the reverse.
func (d DeployRamdisk) Validate() error {
	if (d.KernelURL == "") != (d.RamdiskURL == "") {
		return errors.New("the deploy kernel and ramdisk URLs (DEPLOY_KERNEL_URL, DEPLOY_RAMDISK_URL) go together")
	}
	return nil
}

// configured reports whether any URL is set: only then does Register manage the deploy_*
// keys of driver_info (and drop stale ones).
func (d DeployRamdisk) configured() bool {
	return d.KernelURL != "" || d.RamdiskURL != "" || d.ISOURL != ""
}

// driverInfo is what the node's driver_info carries for the ramdisk, as in metal3: the ISO for
// a boot interface that boots ISOs (virtual media, Redfish HTTP boot) when there is one, else
// the kernel and ramdisk; nothing when neither fits.
func (d DeployRamdisk) driverInfo(access *bmc.AccessDetails) map[string]any {
	if d.ISOURL != "" && bootsISO(access.Interfaces().Boot) {
		return map[string]any{deployISOKey: d.ISOURL}
	}
	if d.KernelURL != "" && d.RamdiskURL != "" {
		return map[string]any{deployKernelKey: d.KernelURL, deployRamdiskKey: d.RamdiskURL}
	}
	return nil
}

// bootsISO reports whether a boot interface boots the deploy ramdisk from an ISO image.
func bootsISO(boot string) bool {
	switch boot {
	case "redfish-virtual-media", "idrac-redfish-virtual-media", "redfish-https":
		return true
	}
	return false
}

// isDeployKey reports whether a driver_info key belongs to the deploy ramdisk.
func isDeployKey(k string) bool { return strings.HasPrefix(k, deployKeyPrefix) }
