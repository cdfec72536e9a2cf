package inventory

import (
	"fmt"
	"sort"
	"strings"
)

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
	// minRootDiskSize is the smallest disk IPA picks as root disk without hints (4 GiB).
	minRootDiskSize = 4 * gib
)

// Default is the inventory of the i-th simulated system: a two-socket 1U server with 192 GiB,
// an SSD, an HDD and an NVMe disk, and three NICs: the boot NIC (mac; derived from i when
// empty) with an IPv4 address on the provisioning network, a second NIC with IPv4 and IPv6
// addresses, and a third without carrier or address. Everything that identifies the system
// (serials, WWNs, MACs, addresses, hostname) is derived from i, so systems differ.
func Default(i int, mac string) Inventory {
	if mac == "" {
		mac = MAC(i, 0)
	}
	mac = strings.ToLower(mac)
	hi, lo := (i/250)%256, i%250+10
	return Inventory{
		Interfaces: []Interface{
			{Name: "enp1s0f0", MACAddress: mac, IPv4Address: fmt.Sprintf("172.22.%d.%d", hi, lo), HasCarrier: true,
				Vendor: "0x8086", Product: "0x1572", BIOSDevName: "em1", SpeedMbps: 10000, PCIAddress: "0000:18:00.0", Driver: "i40e"},
			{Name: "enp1s0f1", MACAddress: MAC(i, 1), IPv4Address: fmt.Sprintf("192.168.%d.%d", 111+hi%100, lo),
				IPv6Address: fmt.Sprintf("fd2e:6f44:5dd8:c956::%x", i+10), HasCarrier: true,
				Vendor: "0x8086", Product: "0x1572", BIOSDevName: "em2", SpeedMbps: 10000, PCIAddress: "0000:18:00.1", Driver: "i40e"},
			{Name: "eno3", MACAddress: MAC(i, 2), HasCarrier: false,
				Vendor: "0x14e4", Product: "0x165f", BIOSDevName: "em3", SpeedMbps: 1000, PCIAddress: "0000:01:00.0", Driver: "tg3"},
		},
		CPU: CPU{
			ModelName: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", Frequency: "3900.0000", Count: 80,
			Architecture: "x86_64", SocketCount: 2,
			Flags: []string{"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr",
				"lm", "vmx", "sse4_1", "sse4_2", "aes", "avx", "avx2", "avx512f"},
		},
		Disks: []Disk{
			{Name: "/dev/sda", Model: "MZ7KH480HAHQ0D3", Size: 480103981056, Rotational: false,
				WWN: fmt.Sprintf("0x5002538e%08x", i), Serial: fmt.Sprintf("S47MNA0N%06d", i), Vendor: "ATA",
				WWNWithExtension: fmt.Sprintf("0x5002538e%08x", i), HCTL: "0:0:0:0",
				ByPath: "/dev/disk/by-path/pci-0000:00:17.0-ata-1", LogicalSectors: 512, PhysicalSectors: 4096, Tran: "sata"},
			{Name: "/dev/sdb", Model: "ST2000NM0055-1V4", Size: 2000398934016, Rotational: true,
				WWN: fmt.Sprintf("0x5000c500%08x", i), Serial: fmt.Sprintf("ZC2%06d", i), Vendor: "ATA",
				WWNWithExtension: fmt.Sprintf("0x5000c500%08x", i), HCTL: "1:0:0:0",
				ByPath: "/dev/disk/by-path/pci-0000:00:17.0-ata-2", LogicalSectors: 512, PhysicalSectors: 512, Tran: "sata"},
			{Name: "/dev/nvme0n1", Model: "Dell Ent NVMe CM6 RI 960GB", Size: 960197124096, Rotational: false,
				WWN: fmt.Sprintf("eui.00000000000000008ce38e%010x", i), Serial: fmt.Sprintf("Y0R0A0%06d", i),
				ByPath: "/dev/disk/by-path/pci-0000:3b:00.0-nvme-1", LogicalSectors: 512, PhysicalSectors: 512, Tran: "nvme"},
		},
		Memory: Memory{Total: (196608 - 1536) * mib, PhysicalMB: 196608},
		SystemVendor: SystemVendor{
			ProductName: "PowerEdge R640", SerialNumber: fmt.Sprintf("MK%05d", i), Manufacturer: "Dell Inc.",
			Firmware: Firmware{Vendor: "Dell Inc.", Version: "2.19.1", BuildDate: "06/13/2023"},
		},
		Boot:     Boot{CurrentBootMode: "uefi", PXEInterface: mac},
		Hostname: fmt.Sprintf("node-%d", i),
	}
}

// MAC is the n-th NIC's MAC address of the i-th simulated system (locally administered).
func MAC(i, n int) string {
	return fmt.Sprintf("02:4d:4b:%02x:%02x:%02x", (i>>8)&0xff, i&0xff, n&0xff)
}

// RootDisk is the disk IPA reports as root_disk when no root device hints are given: the
// smallest disk of at least 4 GiB (by size, then name); nil when there is none.
func RootDisk(disks []Disk) *Disk {
	sorted := append([]Disk(nil), disks...)
	sort.SliceStable(sorted, func(a, b int) bool {
		if sorted[a].Size != sorted[b].Size {
			return sorted[a].Size < sorted[b].Size
		}
		return sorted[a].Name < sorted[b].Name
	})
	for _, d := range sorted {
		if d.Size >= minRootDiskSize {
			d := d
			return &d
		}
	}
	return nil
}
