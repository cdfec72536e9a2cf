package ironic

import (
	"fmt"
	"strings"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// byPathPrefix starts the persistent device names Ironic matches with its by_path hint.
const byPathPrefix = "/dev/disk/by-path/"

// rootDeviceHints maps the host's hints to Ironic's root_device dict, in Ironic's hint syntax
// and as metal3 writes it:
//   - model and vendor match a substring ("<in> X"): a disk reported as "Samsung SSD 860"
//     matches the model "SSD 860";
//   - a device name under /dev/disk/by-path/ is the by_path hint, other names the name hint;
//   - hctl, serial and the WWNs match the whole string ("s== X");
//   - the minimum size is "size >= N" (GiB), rotational a boolean.
//
// Without a value with an operator Ironic would compare model and vendor for equality and a
// by-path name with the kernel name (/dev/sda), which never matches.
func rootDeviceHints(h *metal3.RootDeviceHints) map[string]any {
	if h == nil {
		return nil
	}
	out := map[string]any{}
	set := func(key, op, value string) {
		if value != "" {
			out[key] = op + " " + value
		}
	}
	if strings.HasPrefix(h.DeviceName, byPathPrefix) {
		set("by_path", "s==", h.DeviceName)
	} else {
		set("name", "s==", h.DeviceName)
	}
	set("hctl", "s==", h.HCTL)
	set("model", "<in>", h.Model)
	set("vendor", "<in>", h.Vendor)
	set("serial", "s==", h.SerialNumber)
	set("wwn", "s==", h.WWN)
	set("wwn_with_extension", "s==", h.WWNWithExtension)
	set("wwn_vendor_extension", "s==", h.WWNVendorExtension)
	if h.MinSizeGigabytes > 0 {
		out["size"] = fmt.Sprintf(">= %d", h.MinSizeGigabytes)
	}
	if h.Rotational != nil {
		out["rotational"] = *h.Rotational
	}
	return out
}
