package provisioner

import "time"

// ProvisionState is a node's provisioning state, spelled as Ironic spells it.
type ProvisionState string

// The Ironic provision states the controller reasons about.
const (
	StateEnroll      ProvisionState = "enroll"
	StateVerifying   ProvisionState = "verifying"
	StateManageable  ProvisionState = "manageable"
	StateInspecting  ProvisionState = "inspecting"
	StateInspectWait ProvisionState = "inspect wait"
	StateInspectFail ProvisionState = "inspect failed"
	StateCleaning    ProvisionState = "cleaning"
	StateCleanWait   ProvisionState = "clean wait"
	StateCleanFail   ProvisionState = "clean failed"
	StateAvailable   ProvisionState = "available"
	StateDeploying   ProvisionState = "deploying"
	StateDeployWait  ProvisionState = "wait call-back"
	StateDeployFail  ProvisionState = "deploy failed"
	StateActive      ProvisionState = "active"
	StateDeleting    ProvisionState = "deleting"
	StateError       ProvisionState = "error"
	StateAdopting    ProvisionState = "adopting"
	StateAdoptFail   ProvisionState = "adopt failed"
	StateRescue      ProvisionState = "rescue"
	StateServicing   ProvisionState = "servicing"
	StateServiceFail ProvisionState = "service failed"
	StateNone        ProvisionState = ""
)

// PowerState is a node's power state.
type PowerState string

const (
	PowerOn      PowerState = "power on"
	PowerOff     PowerState = "power off"
	PowerUnknown PowerState = ""
)

// Node is what the backend reports about the node behind one host.
type Node struct {
	// ID is the backend's identifier of the node (Ironic node UUID).
	ID string
	// Name is "<namespace>~<name>" of the host that owns the node.
	Name string

	ProvisionState       ProvisionState
	TargetProvisionState ProvisionState
	PowerState           PowerState
	TargetPowerState     PowerState
	// LastError is the backend's message about the last failed operation.
	LastError string
	// Maintenance nodes accept no operations until the flag is cleared.
	Maintenance       bool
	MaintenanceReason string
	// Fault is why the backend put the node in maintenance by itself ("power failure", "clean
	// failure", ...; Ironic's fault), "" when it did not.
	Fault string
	// Locked means the backend is working on the node (an Ironic reservation).
	Locked bool

	// BMCAddress is the BMC address the node was registered with (kept in the node's extra
	// data), so a changed spec.bmc.address is noticed.
	BMCAddress string
	// CredentialsVersion is the version of the credentials Secret the node was registered with.
	CredentialsVersion string
	// BootMACAddress is the MAC of the node's boot port.
	BootMACAddress string
	// NetworkDataVersion identifies the preprovisioning network data the node was registered
	// with (RegisterRequest.NetworkDataVersion); "" when none.
	NetworkDataVersion string
	// ImageURL is the image in the node's instance_info, if any.
	ImageURL string

	// Driver is the node's hardware type (Ironic driver), as reported by ListNodes.
	Driver string
	// BMCHint is a BMC address in BareMetalHost syntax derived from the node's driver and
	// driver_info (without credentials), for importing nodes no host owns. ListNodes fills it.
	BMCHint string

	// Inspected says an inspection of this node finished (Ironic's inspection_finished_at), so
	// the backend holds what it found.
	Inspected bool

	// ProvisionUpdatedAt is when the provision state last changed, when the backend knows it.
	ProvisionUpdatedAt time.Time

	// FoundByBootMAC says FindNode found the node only through a port with the host's boot MAC
	// (not by ID or name): it may be another host's node.
	FoundByBootMAC bool
}

// Stable reports whether the node is not in the middle of a transition: no target state is
// pending. Ironic can report the new provision_state a moment before it clears the target.
func (n *Node) Stable() bool {
	return n != nil && n.TargetProvisionState == StateNone && n.TargetPowerState == PowerUnknown
}

// PoweredOn reports whether the node is known to be powered on.
func (n *Node) PoweredOn() bool { return n != nil && n.PowerState == PowerOn }
