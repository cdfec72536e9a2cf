package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleNone starts managing a new host.
func handleNone(m *machine) step {
	if m.host.Spec.BMC.Address == "" {
		m.setState(metal3.StateUnmanaged)
		return steady()
	}
	return m.startRegistration()
}

// handleUnmanaged waits for BMC details.
func handleUnmanaged(m *machine) step {
	if m.host.Spec.BMC.Address == "" {
		return steady()
	}
	return m.startRegistration()
}

func (m *machine) startRegistration() step {
	m.setState(metal3.StateRegistering)
	m.status.OperationHistory.Register = metal3.OperationMetric{Start: m.now()}
	return handleRegistering(m)
}

// handleRegistering creates the node and waits until the backend has verified BMC access.
func handleRegistering(m *machine) step {
	if s, ok := m.register(); !ok {
		return s
	}
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateEnroll:
		if n.LastError != "" && n.Stable() {
			return m.failOrRetry(metal3.RegistrationError, "BMC access verification failed: "+n.LastError, Action{Kind: ActionManage})
		}
		return act(Action{Kind: ActionManage})
	case provisioner.StateManageable, provisioner.StateAvailable, provisioner.StateActive:
		if !n.Stable() {
			return m.waitNode()
		}
		m.credentialsValidated()
		return m.registered()
	case provisioner.StateInspecting, provisioner.StateInspectWait:
		// The inspection this controller started once registration completed, before the
		// status saying so was lost: wait for it as inspecting, do not start another.
		m.credentialsValidated()
		m.status.OperationHistory.Register.End = m.now()
		m.setState(metal3.StateInspecting)
		m.status.OperationHistory.Inspect = metal3.OperationMetric{Start: m.now()}
		return m.waitNode()
	case provisioner.StateInspectFail, provisioner.StateCleanFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return m.waitNode()
}

// registered moves a host whose node is verified on to its next state.
func (m *machine) registered() step {
	if s, ok := m.matchProfile(metal3.RegistrationError); !ok {
		return s
	}
	if n := m.node; !m.host.Spec.ExternallyProvisioned && n.ProvisionState == provisioner.StateManageable {
		if s, wait := m.noSlot(); wait {
			return s
		}
	}
	m.status.OperationHistory.Register.End = m.now()
	m.event(corev1.EventTypeNormal, "Registered", "Registered host with BMC %s", m.host.Spec.BMC.Address)
	n := m.node
	switch {
	case m.host.Spec.ExternallyProvisioned:
		m.setState(metal3.StateExternallyProvisioned)
		return handleExternallyProvisioned(m)
	case n.ProvisionState == provisioner.StateActive:
		// A node already running an image (found again after a lost database): keep it.
		m.setState(metal3.StateProvisioned)
		return handleProvisioned(m)
	case n.ProvisionState == provisioner.StateAvailable:
		if m.in.Hardware != nil && m.status.HardwareDetails == nil {
			// Inspected and prepared before the statuses saying so were written.
			m.status.HardwareDetails = m.in.Hardware.DeepCopy()
		}
		m.setState(metal3.StateAvailable)
		return handleAvailable(m)
	case fastInspectionProblem(m.host) != "":
		return m.failFastInspection(fastInspectionProblem(m.host))
	case inspectionDisabled(m.host) || !canInspect(m.host):
		return m.skipInspection()
	}
	if n.Inspected && m.in.Hardware != nil {
		// Inspected already (the status saying it was inspecting was lost, or the node was
		// enrolled and inspected before this host took it): use what Ironic found.
		m.setState(metal3.StateInspecting)
		m.status.OperationHistory.Inspect = metal3.OperationMetric{Start: m.now()}
		return m.inspectionComplete()
	}
	m.setState(metal3.StateInspecting)
	return m.startInspection()
}

// skipInspection moves a host that is not inspected on to preparing, with the hardware
// details of its annotation if it has one.
func (m *machine) skipInspection() step {
	hw, ok, err := hardwareFromAnnotation(m.host)
	if err != nil {
		return m.fail(metal3.InspectionError, err.Error()).because(ReasonInvalidAnnotation)
	}
	if ok {
		m.status.HardwareDetails = hw
		m.removeAnnotations = append(m.removeAnnotations, HardwareDetailsAnnotation)
	}
	m.setState(metal3.StatePreparing)
	return handlePreparing(m)
}

// reenroll handles a node that is back in enroll or verifying in a state past registration:
// the backend lost it and it was registered again.
func (m *machine) reenroll() (step, bool) {
	switch m.node.ProvisionState {
	case provisioner.StateEnroll:
		if m.node.LastError != "" && m.node.Stable() {
			return m.failOrRetry(m.registrationErrorType(), "BMC access verification failed: "+m.node.LastError, Action{Kind: ActionManage}), true
		}
		return act(Action{Kind: ActionManage}), true
	case provisioner.StateVerifying:
		return m.waitNode(), true
	}
	return step{}, false
}

// failOrRetry reports a failed node operation once, then retries it after the backoff.
func (m *machine) failOrRetry(t metal3.ErrorType, msg string, retry Action) step {
	st := m.in.Host.Status
	if st.ErrorType == t && st.ErrorMessage == msg {
		if m.backoffElapsed() {
			return act(retry)
		}
		m.status.ErrorType, m.status.ErrorMessage = st.ErrorType, st.ErrorMessage
		m.status.OperationalStatus = metal3.OperationalStatusError
		return waitFor(max(m.retryWait(), actionPoll)).because(ReasonErrorBackoff)
	}
	return m.fail(t, msg)
}
