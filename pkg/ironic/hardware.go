package ironic

import (
	"context"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/inventory"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

const gibibyte = 1 << 30

// HardwareDetails reads what inspection found.
//
// With Config.InspectorURL, a node inspected by ironic-inspector is read from there first
// (GET {InspectorURL}/v1/introspection/{id}/data; see inspectorData).
//
// It first asks for the inspection inventory (GET /v1/nodes/{id}/inventory, API >= 1.81), the
// ironic-python-agent format: cpu, memory, interfaces, disks, system_vendor, boot, hostname.
// If Ironic has none (404, or an empty document) it builds the details from the node's
// properties (GET /v1/nodes/{id}: cpus, cpu_arch, memory_mb, local_gb, vendor) and ports
// (GET /v1/ports/detail?node_uuid={id}: MAC, pxe_enabled, extra.name as the NIC name), which
// is all out-of-band inspection (redfish) records in Ironic 21.
//
// Tests: Ironic 21.4's fake inspection fills nothing and there is no API to store an
// inventory (only inspection writes it), so integration tests PATCH the node's properties and
// create ports; the unit tests serve an agent inventory from a fake Ironic.
func (i *Ironic) HardwareDetails(ctx context.Context, node *provisioner.Node) (*metal3.HardwareDetails, error) {
	id, err := nodeID(node)
	if err != nil {
		return nil, err
	}
	c, v, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	if cur := i.cached(id); i.inspectorEndpoint != "" && cur != nil && cur.InspectInterface == inspectorInterface {
		data, err := i.inspectorData(ctx, id)
		switch {
		case err == nil && hasInventory(&data.Inventory):
			return fromInventory(data), nil
		case err != nil && !errors.Is(err, provisioner.ErrNotFound):
			return nil, err
		}
	}
	if v.atLeast(versionInventory) {
		data, err := i.inventory(ctx, c, id)
		switch {
		case err == nil && hasInventory(&data.Inventory):
			return fromInventory(data), nil
		case err != nil && !errors.Is(err, provisioner.ErrNotFound):
			return nil, err
		}
	}
	n, err := i.getNode(ctx, c, v, id)
	if err != nil {
		return nil, err
	}
	var list []ports.Port
	pages, err := ports.ListDetail(c, ports.ListOpts{NodeUUID: id}).AllPages(ctx)
	if err == nil {
		list, err = ports.ExtractPorts(pages)
	}
	if err != nil {
		return nil, i.wrap(ctx, err, "listing the ports of node "+id)
	}
	return fromProperties(n.Properties, list), nil
}

func hasInventory(inv *inventory.InventoryType) bool {
	return inv.CPU.Count > 0 || inv.Memory.PhysicalMb > 0 || inv.Memory.Total > 0 ||
		len(inv.Interfaces) > 0 || len(inv.Disks) > 0
}

// fromInventory maps an ironic-python-agent inventory and the inspection's plugin data as
// metal3 does (pkg/provisioner/ironic/hardwaredetails).
func fromInventory(data *nodes.InventoryData) *metal3.HardwareDetails {
	inv := &data.Inventory
	hw := &metal3.HardwareDetails{
		SystemVendor: metal3.HardwareSystemVendor{
			Manufacturer: inv.SystemVendor.Manufacturer,
			ProductName:  inv.SystemVendor.ProductName,
			SerialNumber: inv.SystemVendor.SerialNumber,
		},
		Firmware: metal3.Firmware{BIOS: metal3.BIOS{
			Vendor:  inv.SystemVendor.Firmware.Vendor,
			Version: inv.SystemVendor.Firmware.Version,
			Date:    inv.SystemVendor.Firmware.BuildDate,
		}},
		RAMMebibytes: inv.Memory.PhysicalMb,
		CPU: metal3.CPU{
			Arch:  inv.CPU.Architecture,
			Model: inv.CPU.ModelName,
			Count: inv.CPU.Count,
			Flags: sortedCopy(inv.CPU.Flags),
		},
		Hostname: inv.Hostname,
	}
	if hw.RAMMebibytes == 0 && inv.Memory.Total > 0 {
		hw.RAMMebibytes = int(inv.Memory.Total / (1 << 20))
	}
	if mhz, err := strconv.ParseFloat(string(inv.CPU.RealFrequency), 64); err == nil {
		hw.CPU.ClockMegahertz = metal3.ClockSpeed(math.Round(mhz))
	}
	hw.NIC = nicsFromInventory(inv, readNICPluginData(data.PluginData))
	for _, d := range inv.Disks {
		s := metal3.Storage{
			Name:               d.Name,
			HCTL:               d.Hctl,
			Rotational:         d.Rotational,
			Type:               diskType(d),
			SizeBytes:          metal3.Capacity(d.Size),
			Vendor:             d.Vendor,
			Model:              d.Model,
			SerialNumber:       d.Serial,
			WWN:                d.Wwn,
			WWNVendorExtension: d.WwnVendorExtension,
			WWNWithExtension:   d.WwnWithExtension,
		}
		// As metal3: the stable by-path name when there is one, and both names as alternates.
		if d.Name != "" {
			s.AlternateNames = append(s.AlternateNames, d.Name)
		}
		if d.ByPath != "" {
			s.Name = d.ByPath
			s.AlternateNames = append(s.AlternateNames, d.ByPath)
		}
		hw.Storage = append(hw.Storage, s)
	}
	return hw
}

func diskType(d inventory.RootDiskType) metal3.DiskType {
	switch {
	case d.Rotational:
		return metal3.DiskTypeHDD
	case strings.HasPrefix(d.Name, "/dev/nvme"):
		return metal3.DiskTypeNVME
	default:
		return metal3.DiskTypeSSD
	}
}

// fromProperties maps the node properties and ports that out-of-band inspection records. The
// one disk is synthetic ("disk-0", local_gb GiB): properties know only the root disk size.
func fromProperties(props map[string]any, list []ports.Port) *metal3.HardwareDetails {
	hw := &metal3.HardwareDetails{
		CPU: metal3.CPU{
			Arch:  stringValue(props, "cpu_arch"),
			Count: intValue(props["cpus"]),
		},
		RAMMebibytes: intValue(props["memory_mb"]),
		SystemVendor: metal3.HardwareSystemVendor{Manufacturer: stringValue(props, "vendor")},
	}
	if gb := intValue(props["local_gb"]); gb > 0 {
		hw.Storage = []metal3.Storage{{Name: "disk-0", SizeBytes: metal3.Capacity(int64(gb) * gibibyte)}}
	}
	for _, p := range list {
		hw.NIC = append(hw.NIC, metal3.NIC{
			Name: stringValue(p.Extra, "name"),
			MAC:  strings.ToLower(p.Address),
			PXE:  p.PXEEnabled,
		})
	}
	sort.Slice(hw.NIC, func(a, b int) bool { return hw.NIC[a].MAC < hw.NIC[b].MAC })
	return hw
}

// intValue reads a property that Ironic may hold as a number or a string.
func intValue(v any) int {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
		return int(x)
	case int:
		return x
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0
		}
		return int(n)
	}
	return 0
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
