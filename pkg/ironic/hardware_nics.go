package ironic

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/inventory"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// inventoryWait bounds how long HardwareDetails waits for the inventory of a node inspected
// in band: Ironic 21.4 moves the node to manageable a moment before it copies the data from
// ironic-inspector into its database.
const inventoryWait = 5 * time.Second

// inventory reads GET /v1/nodes/{id}/inventory. For a node inspected by ironic-inspector a
// 404 is retried for up to inventoryWait.
func (i *Ironic) inventory(ctx context.Context, c *gophercloud.ServiceClient, id string) (*nodes.InventoryData, error) {
	deadline := time.Now().Add(inventoryWait)
	for {
		data, err := nodes.GetInventory(ctx, c, id).Extract()
		err = i.wrap(ctx, err, "reading the inventory of node "+id)
		cur := i.cached(id)
		if !errors.Is(err, provisioner.ErrNotFound) || cur == nil || cur.InspectInterface != inspectorInterface || time.Now().After(deadline) {
			return data, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// nicsFromInventory lists the NICs as metal3 does: one entry per interface, two when it has
// both an IPv4 and an IPv6 address (one per address); PXE from the inspection's plugin data
// (all_interfaces), else the boot interface's MAC; VLANs from its parsed LLDP.
func nicsFromInventory(inv *inventory.InventoryType, plugin nicPluginData) []metal3.NIC {
	pxeMAC := strings.ToLower(inv.Boot.PXEInterface)
	var nics []metal3.NIC
	for _, intf := range inv.Interfaces {
		nic := metal3.NIC{
			Name:      intf.Name,
			Model:     strings.TrimSpace(intf.Vendor + " " + intf.Product),
			MAC:       strings.ToLower(intf.MACAddress),
			SpeedGbps: intf.SpeedMbps / 1000,
		}
		if pxe, ok := plugin.pxe[intf.Name]; ok {
			nic.PXE = pxe
		} else {
			nic.PXE = pxeMAC != "" && nic.MAC == pxeMAC
		}
		nic.VLANs, nic.VLANID = vlans(plugin.lldp[intf.Name])
		if intf.IPV4Address != "" || intf.IPV6Address == "" {
			v4 := nic
			v4.IP = intf.IPV4Address
			nics = append(nics, v4)
		}
		if intf.IPV6Address != "" {
			v6 := nic
			v6.VLANs = append([]metal3.VLAN(nil), nic.VLANs...)
			v6.IP = intf.IPV6Address
			nics = append(nics, v6)
		}
	}
	return nics
}

// nicPluginData is what the inspection's plugin data says of each NIC (by name).
type nicPluginData struct {
	pxe  map[string]bool
	lldp map[string]map[string]any
}

// readNICPluginData reads all_interfaces and parsed_lldp. ironic-inspector marks the PXE NIC
// "pxe" in all_interfaces, Ironic's own agent inspection "pxe_enabled"; either counts.
func readNICPluginData(pd nodes.PluginData) nicPluginData {
	var raw struct {
		AllInterfaces map[string]map[string]any `json:"all_interfaces"`
		ParsedLLDP    map[string]map[string]any `json:"parsed_lldp"`
	}
	out := nicPluginData{pxe: map[string]bool{}}
	if len(pd.RawMessage) == 0 || json.Unmarshal(pd.RawMessage, &raw) != nil {
		return out
	}
	for name, intf := range raw.AllInterfaces {
		pxe, ok := intf["pxe_enabled"].(bool)
		if v, isBool := intf["pxe"].(bool); isBool {
			pxe, ok = pxe || v, true
		}
		if ok {
			out.pxe[name] = pxe
		}
	}
	out.lldp = raw.ParsedLLDP
	return out
}

// vlans reads the VLANs and the untagged VLAN of a NIC's parsed LLDP data.
func vlans(lldp map[string]any) ([]metal3.VLAN, metal3.VLANID) {
	if lldp == nil {
		return nil, 0
	}
	var out []metal3.VLAN
	list, _ := lldp["switch_port_vlans"].([]any)
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		out = append(out, metal3.VLAN{ID: metal3.VLANID(intValue(m["id"])), Name: name})
	}
	return out, metal3.VLANID(intValue(lldp["switch_port_untagged_vlan_id"]))
}
