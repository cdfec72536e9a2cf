package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// maxPowerOffAttemptsBeforeDelete bounds how long a broken BMC can hold up a deletion.
const maxPowerOffAttemptsBeforeDelete = 3

// startDeletion moves a host that is being deleted to the first state of its way out:
// provisioned hosts are deprovisioned first, others powered off. done=false lets the
// current state's handler continue (it is already on the way out).
func (d *decision) startDeletion() (s step, done bool) {
	switch d.state() {
	case metal3.StateDeleting, metal3.StatePoweringOffBeforeDelete:
		return step{}, false
	case metal3.StateDeprovisioning:
		if d.node == nil {
			// The node is gone (deleted before the status saying so was written, or lost
			// by the backend): there is nothing left to deprovision; never register it again.
			d.setState(metal3.StateDeleting)
			return handleDeleting(d), true
		}
		if d.deprovisioningAbandoned() {
			return d.abandonDeprovisioning(), true
		}
		return step{}, false
	case metal3.StateNone, metal3.StateUnmanaged:
		d.setState(metal3.StateDeleting)
		return handleDeleting(d), true
	case metal3.StateProvisioned, metal3.StateProvisioning:
		if d.deprovisioningAbandoned() {
			return d.abandonDeprovisioning(), true
		}
		if _, done := d.checkAccess(); done || d.node == nil {
			d.setState(metal3.StateDeleting)
			return handleDeleting(d), true
		}
		if s, done := d.deprovisioningUnderway(); done {
			return s, true
		}
		return d.startDeprovisioning(), true
	}
	d.setState(metal3.StatePoweringOffBeforeDelete)
	return handlePoweringOffBeforeDelete(d), true
}

// handlePoweringOffBeforeDelete powers the node off so a deleted host is not left running.
func handlePoweringOffBeforeDelete(d *decision) step {
	n := d.node
	if _, noAccess := d.checkAccess(); noAccess || n == nil || d.host.Spec.DisablePowerOff ||
		n.PowerState != provisioner.PowerOn || d.status.ErrorCount >= maxPowerOffAttemptsBeforeDelete {
		d.setState(metal3.StateDeleting)
		return handleDeleting(d)
	}
	if n.TargetPowerState != provisioner.PowerUnknown {
		return d.waitNode()
	}
	// d.status, not the input: an error of the state just left (cleared by setState) must
	// neither hold up the deletion nor be written back without operationalStatus error.
	if d.status.ErrorType != "" && !d.backoffElapsed() {
		return waitFor(max(d.retryWait(), actionPoll))
	}
	d.event(corev1.EventTypeNormal, "PowerOff", "Host powered off before deletion")
	return act(Action{Kind: ActionPowerOff})
}

// handleDeleting removes the node, then releases the host.
func handleDeleting(d *decision) step {
	n := d.node
	if n == nil {
		d.remove = true
		return steady()
	}
	if n.Locked {
		return d.waitNode()
	}
	if d.status.ErrorType != "" && !d.backoffElapsed() {
		return waitFor(max(d.retryWait(), actionPoll))
	}
	return act(Action{Kind: ActionDelete})
}
