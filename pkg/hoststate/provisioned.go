package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleProvisioned keeps a provisioned host powered as spec.online says, deprovisions it when
// its image is removed or changed, and adopts its node again if the backend lost it.
func handleProvisioned(d *decision) step {
	if s, done := d.deprovisioningUnderway(); done {
		return s
	}
	n := d.node
	if imageChanged(d.host, d.status) && n.ProvisionState == provisioner.StateActive {
		return d.startDeprovisioning()
	}
	return d.runningNode(metal3.ProvisionedRegistrationError)
}

// handleExternallyProvisioned adopts the node without deploying and manages its power.
func handleExternallyProvisioned(d *decision) step {
	if d.node.ProvisionState == provisioner.StateAvailable && d.node.Stable() {
		return act(Action{Kind: ActionRecover}) // back to manageable, from where it is adopted
	}
	if !d.host.Spec.ExternallyProvisioned && d.node.ProvisionState == provisioner.StateActive && d.node.Stable() {
		// Switched off: the host is provisioned with what the spec says it runs (metal3's
		// rule). Nothing is deployed or cleaned; a later image change deprovisions as usual.
		p := &d.status.Provisioning
		p.Image = metal3.Image{}
		if d.host.Spec.Image != nil {
			p.Image = *d.host.Spec.Image.DeepCopy()
		}
		p.CustomDeploy = d.host.Spec.CustomDeploy.DeepCopy()
		d.setState(metal3.StateProvisioned)
		d.event(corev1.EventTypeNormal, "Provisioned", "Host no longer marked externally provisioned; now provisioned with what it runs")
		return d.runningNode(metal3.ProvisionedRegistrationError)
	}
	return d.runningNode(metal3.ProvisionedRegistrationError)
}

// runningNode handles a node that should be active: adopt it if it is merely manageable (a
// re-enrolled node is never deployed again), otherwise manage its power.
func (d *decision) runningNode(errType metal3.ErrorType) step {
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateActive:
		if !n.Stable() {
			return d.waitNode()
		}
		return d.managePower()
	case provisioner.StateManageable:
		if !n.Stable() {
			return d.waitNode()
		}
		return act(Action{Kind: ActionAdopt})
	case provisioner.StateAdoptFail:
		return d.failOrRetry(errType, "adoption failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateDeployFail, provisioner.StateError:
		return d.fail(errType, "node is in state "+string(n.ProvisionState)+": "+n.LastError)
	}
	return d.waitNode()
}

// provisionedState reports whether the host runs an image: provisioned or externally provisioned.
func (d *decision) provisionedState() bool {
	return d.state() == metal3.StateProvisioned || d.state() == metal3.StateExternallyProvisioned
}
