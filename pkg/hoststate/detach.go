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

// restoreStatus copies StatusAnnotation onto a host that has no status yet (one moved from
// another cluster). stop=true ends the decision with the returned step.
func (m *machine) restoreStatus() (step, bool) {
	if _, ok := m.host.Annotations[StatusAnnotation]; !ok {
		return step{}, false
	}
	if !statusEmpty(m.in.Host.Status) {
		// The host already has a status of its own: the annotation is stale.
		m.removeAnnotations = append(m.removeAnnotations, StatusAnnotation)
		return step{}, false
	}
	st, _, err := statusFromAnnotation(m.host)
	if err != nil {
		return m.fail(metal3.RegistrationError, err.Error()).because(ReasonInvalidAnnotation), true
	}
	m.status = *st
	m.status.Conditions = nil
	m.removeAnnotations = append(m.removeAnnotations, StatusAnnotation)
	m.event(corev1.EventTypeNormal, "StatusRestored", "Status restored from annotation %s: %s", StatusAnnotation, st.Provisioning.State)
	// Decide from the restored status right away: its node may need registering.
	return m.run(), true
}

func statusEmpty(st metal3.BareMetalHostStatus) bool {
	return st.Provisioning.State == "" && st.Provisioning.ID == "" && st.LastUpdated == nil
}
