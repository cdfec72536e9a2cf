package hoststate

import (
	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleNone starts managing a new host.
func handleNone(d *decision) step {
	if d.host.Spec.BMC.Address == "" {
		d.setState(metal3.StateUnmanaged)
		return steady()
	}
	return d.startRegistration()
}

// handleUnmanaged waits for BMC details.
func handleUnmanaged(d *decision) step {
	if d.host.Spec.BMC.Address == "" {
		return steady()
	}
	return d.startRegistration()
}

func (d *decision) startRegistration() step {
	d.setState(metal3.StateRegistering)
	d.status.OperationHistory.Register = metal3.OperationMetric{Start: d.now()}
	return handleRegistering(d)
}

// handleRegistering creates the node and waits until the backend has verified BMC access.
func handleRegistering(d *decision) step {
	if s, done := d.register(); done {
		return s
	}
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateEnroll:
		if n.LastError != "" && n.Stable() {
			return d.failOrRetry(metal3.RegistrationError, "BMC access verification failed: "+n.LastError, Action{Kind: ActionManage})
		}
		return act(Action{Kind: ActionManage})
	case provisioner.StateManageable, provisioner.StateAvailable, provisioner.StateActive:
		if !n.Stable() {
			return d.waitNode()
		}
		d.credentialsValidated()
		return d.registered()
	case provisioner.StateInspecting, provisioner.StateInspectWait:
		// The inspection this controller started once registration completed, before the
		// status saying so was lost: wait for it as inspecting, do not start another.
		d.credentialsValidated()
		d.status.OperationHistory.Register.End = d.now()
		d.setState(metal3.StateInspecting)
		d.status.OperationHistory.Inspect = metal3.OperationMetric{Start: d.now()}
		return d.waitNode()
	case provisioner.StateInspectFail, provisioner.StateCleanFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return d.waitNode()
}

// registered moves a host whose node is verified on to its next state.
func (d *decision) registered() step {
	if s, done := d.matchProfile(metal3.RegistrationError); done {
		return s
	}
	if n := d.node; !d.host.Spec.ExternallyProvisioned && n.ProvisionState == provisioner.StateManageable {
		if s, done := d.noSlot(); done {
			return s
		}
	}
	d.status.OperationHistory.Register.End = d.now()
	d.event(corev1.EventTypeNormal, "Registered", "Registered host with BMC %s", d.host.Spec.BMC.Address)
	n := d.node
	switch {
	case d.host.Spec.ExternallyProvisioned:
		d.setState(metal3.StateExternallyProvisioned)
		return handleExternallyProvisioned(d)
	case n.ProvisionState == provisioner.StateActive:
		// A node already running an image (found again after a lost database): keep it.
		d.setState(metal3.StateProvisioned)
		return handleProvisioned(d)
	case n.ProvisionState == provisioner.StateAvailable:
		if d.status.HardwareDetails == nil && !inspectionDisabled(d.host) && canInspect(d.host, d.in.InBandInspection) {
			// Inspected and prepared before the statuses saying so were written.
			if hw := d.hardware(); hw != nil {
				d.status.HardwareDetails = hw.DeepCopy()
			}
		}
		d.setState(metal3.StateAvailable)
		return handleAvailable(d)
	case fastInspectionProblem(d.host) != "":
		return d.failFastInspection(fastInspectionProblem(d.host))
	case inspectionDisabled(d.host) || !canInspect(d.host, d.in.InBandInspection):
		return d.skipInspection()
	}
	if n.Inspected && d.status.HardwareDetails == nil && d.hardware() != nil {
		// Inspected already (the status saying it was inspecting was lost, or the node was
		// enrolled and inspected before this host took it): use what Ironic found.
		d.setState(metal3.StateInspecting)
		d.status.OperationHistory.Inspect = metal3.OperationMetric{Start: d.now()}
		return d.inspectionComplete()
	}
	d.setState(metal3.StateInspecting)
	return d.startInspection()
}

// skipInspection moves a host that is not inspected on to preparing, with the hardware
// details of its annotation if it has one.
func (d *decision) skipInspection() step {
	hw, ok, err := hardwareFromAnnotation(d.host)
	if err != nil {
		return d.fail(metal3.InspectionError, err.Error()).because(ReasonInvalidAnnotation)
	}
	if ok {
		d.status.HardwareDetails = hw
		d.removeAnnotations = append(d.removeAnnotations, HardwareDetailsAnnotation)
	}
	d.setState(metal3.StatePreparing)
	return handlePreparing(d)
}
