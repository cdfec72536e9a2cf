package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// maxPowerOffAttemptsBeforeDelete bounds how long a broken BMC can hold up a deletion.
const maxPowerOffAttemptsBeforeDelete = 3

// startDeletion moves a host that is being deleted to the first state of its way out:
// provisioned hosts are deprovisioned first, others powered off. handled=false lets the
// current state's handler continue (it is already on the way out).
func (m *machine) startDeletion() (step, bool) {
	switch m.state() {
	case metal3.StateDeleting, metal3.StatePoweringOffBeforeDelete:
		return step{}, false
	case metal3.StateDeprovisioning:
		if m.node == nil {
			// The node is gone (deleted before the status saying so was written, or lost
			// by the backend): there is nothing left to deprovision; never register it again.
			m.setState(metal3.StateDeleting)
			return handleDeleting(m), true
		}
		return step{}, false
	case metal3.StateNone, metal3.StateUnmanaged:
		m.setState(metal3.StateDeleting)
		return handleDeleting(m), true
	case metal3.StateProvisioned, metal3.StateProvisioning:
		if m.deprovisioningAbandoned() {
			return m.abandonDeprovisioning(), true
		}
		if _, ok := m.checkAccess(); !ok || m.node == nil {
			m.setState(metal3.StateDeleting)
			return handleDeleting(m), true
		}
		if s, ok := m.deprovisioningUnderway(); ok {
			return s, true
		}
		return m.startDeprovisioning(), true
	}
	m.setState(metal3.StatePoweringOffBeforeDelete)
	return handlePoweringOffBeforeDelete(m), true
}

// handlePoweringOffBeforeDelete powers the node off so a deleted host is not left running.
func handlePoweringOffBeforeDelete(m *machine) step {
	n := m.node
	if _, accessOK := m.checkAccess(); !accessOK || n == nil || m.host.Spec.DisablePowerOff ||
		n.PowerState != provisioner.PowerOn || m.status.ErrorCount >= maxPowerOffAttemptsBeforeDelete {
		m.setState(metal3.StateDeleting)
		return handleDeleting(m)
	}
	if n.TargetPowerState != provisioner.PowerUnknown {
		return m.waitNode()
	}
	// m.status, not the input: an error of the state just left (cleared by setState) must
	// neither hold up the deletion nor be written back without operationalStatus error.
	if m.status.ErrorType != "" && !m.backoffElapsed() {
		return waitFor(max(m.retryWait(), actionPoll))
	}
	m.event(corev1.EventTypeNormal, "PowerOff", "Host powered off before deletion")
	return act(Action{Kind: ActionPowerOff})
}

// handleDeleting removes the node, then releases the host.
func handleDeleting(m *machine) step {
	n := m.node
	if n == nil {
		m.remove = true
		return steady()
	}
	if n.Locked {
		return m.waitNode()
	}
	if m.status.ErrorType != "" && !m.backoffElapsed() {
		return waitFor(max(m.retryWait(), actionPoll))
	}
	return act(Action{Kind: ActionDelete})
}
