package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// detach removes the node from the provisioner without touching the machine: the host keeps
// its state (a provisioned host stays provisioned) and reports operationalStatus detached.
// When the annotation goes, the handlers register the node again and adopt it.
func (m *machine) detach() step {
	n := m.node
	if n == nil {
		if m.host.DeletionTimestamp != nil {
			m.remove = true
			return steady()
		}
		return steady().explain(ReasonDetached, "the node was removed from the provisioner as annotation "+DetachedAnnotation+
			" asks; remove the annotation to manage the host again")
	}
	if n.Locked {
		return m.waitNode()
	}
	if m.status.OperationalStatus != metal3.OperationalStatusDetached {
		m.event(corev1.EventTypeNormal, "Detached", "Removing the node from the provisioner without deprovisioning the host")
	}
	return act(Action{Kind: ActionDelete})
}
