package ironic

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// TestInventoryMapping checks the inventory -> HardwareDetails rules metal3 applies, one at a
// time, on the JSON Ironic returns from GET /v1/nodes/{id}/inventory.
func TestInventoryMapping(t *testing.T) {
	for _, tc := range []struct {
		name      string
		inventory string // the "inventory" document
		plugin    string // the "plugin_data" document
		check     func(hw *metal3.HardwareDetails) any
		want      any
	}{
		{"a NIC with IPv4 and IPv6 is listed once per address",
			`{"interfaces":[{"name":"eth0","mac_address":"AA:BB:CC:00:00:01","ipv4_address":"192.0.2.5","ipv6_address":"2001:db8::5","speed_mbps":25000}]}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.NIC },
			[]metal3.NIC{{Name: "eth0", MAC: "aa:bb:cc:00:00:01", IP: "192.0.2.5", SpeedGbps: 25}, {Name: "eth0", MAC: "aa:bb:cc:00:00:01", IP: "2001:db8::5", SpeedGbps: 25}}},
		{"a NIC without an address is listed once",
			`{"interfaces":[{"name":"eno3","mac_address":"aa:bb:cc:00:00:03","vendor":"0x14e4","product":"0x165f"}]}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.NIC },
			[]metal3.NIC{{Name: "eno3", Model: "0x14e4 0x165f", MAC: "aa:bb:cc:00:00:03"}}},
		{"PXE comes from the plugin data's all_interfaces",
			`{"interfaces":[{"name":"eth0","mac_address":"aa:bb:cc:00:00:01"},{"name":"eth1","mac_address":"aa:bb:cc:00:00:02"}],"boot":{"pxe_interface":"aa:bb:cc:00:00:01"}}`,
			`{"all_interfaces":{"eth0":{"pxe_enabled":false},"eth1":{"pxe_enabled":true}}}`,
			func(hw *metal3.HardwareDetails) any { return []bool{hw.NIC[0].PXE, hw.NIC[1].PXE} },
			[]bool{false, true}},
		{"ironic-inspector's all_interfaces say pxe",
			`{"interfaces":[{"name":"eth0","mac_address":"aa:bb:cc:00:00:01"},{"name":"eth1","mac_address":"aa:bb:cc:00:00:02"}]}`,
			`{"all_interfaces":{"eth0":{"ip":"192.0.2.5","mac":"aa:bb:cc:00:00:01","pxe":true},"eth1":{"mac":"aa:bb:cc:00:00:02","pxe":false}}}`,
			func(hw *metal3.HardwareDetails) any { return []bool{hw.NIC[0].PXE, hw.NIC[1].PXE} },
			[]bool{true, false}},
		{"without plugin data PXE is the boot interface",
			`{"interfaces":[{"name":"eth0","mac_address":"aa:bb:cc:00:00:01"},{"name":"eth1","mac_address":"aa:bb:cc:00:00:02"}],"boot":{"pxe_interface":"AA:BB:CC:00:00:02"}}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return []bool{hw.NIC[0].PXE, hw.NIC[1].PXE} },
			[]bool{false, true}},
		{"VLANs come from the parsed LLDP",
			`{"interfaces":[{"name":"eth0","mac_address":"aa:bb:cc:00:00:01"}]}`,
			`{"parsed_lldp":{"eth0":{"switch_port_vlans":[{"id":100,"name":"prov"},{"id":200}],"switch_port_untagged_vlan_id":100}}}`,
			func(hw *metal3.HardwareDetails) any { return hw.NIC[0] },
			metal3.NIC{Name: "eth0", MAC: "aa:bb:cc:00:00:01", VLANs: []metal3.VLAN{{ID: 100, Name: "prov"}, {ID: 200}}, VLANID: 100}},
		{"disk types: rotational is HDD, /dev/nvme NVME, else SSD",
			`{"disks":[{"name":"/dev/sda","rotational":true},{"name":"/dev/nvme0n1"},{"name":"/dev/sdb"},{"name":"/dev/nvme1n1","rotational":true}]}`, `{}`,
			func(hw *metal3.HardwareDetails) any {
				var types []metal3.DiskType
				for _, s := range hw.Storage {
					types = append(types, s.Type)
				}
				return types
			},
			[]metal3.DiskType{metal3.DiskTypeHDD, metal3.DiskTypeNVME, metal3.DiskTypeSSD, metal3.DiskTypeHDD}},
		{"a disk with a by-path name is named by it",
			`{"disks":[{"name":"/dev/sda","by_path":"/dev/disk/by-path/pci-0000:00:17.0-ata-1","size":480103981056,"serial":"S1","wwn":"0x5002538e","wwn_with_extension":"0x5002538e","wwn_vendor_extension":"0x1","hctl":"0:0:0:0","vendor":"ATA","model":"MZ7KH480"}]}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.Storage[0] },
			metal3.Storage{Name: "/dev/disk/by-path/pci-0000:00:17.0-ata-1", AlternateNames: []string{"/dev/sda", "/dev/disk/by-path/pci-0000:00:17.0-ata-1"},
				HCTL: "0:0:0:0", Type: metal3.DiskTypeSSD, SizeBytes: 480103981056, Vendor: "ATA", Model: "MZ7KH480", SerialNumber: "S1",
				WWN: "0x5002538e", WWNVendorExtension: "0x1", WWNWithExtension: "0x5002538e"}},
		{"CPU: clock rounded to whole MHz, flags sorted",
			`{"cpu":{"architecture":"x86_64","model_name":"Xeon","count":80,"frequency":"3899.9990","flags":["vmx","aes","avx2"]}}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.CPU },
			metal3.CPU{Arch: "x86_64", Model: "Xeon", ClockMegahertz: 3900, Flags: []string{"aes", "avx2", "vmx"}, Count: 80}},
		{"CPU frequency may be a number or empty",
			`{"cpu":{"count":2,"frequency":""}}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.CPU },
			metal3.CPU{Count: 2}},
		{"RAM is physical_mb",
			`{"memory":{"physical_mb":196608,"total":204547457024}}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return hw.RAMMebibytes }, 196608},
		{"system vendor, firmware and hostname",
			`{"system_vendor":{"manufacturer":"Dell Inc.","product_name":"PowerEdge R640","serial_number":"MK00001","firmware":{"vendor":"Dell Inc.","version":"2.19.1","build_date":"06/13/2023"}},"hostname":"node-1"}`, `{}`,
			func(hw *metal3.HardwareDetails) any { return []any{hw.SystemVendor, hw.Firmware, hw.Hostname} },
			[]any{metal3.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R640", SerialNumber: "MK00001"},
				metal3.Firmware{BIOS: metal3.BIOS{Vendor: "Dell Inc.", Version: "2.19.1", Date: "06/13/2023"}}, "node-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data nodes.InventoryData
			doc := `{"inventory":` + tc.inventory + `,"plugin_data":` + tc.plugin + `}`
			if err := json.Unmarshal([]byte(doc), &data); err != nil {
				t.Fatal(err)
			}
			data.Inventory.Compat()
			if diff := cmp.Diff(tc.want, tc.check(fromInventory(&data))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
