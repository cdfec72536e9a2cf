package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// restoreStatus copies StatusAnnotation onto a host that has no state yet: one moved from
// another cluster (clusterctl move writes the annotation, recreates the host paused, then
// unpauses it). done: the returned step ends the decision.
//
// A value that cannot be decoded never makes the host look new: registering it would inspect,
// clean and deploy a server that is running. The host keeps its empty state, reports the
// problem, and nothing is sent to the provisioner until the annotation is fixed or removed.
func (d *decision) restoreStatus() (s step, done bool) {
	if _, ok := d.host.Annotations[StatusAnnotation]; !ok {
		return step{}, false
	}
	if d.in.Host.Status.Provisioning.State != metal3.StateNone {
		// The host already has a status of its own: the annotation is stale.
		d.removeAnnotations = append(d.removeAnnotations, StatusAnnotation)
		return step{}, false
	}
	st, _, err := statusFromAnnotation(d.host)
	if err != nil {
		if d.host.DeletionTimestamp != nil {
			// Nothing is known of the server: let the host go and leave its node alone.
			d.remove = true
			d.event(corev1.EventTypeWarning, ReasonInvalidAnnotation,
				"Host deleted with an undecodable %s annotation; its Ironic node, if any, was left as it is", StatusAnnotation)
			return steady(), true
		}
		return d.fail(metal3.RegistrationError, err.Error()+"; nothing is done to the host until the annotation is fixed or removed").
			because(ReasonInvalidAnnotation), true
	}
	id := d.status.Provisioning.ID
	d.status = *st
	if id != "" && d.status.Provisioning.ID == "" {
		d.status.Provisioning.ID = id
	}
	d.status.Conditions = nil
	if d.in.HardwareData != nil {
		// metal3's rule: the moved HardwareData wins over the annotation's copy (CAPM3 strips
		// hardware from the annotation and moves the HardwareData beside the host).
		d.status.HardwareDetails = d.in.HardwareData.DeepCopy()
	}
	d.removeAnnotations = append(d.removeAnnotations, StatusAnnotation)
	d.event(corev1.EventTypeNormal, "StatusRestored", "Status restored from annotation %s: %s", StatusAnnotation, st.Provisioning.State)
	// Decide from the restored status right away: its node may need registering.
	return d.run(), true
}

// NeedsNode reports whether the decision needs the host's node: a host without BMC details has
// none.
func NeedsNode(h *metal3.BareMetalHost) bool {
	return h.Spec.BMC.Address != "" || h.Status.Provisioning.ID != ""
}

// NeedsHardwareData reports whether the decision wants the HardwareData named after the host
// in Input.HardwareData: a status is about to be restored from StatusAnnotation.
func NeedsHardwareData(h *metal3.BareMetalHost) bool {
	_, ok := h.Annotations[StatusAnnotation]
	return ok && h.Status.Provisioning.State == metal3.StateNone
}
