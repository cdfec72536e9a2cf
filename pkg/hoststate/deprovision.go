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
	return handleDeprovisioning(m)
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
