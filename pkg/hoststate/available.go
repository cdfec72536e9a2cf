package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleAvailable keeps an available host powered as spec.online says and starts provisioning
// once it has an image.
func handleAvailable(d *decision) step {
	d.forgetAttemptsWithoutImage()
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return d.waitNode()
		}
		if d.host.Spec.ExternallyProvisioned {
			// Switched on for an available host: the user says it runs something already.
			// Adopt it as it is (manageable, then adopt): never a deploy or a clean.
			d.setState(metal3.StateExternallyProvisioned)
			d.event(corev1.EventTypeNormal, "ExternallyProvisioned", "Host marked externally provisioned; adopting it as it is")
			return handleExternallyProvisioned(d)
		}
		if needsProvisioning(d.host) {
			return d.startProvisioning()
		}
		if reinspectRequested(d.host) {
			if s, done := d.noSlot(); done {
				return s
			}
			d.setState(metal3.StateInspecting)
			d.status.OperationHistory.Inspect = metal3.OperationMetric{}
			return act(Action{Kind: ActionRecover}) // manageable first; inspection follows
		}
		return d.managePower()
	case provisioner.StateActive:
		return d.fail(metal3.ProvisioningError, "the node is active although the host is available; remove the node from Ironic or mark the host externally provisioned")
	case provisioner.StateManageable:
		// Made manageable on the way to adoption or re-inspection, before the status saying
		// so was written: go on with that, never provide (clean) the node in between.
		if n.Stable() && d.host.Spec.ExternallyProvisioned {
			d.setState(metal3.StateExternallyProvisioned)
			return handleExternallyProvisioned(d)
		}
		if n.Stable() && reinspectRequested(d.host) {
			if s, done := d.noSlot(); done {
				return s
			}
			d.setState(metal3.StateInspecting)
			d.status.OperationHistory.Inspect = metal3.OperationMetric{}
			return handleInspecting(d)
		}
	}
	if s, done := d.towardAvailable(metal3.PreparationError, "cleaning failed: "); done {
		return s
	}
	return d.waitNode()
}
