package v1alpha1

// HardwareDetails is what inspection found on a host.
type HardwareDetails struct {
	SystemVendor HardwareSystemVendor `json:"systemVendor,omitempty"`
	Firmware     Firmware             `json:"firmware,omitempty"`
	RAMMebibytes int                  `json:"ramMebibytes,omitempty"`
	NIC          []NIC                `json:"nics,omitempty"`
	Storage      []Storage            `json:"storage,omitempty"`
	CPU          CPU                  `json:"cpu,omitempty"`
	Hostname     string               `json:"hostname,omitempty"`
}

// HardwareSystemVendor identifies the machine.
type HardwareSystemVendor struct {
	Manufacturer string `json:"manufacturer,omitempty"`
	ProductName  string `json:"productName,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"`
}

// Firmware describes the host's firmware.
type Firmware struct {
	BIOS BIOS `json:"bios,omitempty"`
}

// BIOS describes the BIOS or UEFI firmware.
type BIOS struct {
	Date    string `json:"date,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
	Version string `json:"version,omitempty"`
}

// VLANID is an 802.1Q VLAN number.
// +kubebuilder:validation:Minimum=0
// +kubebuilder:validation:Maximum=4094
type VLANID int32

// VLAN is a VLAN seen on a NIC.
type VLAN struct {
	ID   VLANID `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// NIC is one network interface.
type NIC struct {
	Name      string `json:"name,omitempty"`
	Model     string `json:"model,omitempty"`
	MAC       string `json:"mac,omitempty"`
	IP        string `json:"ip,omitempty"`
	SpeedGbps int    `json:"speedGbps,omitempty"`
	VLANs     []VLAN `json:"vlans,omitempty"`
	VLANID    VLANID `json:"vlanId,omitempty"`
	PXE       bool   `json:"pxe,omitempty"`
}

// DiskType is the kind of a disk.
// +kubebuilder:validation:Enum=HDD;SSD;NVME
type DiskType string

const (
	DiskTypeHDD  DiskType = "HDD"
	DiskTypeSSD  DiskType = "SSD"
	DiskTypeNVME DiskType = "NVME"
)

// Capacity is a size in bytes.
type Capacity int64

// Storage is one disk.
type Storage struct {
	Name               string   `json:"name,omitempty"`
	AlternateNames     []string `json:"alternateNames,omitempty"`
	HCTL               string   `json:"hctl,omitempty"`
	Rotational         bool     `json:"rotational,omitempty"`
	Type               DiskType `json:"type,omitempty"`
	SizeBytes          Capacity `json:"sizeBytes,omitempty"`
	Vendor             string   `json:"vendor,omitempty"`
	Model              string   `json:"model,omitempty"`
	SerialNumber       string   `json:"serialNumber,omitempty"`
	WWN                string   `json:"wwn,omitempty"`
	WWNVendorExtension string   `json:"wwnVendorExtension,omitempty"`
	WWNWithExtension   string   `json:"wwnWithExtension,omitempty"`
}

// ClockSpeed is a frequency in megahertz.
type ClockSpeed float64

// CPU describes the host's processors.
type CPU struct {
	Arch           string     `json:"arch,omitempty"`
	Model          string     `json:"model,omitempty"`
	ClockMegahertz ClockSpeed `json:"clockMegahertz,omitempty"`
	Flags          []string   `json:"flags,omitempty"`
	Count          int        `json:"count,omitempty"`
}
