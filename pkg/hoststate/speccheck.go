package hoststate

import (
	"fmt"
	"strings"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

// The checks below repeat admission rules of the CRD (manifests/crds) with the same messages:
// the API server refuses such hosts, but one stored before the rules existed (or restored from
// a backup) still reaches the controller, which reports it instead of acting on it.

// ReasonInvalidSpec: the host asks for something its BMC driver or Ironic cannot do.
const ReasonInvalidSpec = "InvalidSpec"

// ValidateBootSettings checks what registering a node needs beyond a usable address: a boot
// MAC for drivers that boot over the network or when inspection is disabled (Ironic learns the
// MAC nowhere else), and secure boot only where the driver can switch it.
func ValidateBootSettings(h *metal3.BareMetalHost, access *bmc.AccessDetails) error {
	if (access.NeedsMAC() || inspectionDisabled(h)) && strings.TrimSpace(h.Spec.BootMACAddress) == "" {
		return fmt.Errorf("BMC driver %s requires a BootMACAddress value", access.Type())
	}
	if h.Spec.BootMode == metal3.BootModeUEFISecureBoot && !access.SupportsSecureBoot() {
		return fmt.Errorf("BMC driver %s does not support secure boot", access.Type())
	}
	return nil
}

// ValidateRootDeviceHints checks that a device name hint is a path in /dev/ or
// /dev/disk/by-path/, as metal3 requires.
func ValidateRootDeviceHints(hints *metal3.RootDeviceHints) error {
	if hints == nil || hints.DeviceName == "" {
		return nil
	}
	sub, ok := strings.CutPrefix(hints.DeviceName, "/dev/")
	if !ok {
		return fmt.Errorf("device name of root device hint must be a /dev/ path, not %q", hints.DeviceName)
	}
	if strings.Contains(strings.TrimPrefix(sub, "disk/by-path/"), "/") {
		return fmt.Errorf("device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not %q", hints.DeviceName)
	}
	return nil
}
