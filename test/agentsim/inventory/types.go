package inventory

// Inventory is IPA's hardware inventory.
type Inventory struct {
	Interfaces   []Interface  `json:"interfaces"`
	CPU          CPU          `json:"cpu"`
	Disks        []Disk       `json:"disks"`
	Memory       Memory       `json:"memory"`
	BMCAddress   string       `json:"bmc_address"`
	BMCV6Address string       `json:"bmc_v6address"`
	SystemVendor SystemVendor `json:"system_vendor"`
	Boot         Boot         `json:"boot"`
	Hostname     string       `json:"hostname"`
}

// Interface is one network interface (IPA's NetworkInterface).
type Interface struct {
	Name        string `json:"name"`
	MACAddress  string `json:"mac_address"`
	IPv4Address string `json:"ipv4_address,omitempty"`
	IPv6Address string `json:"ipv6_address,omitempty"`
	HasCarrier  bool   `json:"has_carrier"`
	Vendor      string `json:"vendor,omitempty"`
	Product     string `json:"product,omitempty"`
	BIOSDevName string `json:"biosdevname,omitempty"`
	SpeedMbps   int    `json:"speed_mbps,omitempty"`
	PCIAddress  string `json:"pci_address,omitempty"`
	Driver      string `json:"driver,omitempty"`
}

// CPU is IPA's CPU summary. Frequency is in MHz, a string as lscpu prints it.
type CPU struct {
	ModelName    string   `json:"model_name"`
	Frequency    string   `json:"frequency"`
	Count        int      `json:"count"`
	Architecture string   `json:"architecture"`
	Flags        []string `json:"flags"`
	SocketCount  int      `json:"socket_count,omitempty"`
}

// Disk is one block device (IPA's BlockDevice). Size is in bytes.
type Disk struct {
	Name               string `json:"name"`
	Model              string `json:"model"`
	Size               int64  `json:"size"`
	Rotational         bool   `json:"rotational"`
	WWN                string `json:"wwn,omitempty"`
	Serial             string `json:"serial,omitempty"`
	Vendor             string `json:"vendor,omitempty"`
	WWNWithExtension   string `json:"wwn_with_extension,omitempty"`
	WWNVendorExtension string `json:"wwn_vendor_extension,omitempty"`
	HCTL               string `json:"hctl,omitempty"`
	ByPath             string `json:"by_path,omitempty"`
	LogicalSectors     int    `json:"logical_sectors,omitempty"`
	PhysicalSectors    int    `json:"physical_sectors,omitempty"`
	Tran               string `json:"tran,omitempty"`
}

// Memory: Total is in bytes (what the kernel sees), PhysicalMB the installed DIMMs in MiB.
type Memory struct {
	Total      int64 `json:"total"`
	PhysicalMB int   `json:"physical_mb"`
}

// SystemVendor identifies the machine and its firmware.
type SystemVendor struct {
	ProductName  string   `json:"product_name"`
	SerialNumber string   `json:"serial_number"`
	Manufacturer string   `json:"manufacturer"`
	Firmware     Firmware `json:"firmware"`
}

// Firmware is the BIOS/UEFI firmware.
type Firmware struct {
	Vendor    string `json:"vendor"`
	Version   string `json:"version"`
	BuildDate string `json:"build_date"`
}

// Boot is how the ramdisk was booted: "uefi" or "bios", and the MAC it network-booted from.
type Boot struct {
	CurrentBootMode string `json:"current_boot_mode"`
	PXEInterface    string `json:"pxe_interface,omitempty"`
}
