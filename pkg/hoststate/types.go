package hoststate

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// Input is everything Decide looks at.
type Input struct {
	// Host is the host as the API server has it. Decide never modifies it.
	Host *metal3.BareMetalHost
	// Node is what the provisioner reports for the host; nil when it has no node.
	Node *provisioner.Node
	// Credentials describes the host's BMC credentials Secret.
	Credentials Credentials
	// Hardware is what inspection found: nil unless a first Decide asked for it
	// (Result.NeedsHardware) and the controller read it.
	Hardware *metal3.HardwareDetails
	// HardwareData is spec.hardware of the HardwareData named after the host, read by the
	// controller when NeedsHardwareData said so (nil when there is none).
	HardwareData *metal3.HardwareDetails
	// BMCOwner names ("namespace/name") another host whose BMC address reaches the same server
	// and that came first: this host must not register it. Empty when there is none.
	BMCOwner string
	// Now is the current time.
	Now time.Time
	// ProvisioningSlotsFull says the limit of hosts inspecting, cleaning or (de)provisioning at
	// once is reached: a host not already in such a state waits before entering one.
	ProvisioningSlotsFull bool
	// NetworkDataVersion identifies the Secret of spec.preprovisioningNetworkDataName, whose
	// network data the node carries: "<name>@<resourceVersion>" ("<name>@" when it cannot be
	// read), "" when the host names none. A node with another version is registered again.
	NetworkDataVersion string
	// NodeUpdates is how node changes reach the controller, for Result.RequeueAfter.
	NodeUpdates NodeUpdates
	// MaxProvisioningAttempts stops retrying a deploy of the same image after this many
	// consecutive failures (0: no limit). Changing the image starts over.
	MaxProvisioningAttempts int
	// InBandInspection says the provisioner inspects in band (Ironic with ironic-inspector):
	// hosts whose BMC driver has no out-of-band inspection (ipmi, libvirt) are inspected too
	// instead of skipping inspection.
	InBandInspection bool
}

// Credentials describes the BMC credentials Secret of a host, without its contents.
type Credentials struct {
	// Problem says why the credentials cannot be used ("" when they can): the Secret is
	// missing, or has no username or password.
	Problem string
	// Reference and Version identify the Secret and its resourceVersion.
	Reference corev1.SecretReference
	Version   string
}

// ActionKind names a provisioner operation.
type ActionKind string

const (
	ActionNone     ActionKind = ""
	ActionRegister ActionKind = "Register"
	ActionManage   ActionKind = "Manage"
	ActionInspect  ActionKind = "Inspect"
	ActionProvide  ActionKind = "Provide"
	ActionDeploy   ActionKind = "Deploy"
	ActionUndeploy ActionKind = "Undeploy"
	ActionAdopt    ActionKind = "Adopt"
	ActionRecover  ActionKind = "Recover"
	ActionPowerOn  ActionKind = "PowerOn"
	ActionPowerOff ActionKind = "PowerOff"
	ActionReboot   ActionKind = "Reboot"
	ActionDelete   ActionKind = "Delete"
)

// Action is the one provisioner operation Decide asks for.
type Action struct {
	Kind ActionKind
	// AutomatedClean applies to Provide: clean the disks on the way to available.
	AutomatedClean bool
	// Soft applies to PowerOff: ask the OS to shut down first.
	Soft bool
	// Verify applies to Register: start BMC verification (manage) of the node in the same
	// step, so that a stale verification error is never taken for a new one. Set for a new
	// node and for one resting in enroll.
	Verify bool
}

// Event is a Kubernetes Event to record on the host.
type Event struct {
	// Type is corev1.EventTypeNormal or corev1.EventTypeWarning.
	Type    string
	Reason  string
	Message string
}

// Result is what Decide (or ActionFailed) decided.
type Result struct {
	// Action is the provisioner operation to perform now, if any.
	Action Action
	// Status is the host's new status. The controller writes it only if it differs.
	Status metal3.BareMetalHostStatus
	// Events to record.
	Events []Event
	// RequeueAfter is when to look at the host again; zero means on the next change only. It
	// is final: the controller looks again exactly then (or earlier, when something changes).
	RequeueAfter time.Duration
	// RemoveFinalizer says the host is fully cleaned up and may go.
	RemoveFinalizer bool
	// WatchNode says the host waits for its node to change: an action that moves the node was
	// just issued (not Register or Delete) or an operation is in progress. A controller that learns of node changes by other means (a
	// shared feed of changed nodes) may look later than RequeueAfter, as a safety net only.
	WatchNode bool
	// WaitingForSlot says the host stays where it is until a provisioning slot frees (it was
	// told ProvisioningSlotsFull); the controller wakes it when one does.
	WaitingForSlot bool
	// FillArchitecture is the CPU architecture inspection found, to be written to the empty
	// spec.architecture (a spec write, as metal3 does); "" when there is nothing to write.
	FillArchitecture string
	// NeedsHardware says the decision needs what inspection found on the node: the controller
	// reads it (the provisioner's HardwareDetails), sets Input.Hardware and decides again.
	// Only this second result is acted on.
	NeedsHardware bool
	// RemoveAnnotations lists annotations the decision consumed (a done reboot, a started
	// re-inspection, restored status); the controller removes them after writing status.
	RemoveAnnotations []string
}
