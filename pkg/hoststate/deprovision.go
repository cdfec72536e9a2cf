package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func (m *machine) startDeprovisioning() step {
	if s, wait := m.noSlot(); wait {
		return s
	}
	m.setState(metal3.StateDeprovisioning)
	m.status.OperationHistory.Deprovision = metal3.OperationMetric{Start: m.now()}
	m.event(corev1.EventTypeNormal, "DeprovisioningStarted", "Image deprovisioning started")
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
func (m *machine) deprovisioningUnderway() (step, bool) {
	if !tornDown(m.node) {
		return step{}, false
	}
	m.setState(metal3.StateDeprovisioning)
	if m.status.OperationHistory.Deprovision.Start.IsZero() || !m.status.OperationHistory.Deprovision.End.IsZero() {
		m.status.OperationHistory.Deprovision = metal3.OperationMetric{Start: m.now()}
	}
	if m.host.DeletionTimestamp == nil && !imageChanged(m.host, m.status) {
		m.event(corev1.EventTypeWarning, "DeprovisioningStarted",
			"The node is %s although the host is provisioned and its spec still asks for %s: the image was torn down outside this controller",
			m.node.ProvisionState, m.status.Provisioning.Image.URL)
	} else {
		m.event(corev1.EventTypeNormal, "DeprovisioningStarted", "Image deprovisioning started (the node is already %s)", m.node.ProvisionState)
	}
	return handleDeprovisioning(m), true
}

// maxDeprovisionAttemptsBeforeDelete is how many failures of deprovisioning (the undeploy
// refused, or cleaning failed) a host being deleted sits through before it gives up, as
// metal3 does, so that a deletion never hangs on a broken server.
const maxDeprovisionAttemptsBeforeDelete = 3

// handleDeprovisioning undeploys the node and waits until it is available (cleaned) again.
func handleDeprovisioning(m *machine) step {
	if m.deprovisioningAbandoned() {
		return m.abandonDeprovisioning()
	}
	if s, ok := m.register(); !ok {
		if m.host.DeletionTimestamp != nil {
			// Without BMC access a deleted host cannot be deprovisioned; do not hold it forever.
			m.setState(metal3.StateDeleting)
			return handleDeleting(m)
		}
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateActive, provisioner.StateDeployFail, provisioner.StateError:
		// Ironic keeps the target of a failed operation ("deploy failed" → "active"), so only
		// an active node is waited for until it settles.
		if n.ProvisionState == provisioner.StateActive && !n.Stable() {
			return m.waitNode()
		}
		sameImage := !imageChanged(m.host, m.status) &&
			!(n.ProvisionState == provisioner.StateDeployFail && imageDetailsChanged(m.host, m.status))
		if n.ProvisionState != provisioner.StateError && m.host.DeletionTimestamp == nil && sameImage {
			// The spec asks again for the image the node was given before its tear-down
			// started: keep it rather than wipe and deploy it again.
			if n.ProvisionState == provisioner.StateActive {
				m.setState(metal3.StateProvisioned)
				return handleProvisioned(m)
			}
			m.setState(metal3.StateProvisioning)
			return handleProvisioning(m)
		}
		return act(Action{Kind: ActionUndeploy})
	case provisioner.StateAvailable:
		if !n.Stable() {
			return m.waitNode()
		}
		m.status.OperationHistory.Deprovision.End = m.now()
		m.clearProvisioning()
		m.event(corev1.EventTypeNormal, "DeprovisioningComplete", "Image deprovisioning completed")
		if m.host.DeletionTimestamp != nil {
			m.setState(metal3.StatePoweringOffBeforeDelete)
			return handlePoweringOffBeforeDelete(m)
		}
		m.setState(metal3.StateAvailable)
		return handleAvailable(m)
	}
	if s, ok := m.towardAvailable(metal3.ProvisioningError, "cleaning after deprovisioning failed: "); ok {
		return s
	}
	return m.waitNode()
}

// deprovisioningAbandoned reports whether a host being deleted has failed to deprovision
// maxDeprovisionAttemptsBeforeDelete times in a row: cleaning failed in deprovisioning, or the
// undeploy itself was refused while provisioned (a refused action keeps the host's state).
func (m *machine) deprovisioningAbandoned() bool {
	if m.host.DeletionTimestamp == nil || m.status.ErrorCount < maxDeprovisionAttemptsBeforeDelete {
		return false
	}
	return m.state() == metal3.StateDeprovisioning ||
		(m.state() == metal3.StateProvisioned && m.status.ErrorType == metal3.ProvisioningError)
}

// abandonDeprovisioning gives up deprovisioning a host being deleted, so the deletion never
// hangs on a broken server: the node is powered off and deleted without cleaning.
func (m *machine) abandonDeprovisioning() step {
	last := ""
	if m.status.ErrorMessage != "" {
		last = " (last error: " + m.status.ErrorMessage + ")"
	}
	m.event(corev1.EventTypeWarning, "DeprovisioningAbandoned",
		"Deprovisioning failed %d times while the host is being deleted; giving up: the node is deleted without cleaning, so its disks may still hold data%s",
		m.status.ErrorCount, last)
	m.setState(metal3.StatePoweringOffBeforeDelete)
	return handlePoweringOffBeforeDelete(m)
}
