package hoststate

import metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

// networkDataChanged reports whether the node must get another version of the preprovisioning
// network data (spec.preprovisioningNetworkDataName), as metal3 updates the node's
// network_data. A host on its way out is left as it is: as in metal3, a Secret removed during
// deletion never holds it up.
func (d *decision) networkDataChanged() bool {
	return !BeingDeleted(d.host) && d.node.NetworkDataVersion != d.in.NetworkDataVersion
}

// BeingDeleted reports whether the host is on its way out: deleted, or in a deletion state.
func BeingDeleted(h *metal3.BareMetalHost) bool {
	if h.DeletionTimestamp != nil {
		return true
	}
	switch h.Status.Provisioning.State {
	case metal3.StateDeleting, metal3.StatePoweringOffBeforeDelete:
		return true
	}
	return false
}
