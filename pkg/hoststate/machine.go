package hoststate

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// handler decides for one host state.
type handler func(m *machine) step

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
	metal3.StateReady:                   handleAvailable,
	metal3.StateProvisioning:            handleProvisioning,
	metal3.StateProvisioned:             handleProvisioned,
	metal3.StateDeprovisioning:          handleDeprovisioning,
	metal3.StateExternallyProvisioned:   handleExternallyProvisioned,
	metal3.StatePoweringOffBeforeDelete: handlePoweringOffBeforeDelete,
	metal3.StateDeleting:                handleDeleting,
}

// machine carries one decision in progress.
type machine struct {
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
}

// Decide returns what to do next for a host. It is pure: same input, same result.
func Decide(in Input) Result {
	m := &machine{in: in, host: in.Host, node: in.Node, status: *in.Host.Status.DeepCopy()}
	m.checkIdentity()
	if m.nodeIsOurs() {
		m.status.Provisioning.ID = m.node.ID
		m.status.PoweredOn = m.node.PoweredOn()
	}
	m.markProvisionerReady()
	if s, stop := m.restoreStatus(); stop {
		return m.result(s)
	}
	m.detached = m.detachRequested()
	if !m.detached && m.status.OperationalStatus == metal3.OperationalStatusDetached {
		m.status.OperationalStatus = metal3.OperationalStatusOK
	}
	m.takeHardwareFromAnnotation()
	s := m.run()
	return m.result(s)
}

// takeHardwareFromAnnotation applies HardwareDetailsAnnotation to a registered host whose
// inspection is disabled, in whatever state it is (as metal3 does), so the details are not
// lost when the status that first took them failed to write. Registration reports a bad value.
func (m *machine) takeHardwareFromAnnotation() {
	switch m.state() {
	case "", metal3.StateUnmanaged, metal3.StateRegistering:
		return
	}
	if !inspectionDisabled(m.host) {
		return
	}
	hw, ok, err := hardwareFromAnnotation(m.host)
	if !ok {
		return
	}
	if err != nil {
		m.event(corev1.EventTypeWarning, ReasonInvalidAnnotation, "%s", err)
		return
	}
	m.status.HardwareDetails = hw
	m.removeAnnotations = append(m.removeAnnotations, HardwareDetailsAnnotation)
}

func (m *machine) run() step {
	if m.detached {
		return m.detach()
	}
	if m.host.DeletionTimestamp != nil {
		if s, handled := m.startDeletion(); handled {
			return s
		}
	}
	h, ok := handlers[m.state()]
	if !ok {
		return m.fail(m.registrationErrorType(), fmt.Sprintf("unknown provisioning state %q", m.state()))
	}
	return h(m)
}

func (m *machine) state() metal3.ProvisioningState { return m.status.Provisioning.State }

// setState moves the host to a new state: errors and the error count of the finished state
// are cleared.
func (m *machine) setState(s metal3.ProvisioningState) {
	m.status.Provisioning.State = s
	m.clearError()
	m.status.ErrorCount = 0
}

func (m *machine) clearError() {
	m.status.ErrorType = ""
	m.status.ErrorMessage = ""
	m.status.OperationalStatus = metal3.OperationalStatusOK
}

// event records an Event. Its message never carries the user information of a URL (an image
// URL with a password, repeated in Ironic's errors).
func (m *machine) event(eventType, reason, format string, args ...interface{}) {
	m.events = append(m.events, Event{Type: eventType, Reason: reason, Message: redact.URLs(fmt.Sprintf(format, args...))})
}

func (m *machine) now() metav1.Time { return metav1.NewTime(m.in.Now) }

// movesNode are the actions after which the host waits for its node to move. A registered
// node is acted on again at once, and a deleted one is gone.
var movesNode = map[ActionKind]bool{
	ActionManage: true, ActionInspect: true, ActionProvide: true, ActionDeploy: true, ActionUndeploy: true,
	ActionAdopt: true, ActionRecover: true, ActionPowerOn: true, ActionPowerOff: true, ActionReboot: true,
}

// result turns the handler's step into a Result.
func (m *machine) result(s step) Result {
	r := Result{Action: s.action, RequeueAfter: s.after, RemoveFinalizer: m.remove, RemoveAnnotations: m.removeAnnotations}
	switch {
	case s.errType != "":
		if m.recordError(s.errType, s.errMsg) && s.deployFailed {
			m.status.ProvisioningFailCount++
		}
		r.RequeueAfter = Backoff(m.status.ErrorCount)
	case s.action.Kind != ActionNone:
		// Trying again: the old message no longer describes what is happening.
		m.clearError()
		if r.RequeueAfter == 0 {
			r.RequeueAfter = actionPoll
		}
	case s.steady:
		m.clearError()
		m.status.ErrorCount = 0
	}
	r.WaitingForSlot = s.reason == ReasonWaitingForSlot
	m.setOperationalStatus(r.WaitingForSlot)
	m.setMetal3Conditions()
	m.setSettledCondition(s, r.RequeueAfter)
	r.WatchNode = s.errType == "" && (s.watch || movesNode[s.action.Kind])
	r.Status = m.status
	r.Events = m.events
	r.FillArchitecture = architectureToFill(m.host, &m.status)
	return r
}

// recordError sets the error fields and reports whether the error counts as a new failure.
// The same error recorded again within its backoff window changes nothing, so our own status
// writes cannot turn into a retry storm.
func (m *machine) recordError(t metal3.ErrorType, msg string) bool {
	old := m.in.Host.Status
	if old.ErrorType == t && old.ErrorMessage == msg && !m.backoffElapsed() {
		m.status.ErrorType, m.status.ErrorMessage, m.status.ErrorCount = t, msg, old.ErrorCount
		m.status.OperationalStatus = metal3.OperationalStatusError
		return false
	}
	m.status.ErrorType = t
	m.status.ErrorMessage = msg
	m.status.ErrorCount = old.ErrorCount + 1
	m.status.OperationalStatus = metal3.OperationalStatusError
	m.event(corev1.EventTypeWarning, eventReasonForError(t), "%s", msg)
	return true
}

// backoffElapsed reports whether the host's current error has waited out its backoff, so
// the failed operation may be tried again.
func (m *machine) backoffElapsed() bool {
	st := m.in.Host.Status
	if st.ErrorType == "" || st.ErrorCount == 0 || st.LastUpdated == nil {
		return true
	}
	return !m.in.Now.Before(st.LastUpdated.Add(Backoff(st.ErrorCount)))
}

// retryWait is how long until the current error's backoff ends.
func (m *machine) retryWait() time.Duration {
	st := m.in.Host.Status
	if st.LastUpdated == nil {
		return 0
	}
	return st.LastUpdated.Add(Backoff(st.ErrorCount)).Sub(m.in.Now)
}

// checkAccess validates what registration needs: a parseable BMC address and usable
// credentials. It returns the failure step, or ok=true.
func (m *machine) checkAccess() (step, bool) {
	if m.identityProblem != "" {
		return m.identityFailure(), false
	}
	if _, err := bmc.Parse(m.host.Spec.BMC.Address, m.host.Spec.BMC.DisableCertificateVerification); err != nil {
		return m.fail(m.registrationErrorType(), err.Error()).because(ReasonInvalidBMCAddress), false
	}
	if p := m.in.Credentials.Problem; p != "" {
		return m.fail(m.registrationErrorType(), p).because(ReasonCredentialsProblem), false
	}
	return step{}, true
}

// needsRegistration reports whether the node must be created or brought up to date: it is
// missing, was registered with another BMC address or credentials version, or does not have
// the boot MAC's port (a registration cut short between creating the node and its port).
func (m *machine) needsRegistration() bool {
	return m.node == nil || m.node.BMCAddress != m.host.Spec.BMC.Address ||
		m.node.CredentialsVersion != m.in.Credentials.Version ||
		!strings.EqualFold(m.node.BootMACAddress, strings.TrimSpace(m.host.Spec.BootMACAddress)) ||
		m.networkDataChanged()
}

// register asks for registration when needed. ok=false means the returned step must be taken.
func (m *machine) register() (step, bool) {
	if s, ok := m.checkAccess(); !ok {
		return s, false
	}
	if !m.needsRegistration() {
		if st := m.node.ProvisionState; st != provisioner.StateEnroll && st != provisioner.StateVerifying &&
			m.state() != metal3.StateRegistering && m.state() != metal3.StateMatchProfile &&
			m.status.GoodCredentials.Version != m.in.Credentials.Version {
			// Re-registered with new credentials past enrollment: the node accepted them.
			m.credentialsValidated()
		}
		return step{}, true
	}
	// Checked only before a node is created: a node that exists keeps working.
	if access, err := bmc.Parse(m.host.Spec.BMC.Address, m.host.Spec.BMC.DisableCertificateVerification); err == nil && m.node == nil {
		if err := ValidateBootSettings(m.host, access); err != nil {
			return m.fail(m.registrationErrorType(), err.Error()).because(ReasonInvalidSpec), false
		}
	}
	// No backoff gate here: a failed registration is retried when its requeue comes due or
	// when the user changes the host or its Secret, which should take effect at once.
	ref := m.in.Credentials.Reference
	m.status.TriedCredentials = metal3.CredentialsStatus{Reference: &ref, Version: m.in.Credentials.Version}
	return act(Action{Kind: ActionRegister}), false
}

// credentialsValidated records that the BMC accepted the current credentials.
func (m *machine) credentialsValidated() {
	ref := m.in.Credentials.Reference
	good := metal3.CredentialsStatus{Reference: &ref, Version: m.in.Credentials.Version}
	if m.status.GoodCredentials.Version != good.Version || m.status.GoodCredentials.Reference == nil {
		m.event(corev1.EventTypeNormal, "BMCAccessValidated", "BMC access verified with credentials %s (version %s)", ref.Name, good.Version)
	}
	m.status.GoodCredentials = good
	m.status.TriedCredentials = good
}

// registrationErrorType is the error type for BMC/registration problems in the current state.
func (m *machine) registrationErrorType() metal3.ErrorType {
	switch m.state() {
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned:
		return metal3.ProvisionedRegistrationError
	}
	return metal3.RegistrationError
}
