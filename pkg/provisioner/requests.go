package provisioner

import (
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

// HostRef identifies the host a node belongs to.
type HostRef struct {
	Namespace, Name string
	// NodeID is status.provisioning.ID: the node's identifier if it was registered before.
	NodeID string
	// BootMACAddress is spec.bootMACAddress, used to find a node whose ID and name were lost.
	BootMACAddress string
}

// NodeName is the name a host's node carries in the backend.
func (r HostRef) NodeName() string { return r.Namespace + "~" + r.Name }

// RegisterRequest creates a node for a host, or brings an existing node's BMC details,
// credentials and interfaces up to date.
type RegisterRequest struct {
	Host               HostRef
	BMC                *bmc.AccessDetails
	Credentials        bmc.Credentials
	CredentialsVersion string
	BMCAddress         string
	BootMode           metal3.BootMode
	Architecture       string
	// AutomatedClean is false when spec.automatedCleaningMode is "disabled".
	AutomatedClean bool
	// DisablePowerOff asks the backend never to power the node off (reboots instead).
	DisablePowerOff bool
	// NetworkData is the network data of spec.preprovisioningNetworkDataName, for the ramdisk
	// (nil: none). Secret: never log it. NetworkDataVersion identifies it (Node.NetworkDataVersion).
	NetworkData        map[string]interface{}
	NetworkDataVersion string
	// InspectionMode is spec.inspectionMode: it picks in-band or out-of-band inspection.
	InspectionMode metal3.InspectionMode
}

// InspectRequest starts an inspection.
type InspectRequest struct {
	// Mode is spec.inspectionMode: fast inspects out of band, anything else in band when the
	// backend can (ironic-inspector).
	Mode metal3.InspectionMode
	// BMC is the host's BMC access, for the out-of-band inspect interface.
	BMC *bmc.AccessDetails
}

// ConfigDrive is the cloud-init data written to the host with its image. Values are secret:
// never log them.
type ConfigDrive struct {
	UserData    string
	NetworkData map[string]interface{}
	MetaData    map[string]interface{}
}

// DeployRequest writes an image to a node (or boots a live ISO, or runs a custom deploy).
type DeployRequest struct {
	Image           *metal3.Image
	RootDeviceHints *metal3.RootDeviceHints
	BootMode        metal3.BootMode
	CustomDeploy    *metal3.CustomDeploy
	// ConfigDrive is nil for live ISOs and when the host has no user, network or meta data.
	ConfigDrive *ConfigDrive
}

// PowerRequest changes a node's power.
type PowerRequest struct {
	On bool
	// Soft asks for a graceful (ACPI) power-off or reboot; the backend falls back to hard.
	Soft bool
	// Reboot power-cycles the node (On is ignored).
	Reboot bool
}
