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
	case provisioner.StateManageable:
		if !n.Stable() {
			return m.waitNode()
		}
		return act(m.provide())
	case provisioner.StateAvailable:
		if !n.Stable() {
			return m.waitNode()
		}
		m.setState(metal3.StateAvailable)
		return handleAvailable(m)
	case provisioner.StateCleanFail:
		return m.failOrRetry(metal3.PreparationError, "cleaning failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateInspectFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return m.waitNode()
}

func (m *machine) provide() Action {
	return Action{Kind: ActionProvide, AutomatedClean: m.host.Spec.AutomatedCleaningMode != metal3.CleaningModeDisabled}
}
