package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// detachable are the states in which DetachedAnnotation takes effect without "force" (metal3's
// list): the host is not in the middle of an operation.
var detachable = map[metal3.ProvisioningState]bool{
	metal3.StateAvailable: true, metal3.StateReady: true, metal3.StateProvisioned: true, metal3.StateExternallyProvisioned: true,
}

// detachRequested reports whether the host is to be detached now: it carries the annotation and
// is in a detachable state, or the annotation says "force", or it is detached already.
func (d *decision) detachRequested() bool {
	args, ok := detachAnnotation(d.host)
	if !ok {
		return false
	}
	return args.Force || detachable[d.state()] || d.status.OperationalStatus == metal3.OperationalStatusDetached
}

// detach removes the node from the provisioner without touching the machine: the host keeps
// its state (a provisioned host stays provisioned) and reports operationalStatus detached once
// the node is gone (as metal3 does: detached means the provisioner no longer has it). A host
// deleted while detached first loses its node, then goes, or waits while its annotation says
// {"deleteAction":"delay"}. When the annotation goes, the handlers register the node again
// and adopt it.
func (d *decision) detach() step {
	if n := d.node; n != nil {
		if n.Locked {
			// Not detached until the node is gone: a status saying so now would let a client
			// act (delete the host, move it) on a node the provisioner still holds.
			d.detached = false
			return d.waitNode()
		}
		if d.status.OperationalStatus != metal3.OperationalStatusDetached {
			d.event(corev1.EventTypeNormal, "Detached", "Removing the node from the provisioner without deprovisioning the host")
		}
		return act(Action{Kind: ActionDelete})
	}
	if d.host.DeletionTimestamp != nil {
		if args, _ := detachAnnotation(d.host); args.DeleteAction == "delay" {
			return steady().explain(ReasonDetached, "deletion is delayed while annotation "+DetachedAnnotation+
				` says {"deleteAction":"delay"}; remove the annotation to let the host go`)
		}
		d.remove = true
		return steady()
	}
	return steady().explain(ReasonDetached, "the node was removed from the provisioner as annotation "+DetachedAnnotation+
		" asks; remove the annotation to manage the host again")
}
