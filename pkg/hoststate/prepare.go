package hoststate

import (
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handlePreparing makes the node available, cleaning it per spec.automatedCleaningMode.
func handlePreparing(m *machine) step {
	if s, ok := m.register(); !ok {
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return m.waitNode()
		}
		m.setState(metal3.StateAvailable)
		return handleAvailable(m)
	}
	if s, ok := m.towardAvailable(metal3.PreparationError, "cleaning failed: "); ok {
		return s
	}
	return m.waitNode()
}

func (m *machine) provide() Action {
	return Action{Kind: ActionProvide, AutomatedClean: m.host.Spec.AutomatedCleaningMode != metal3.CleaningModeDisabled}
}

// towardAvailable moves a node that is on its way to available, or failed on the way, one step
// on: manageable is provided (cleaned), a failed cleaning is reported and retried, other failed
// states are recovered. ok=false when the node is in none of these states.
func (m *machine) towardAvailable(cleanErr metal3.ErrorType, cleanMsg string) (step, bool) {
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateManageable:
		if !n.Stable() {
			return m.waitNode(), true
		}
		return act(m.provide()), true
	case provisioner.StateCleanFail:
		return m.failOrRetry(cleanErr, cleanMsg+n.LastError, Action{Kind: ActionRecover}), true
	case provisioner.StateInspectFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover}), true
	}
	return step{}, false
}
