package hoststate

import (
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handlePreparing makes the node available, cleaning it per spec.automatedCleaningMode.
func handlePreparing(d *decision) step {
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return d.waitNode()
		}
		d.setState(metal3.StateAvailable)
		return handleAvailable(d)
	}
	if s, done := d.towardAvailable(metal3.PreparationError, "cleaning failed: "); done {
		return s
	}
	return d.waitNode()
}

func (d *decision) provide() Action {
	return Action{Kind: ActionProvide, AutomatedClean: d.host.Spec.AutomatedCleaningMode != metal3.CleaningModeDisabled}
}

// towardAvailable moves a node that is on its way to available, or failed on the way, one step
// on: manageable is provided (cleaned), a failed cleaning is reported and retried, other failed
// states are recovered. done is false when the node is in none of these states.
func (d *decision) towardAvailable(cleanErr metal3.ErrorType, cleanMsg string) (s step, done bool) {
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateManageable:
		if !n.Stable() {
			return d.waitNode(), true
		}
		return act(d.provide()), true
	case provisioner.StateCleanFail:
		return d.failOrRetry(cleanErr, cleanMsg+n.LastError, Action{Kind: ActionRecover}), true
	case provisioner.StateInspectFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover}), true
	}
	return step{}, false
}
