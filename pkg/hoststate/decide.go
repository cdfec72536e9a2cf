package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// handler decides for one host state.
type handler func(d *decision) step

// handlers is the state machine: what each host state does. Each handler is small and looks
// at the node's state; see the package comment for the overall flow.
var handlers = map[metal3.ProvisioningState]handler{
	metal3.StateNone:                    handleNone,
	metal3.StateUnmanaged:               handleUnmanaged,
	metal3.StateRegistering:             handleRegistering,
	metal3.StateMatchProfile:            handleRegistering,
	metal3.StateInspecting:              handleInspecting,
	metal3.StatePreparing:               handlePreparing,
	metal3.StateAvailable:               handleAvailable,
	metal3.StateProvisioning:            handleProvisioning,
	metal3.StateProvisioned:             handleProvisioned,
	metal3.StateDeprovisioning:          handleDeprovisioning,
	metal3.StateExternallyProvisioned:   handleExternallyProvisioned,
	metal3.StatePoweringOffBeforeDelete: handlePoweringOffBeforeDelete,
	metal3.StateDeleting:                handleDeleting,
}

// decision carries one decision in progress.
type decision struct {
	in     Input
	host   *metal3.BareMetalHost
	node   *provisioner.Node
	status metal3.BareMetalHostStatus
	events []Event
	remove bool
	// removeAnnotations are annotations this decision consumed.
	removeAnnotations []string
	// detached: the host carries DetachedAnnotation.
	detached bool
	// limitReached: the deploy retry limit stopped retries.
	limitReached bool
	// identityProblem says why the host may not register (checkIdentity); "" when it may.
	identityProblem string
	// needsHardware: a handler wanted what inspection found, and Input.Hardware is nil.
	needsHardware bool
}

// Decide returns what to do next for a host. It is pure: same input, same result.
func Decide(in Input) Result {
	d := &decision{in: in, host: in.Host, node: in.Node, status: *in.Host.Status.DeepCopy()}
	d.checkIdentity()
	if d.nodeIsOurs() {
		d.status.Provisioning.ID = d.node.ID
		d.status.PoweredOn = d.node.PoweredOn()
	}
	d.markProvisionerReady()
	if s, done := d.restoreStatus(); done {
		return d.result(s)
	}
	d.detached = d.detachRequested()
	if !d.detached && d.status.OperationalStatus == metal3.OperationalStatusDetached {
		d.status.OperationalStatus = metal3.OperationalStatusOK
	}
	d.takeHardwareFromAnnotation()
	s := d.run()
	return d.result(s)
}

// takeHardwareFromAnnotation applies HardwareDetailsAnnotation to a registered host whose
// inspection is disabled, in whatever state it is (as metal3 does), so the details are not
// lost when the status that first took them failed to write. Registration reports a bad value.
func (d *decision) takeHardwareFromAnnotation() {
	switch d.state() {
	case "", metal3.StateUnmanaged, metal3.StateRegistering:
		return
	}
	if !inspectionDisabled(d.host) {
		return
	}
	hw, ok, err := hardwareFromAnnotation(d.host)
	if !ok {
		return
	}
	if err != nil {
		d.event(corev1.EventTypeWarning, ReasonInvalidAnnotation, "%s", err)
		return
	}
	d.status.HardwareDetails = hw
	d.removeAnnotations = append(d.removeAnnotations, HardwareDetailsAnnotation)
}

func (d *decision) run() step {
	if d.state() == metal3.StateReady { // metal3's older spelling
		d.status.Provisioning.State = metal3.StateAvailable
	}
	if d.detached {
		return d.detach()
	}
	if d.host.DeletionTimestamp != nil {
		if s, done := d.startDeletion(); done {
			return s
		}
	}
	return d.handle()
}

// handle runs the handler of the host's state; for the states of a registered host, only once
// the guard lets it.
func (d *decision) handle() step {
	h, ok := handlers[d.state()]
	if !ok {
		return d.fail(d.registrationErrorType(), fmt.Sprintf("unknown provisioning state %q", d.state()))
	}
	if registeredStates[d.state()] {
		if s, done := d.guard(); done {
			return s
		}
	}
	return h(d)
}

func (d *decision) state() metal3.ProvisioningState { return d.status.Provisioning.State }

// setState moves the host to a new state: errors and the error count of the finished state
// are cleared.
func (d *decision) setState(s metal3.ProvisioningState) {
	d.status.Provisioning.State = s
	d.clearError()
	d.status.ErrorCount = 0
}

func (d *decision) clearError() {
	d.status.ErrorType = ""
	d.status.ErrorMessage = ""
	d.status.OperationalStatus = metal3.OperationalStatusOK
}

// event records an Event. Its message never carries the user information of a URL (an image
// URL with a password, repeated in Ironic's errors).
func (d *decision) event(eventType, reason, format string, args ...interface{}) {
	d.events = append(d.events, Event{Type: eventType, Reason: reason, Message: redact.URLs(fmt.Sprintf(format, args...))})
}

func (d *decision) now() metav1.Time { return metav1.NewTime(d.in.Now) }

// movesNode are the actions after which the host waits for its node to move. A registered
// node is acted on again at once, and a deleted one is gone.
var movesNode = map[ActionKind]bool{
	ActionManage: true, ActionInspect: true, ActionProvide: true, ActionDeploy: true, ActionUndeploy: true,
	ActionAdopt: true, ActionRecover: true, ActionPowerOn: true, ActionPowerOff: true, ActionReboot: true,
}

// result turns the handler's step into a Result.
func (d *decision) result(s step) Result {
	r := Result{Action: s.action, RequeueAfter: s.after, RemoveFinalizer: d.remove, RemoveAnnotations: d.removeAnnotations}
	switch {
	case s.errType != "":
		if d.recordError(s.errType, s.errMsg) && s.deployFailed {
			d.status.ProvisioningFailCount++
		}
		r.RequeueAfter = Backoff(d.status.ErrorCount)
	case s.action.Kind != ActionNone:
		// Trying again: the old message no longer describes what is happening.
		d.clearError()
		if r.RequeueAfter == 0 {
			r.RequeueAfter = actionPoll
		}
	case s.steady:
		d.clearError()
		d.status.ErrorCount = 0
	}
	r.WaitingForSlot = s.reason == ReasonWaitingForSlot
	r.WatchNode = s.errType == "" && (s.watch || movesNode[s.action.Kind])
	r.RequeueAfter = d.in.NodeUpdates.nextLook(r.RequeueAfter, r.WatchNode, s.action.Kind != ActionNone, d.remove)
	d.setOperationalStatus(r.WaitingForSlot)
	d.setMetal3Conditions()
	d.setSettledCondition(s, r.RequeueAfter)
	r.Status = d.status
	r.Events = d.events
	r.FillArchitecture = architectureToFill(d.host, &d.status)
	r.NeedsHardware = d.needsHardware
	return r
}
