package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func (d *decision) startDeprovisioning() step {
	if s, done := d.noSlot(); done {
		return s
	}
	d.setState(metal3.StateDeprovisioning)
	d.status.OperationHistory.Deprovision = metal3.OperationMetric{Start: d.now()}
	d.event(corev1.EventTypeNormal, "DeprovisioningStarted", "Image deprovisioning started")
	// The undeploy is asked for on the next look, once the state saying so is written: a crash
	// or a failed status write in between can then never leave a provisioned host whose node is
	// already being wiped.
	return waitFor(startNow).explain(ReasonActionRequested, "deprovisioning starts")
}

// tornDown reports whether the node is on its way from a tear-down (undeploy) to available,
// or got there: deleting, cleaning, clean wait, clean failed or available.
func tornDown(n *provisioner.Node) bool {
	switch n.ProvisionState {
	case provisioner.StateDeleting, provisioner.StateCleaning, provisioner.StateCleanWait,
		provisioner.StateCleanFail, provisioner.StateAvailable:
		return true
	}
	return false
}

// deprovisioningUnderway moves a provisioned host whose node was torn down on to
// deprovisioning: its undeploy ran (asked for before a status write that was lost, or by
// someone else), so the image is gone and waiting for the node to be active again would wait
// forever. A node in maintenance or locked is looked at again later.
func (d *decision) deprovisioningUnderway() (s step, done bool) {
	if !tornDown(d.node) {
		return step{}, false
	}
	d.setState(metal3.StateDeprovisioning)
	if d.status.OperationHistory.Deprovision.Start.IsZero() || !d.status.OperationHistory.Deprovision.End.IsZero() {
		d.status.OperationHistory.Deprovision = metal3.OperationMetric{Start: d.now()}
	}
	if d.host.DeletionTimestamp == nil && !imageChanged(d.host, d.status) {
		d.event(corev1.EventTypeWarning, "DeprovisioningStarted",
			"The node is %s although the host is provisioned and its spec still asks for %s: the image was torn down outside this controller",
			d.node.ProvisionState, d.status.Provisioning.Image.URL)
	} else {
		d.event(corev1.EventTypeNormal, "DeprovisioningStarted", "Image deprovisioning started (the node is already %s)", d.node.ProvisionState)
	}
	// Now deprovisioning, the host passes the guard of that state (from startDeletion, it has not yet).
	if s, done := d.guard(); done {
		return s, true
	}
	return handleDeprovisioning(d), true
}

// maxDeprovisionAttemptsBeforeDelete is how many failures of deprovisioning (the undeploy
// refused, or cleaning failed) a host being deleted sits through before it gives up, as
// metal3 does, so that a deletion never hangs on a broken server.
const maxDeprovisionAttemptsBeforeDelete = 3

// handleDeprovisioning undeploys the node and waits until it is available (cleaned) again.
func handleDeprovisioning(d *decision) step {
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateActive, provisioner.StateDeployFail, provisioner.StateError:
		// Ironic keeps the target of a failed operation ("deploy failed" → "active"), so only
		// an active node is waited for until it settles.
		if n.ProvisionState == provisioner.StateActive && !n.Stable() {
			return d.waitNode()
		}
		sameImage := !imageChanged(d.host, d.status) &&
			!(n.ProvisionState == provisioner.StateDeployFail && imageDetailsChanged(d.host, d.status))
		if n.ProvisionState != provisioner.StateError && d.host.DeletionTimestamp == nil && sameImage {
			// The spec asks again for the image the node was given before its tear-down
			// started: keep it rather than wipe and deploy it again.
			if n.ProvisionState == provisioner.StateActive {
				d.setState(metal3.StateProvisioned)
				return handleProvisioned(d)
			}
			d.setState(metal3.StateProvisioning)
			return handleProvisioning(d)
		}
		return act(Action{Kind: ActionUndeploy})
	case provisioner.StateAvailable:
		if !n.Stable() {
			return d.waitNode()
		}
		d.status.OperationHistory.Deprovision.End = d.now()
		d.clearProvisioning()
		d.event(corev1.EventTypeNormal, "DeprovisioningComplete", "Image deprovisioning completed")
		if d.host.DeletionTimestamp != nil {
			d.setState(metal3.StatePoweringOffBeforeDelete)
			return handlePoweringOffBeforeDelete(d)
		}
		d.setState(metal3.StateAvailable)
		return handleAvailable(d)
	}
	if s, done := d.towardAvailable(metal3.ProvisioningError, "cleaning after deprovisioning failed: "); done {
		return s
	}
	return d.waitNode()
}

// deprovisioningAbandoned reports whether a host being deleted has failed to deprovision
// maxDeprovisionAttemptsBeforeDelete times in a row: cleaning failed in deprovisioning, or the
// undeploy itself was refused while provisioned (a refused action keeps the host's state).
func (d *decision) deprovisioningAbandoned() bool {
	if d.host.DeletionTimestamp == nil || d.status.ErrorCount < maxDeprovisionAttemptsBeforeDelete {
		return false
	}
	return d.state() == metal3.StateDeprovisioning ||
		(d.state() == metal3.StateProvisioned && d.status.ErrorType == metal3.ProvisioningError)
}

// abandonDeprovisioning gives up deprovisioning a host being deleted, so the deletion never
// hangs on a broken server: the node is powered off and deleted without cleaning.
func (d *decision) abandonDeprovisioning() step {
	last := ""
	if d.status.ErrorMessage != "" {
		last = " (last error: " + d.status.ErrorMessage + ")"
	}
	d.event(corev1.EventTypeWarning, "DeprovisioningAbandoned",
		"Deprovisioning failed %d times while the host is being deleted; giving up: the node is deleted without cleaning, so its disks may still hold data%s",
		d.status.ErrorCount, last)
	d.setState(metal3.StatePoweringOffBeforeDelete)
	return handlePoweringOffBeforeDelete(d)
}
