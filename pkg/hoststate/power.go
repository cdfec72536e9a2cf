package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// managePower makes the node's power follow spec.online in a stable state.
func (d *decision) managePower() step {
	n := d.node
	if n.TargetPowerState != provisioner.PowerUnknown {
		return d.waitNode()
	}
	want := d.host.Spec.Online || d.host.Spec.DisablePowerOff
	// As in metal3, reboot and power-off requests apply to running hosts; an available host
	// obeys only those that say "force":true.
	rb := rebootAnnotations(d.host, !d.provisionedState())
	if rb.problem != "" {
		return d.fail(metal3.PowerManagementError, rb.problem).because(ReasonInvalidAnnotation)
	}
	if rb.once {
		if d.host.Spec.DisablePowerOff {
			d.removeAnnotations = append(d.removeAnnotations, RebootAnnotation)
			d.event(corev1.EventTypeNormal, "Reboot", "Host rebooted as requested by annotation %s", RebootAnnotation)
			return act(Action{Kind: ActionReboot, Soft: rb.soft})
		}
		if n.PowerState == provisioner.PowerOn {
			d.event(corev1.EventTypeNormal, "PowerOff", "Host powered off for a reboot requested by annotation %s", RebootAnnotation)
			return act(Action{Kind: ActionPowerOff, Soft: rb.soft})
		}
		// Off: the reboot's power-off is done; spec.online brings the host back.
		d.removeAnnotations = append(d.removeAnnotations, RebootAnnotation)
	}
	if rb.holdOff && !d.host.Spec.DisablePowerOff {
		if n.PowerState == provisioner.PowerOn {
			d.event(corev1.EventTypeNormal, "PowerOff", "Host powered off while %s/* annotations are present", RebootAnnotation)
			return act(Action{Kind: ActionPowerOff, Soft: rb.soft})
		}
		return steady().explain(ReasonPoweredOffByAnnotation, fmt.Sprintf("held powered off until every %s/<key> annotation is removed", RebootAnnotation))
	}
	switch {
	case want && n.PowerState != provisioner.PowerOn:
		if s, done := d.powerFailed(); done {
			return s
		}
		d.event(corev1.EventTypeNormal, "PowerOn", "Host powered on")
		return act(Action{Kind: ActionPowerOn})
	case !want && n.PowerState == provisioner.PowerOn:
		if s, done := d.powerFailed(); done {
			return s
		}
		d.event(corev1.EventTypeNormal, "PowerOff", "Host powered off")
		return act(Action{Kind: ActionPowerOff, Soft: true})
	}
	return steady()
}

// powerFailed handles a power state that did not follow an earlier request: the backend's
// error is reported, then the request is retried after the backoff.
func (d *decision) powerFailed() (s step, done bool) {
	st := d.in.Host.Status
	if st.ErrorType == metal3.PowerManagementError {
		if d.backoffElapsed() {
			return step{}, false
		}
		d.status.ErrorType, d.status.ErrorMessage = st.ErrorType, st.ErrorMessage
		d.status.OperationalStatus = metal3.OperationalStatusError
		return waitFor(max(d.retryWait(), actionPoll)), true
	}
	if d.node.LastError != "" {
		return d.fail(metal3.PowerManagementError, "power change failed: "+d.node.LastError), true
	}
	return step{}, false
}
