package ironic

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestHardwareDetailsMapAnAgentInventory(t *testing.T) {
	inv := map[string]any{
		"inventory": map[string]any{
			"cpu":    map[string]any{"count": 8, "architecture": "x86_64", "model_name": "Xeon", "frequency": "2400.000", "flags": []any{"vmx", "aes"}},
			"memory": map[string]any{"physical_mb": 16384, "total": 16000000000},
			"interfaces": []any{
				map[string]any{"name": "eth0", "mac_address": "52:54:00:AA:BB:CC", "ipv4_address": "192.0.2.5", "speed_mbps": 10000, "vendor": "0x8086", "product": "0x1572", "has_carrier": true},
				map[string]any{"name": "eth1", "mac_address": "52:54:00:aa:bb:cd", "ipv6_address": "2001:db8::5"},
			},
			"disks": []any{
				map[string]any{"name": "/dev/sda", "size": 480103981056, "rotational": false, "model": "SSD-1", "vendor": "ATA", "serial": "S1",
					"wwn": "0x5000", "hctl": "0:0:0:0", "by_path": "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"},
				map[string]any{"name": "/dev/nvme0n1", "size": 1000204886016},
				map[string]any{"name": "/dev/sdb", "size": 4000787030016, "rotational": true},
			},
			"system_vendor": map[string]any{"manufacturer": "Dell Inc.", "product_name": "PowerEdge R640", "serial_number": "ABC123",
				"firmware": map[string]any{"vendor": "Dell", "version": "2.1", "build_date": "2024-01-01"}},
			"boot":     map[string]any{"current_boot_mode": "uefi", "pxe_interface": "52:54:00:aa:bb:cc"},
			"hostname": "worker-0",
		},
		"plugin_data": map[string]any{},
	}
	f := newFakeIronic(t, map[string]http.HandlerFunc{"GET /v1/nodes/" + testNodeID + "/inventory": reply(http.StatusOK, inv)})
	hw, err := f.provisioner(t).HardwareDetails(context.Background(), testNode())
	if err != nil {
		t.Fatal(err)
	}
	want := &metal3.HardwareDetails{
		SystemVendor: metal3.HardwareSystemVendor{Manufacturer: "Dell Inc.", ProductName: "PowerEdge R640", SerialNumber: "ABC123"},
		Firmware:     metal3.Firmware{BIOS: metal3.BIOS{Vendor: "Dell", Version: "2.1", Date: "2024-01-01"}},
		RAMMebibytes: 16384,
		CPU:          metal3.CPU{Arch: "x86_64", Model: "Xeon", ClockMegahertz: 2400, Flags: []string{"aes", "vmx"}, Count: 8},
		Hostname:     "worker-0",
		NIC: []metal3.NIC{
			{Name: "eth0", Model: "0x8086 0x1572", MAC: "52:54:00:aa:bb:cc", IP: "192.0.2.5", SpeedGbps: 10, PXE: true},
			{Name: "eth1", MAC: "52:54:00:aa:bb:cd", IP: "2001:db8::5"},
		},
		Storage: []metal3.Storage{
			{Name: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", AlternateNames: []string{"/dev/sda", "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"},
				HCTL: "0:0:0:0", Type: metal3.DiskTypeSSD, SizeBytes: 480103981056, Vendor: "ATA", Model: "SSD-1", SerialNumber: "S1", WWN: "0x5000"},
			{Name: "/dev/nvme0n1", AlternateNames: []string{"/dev/nvme0n1"}, Type: metal3.DiskTypeNVME, SizeBytes: 1000204886016},
			{Name: "/dev/sdb", AlternateNames: []string{"/dev/sdb"}, Rotational: true, Type: metal3.DiskTypeHDD, SizeBytes: 4000787030016},
		},
	}
	if diff := cmp.Diff(want, hw); diff != "" {
		t.Errorf("hardware details (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /", "GET /v1/nodes/" + testNodeID + "/inventory"}, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestHardwareDetailsWithoutAnInventoryComeFromPropertiesAndPorts(t *testing.T) {
	doc := nodeDocument(func(n map[string]any) {
		n["properties"] = map[string]any{"cpus": "4", "cpu_arch": "aarch64", "memory_mb": 8192, "local_gb": 40, "vendor": "QEMU", "capabilities": "boot_mode:uefi"}
	})
	f := newFakeIronic(t, nodeRoutes(doc))
	f.route("GET /v1/ports/detail", reply(http.StatusOK, map[string]any{"ports": []any{
		map[string]any{"uuid": "p2", "address": "52:54:00:00:00:02", "pxe_enabled": false, "node_uuid": testNodeID},
		map[string]any{"uuid": "p1", "address": "52:54:00:00:00:01", "pxe_enabled": true, "node_uuid": testNodeID, "extra": map[string]any{"name": "enp1s0"}},
	}}))
	hw, err := f.provisioner(t).HardwareDetails(context.Background(), testNode())
	if err != nil {
		t.Fatal(err)
	}
	want := &metal3.HardwareDetails{
		SystemVendor: metal3.HardwareSystemVendor{Manufacturer: "QEMU"},
		RAMMebibytes: 8192,
		CPU:          metal3.CPU{Arch: "aarch64", Count: 4},
		Storage:      []metal3.Storage{{Name: "disk-0", SizeBytes: 40 << 30}},
		NIC: []metal3.NIC{
			{Name: "enp1s0", MAC: "52:54:00:00:00:01", PXE: true},
			{MAC: "52:54:00:00:00:02"},
		},
	}
	if diff := cmp.Diff(want, hw); diff != "" {
		t.Errorf("hardware details (-want +got):\n%s", diff)
	}
	wantRequests := []string{
		"GET /", "GET /v1/nodes/" + testNodeID + "/inventory", nodeRead(testNodeID),
		"GET /v1/ports/detail?node_uuid=" + testNodeID,
	}
	if diff := cmp.Diff(wantRequests, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
