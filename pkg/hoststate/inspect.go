package hoststate

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleInspecting runs hardware inspection and records what it found.
func handleInspecting(d *decision) step {
	n := d.node
	switch n.ProvisionState {
	case provisioner.StateManageable:
		if !n.Stable() {
			return d.waitNode()
		}
		if !inspectionStarted(d.status) {
			return d.startInspection()
		}
		return d.inspectionComplete()
	case provisioner.StateCleaning, provisioner.StateCleanWait, provisioner.StateCleanFail, provisioner.StateAvailable:
		if inspectionStarted(d.status) {
			// Inspection finished and preparation (provide) was asked for, but the status
			// saying so was lost: record the hardware and go on preparing, never inspecting
			// and cleaning the node all over again.
			return d.inspectionComplete()
		}
	}
	switch n.ProvisionState {
	case provisioner.StateInspectFail:
		// Inspect again from the start once the node is manageable.
		d.status.OperationHistory.Inspect.Start = metav1.Time{}
		return d.failOrRetry(metal3.InspectionError, "inspection failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateAvailable, provisioner.StateCleanFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return d.waitNode()
}

// inspectionComplete records the hardware the inspection found and moves on to preparing.
func (d *decision) inspectionComplete() step {
	hw := d.hardware()
	if hw == nil {
		return waitFor(actionPoll)
	}
	d.status.HardwareDetails = hw.DeepCopy()
	d.status.OperationHistory.Inspect.End = d.now()
	d.event(corev1.EventTypeNormal, "InspectionComplete", "Hardware inspection completed")
	d.setState(metal3.StatePreparing)
	return handlePreparing(d)
}

func (d *decision) startInspection() step {
	if problem := fastInspectionProblem(d.host); problem != "" {
		return d.failFastInspection(problem)
	}
	if !canInspect(d.host, d.in.InBandInspection) && !reinspectRequested(d.host) {
		// Here after fast inspection was refused and the mode changed: a BMC driver without
		// out-of-band inspection skips it, as at registration. (An inspection the user asked
		// for with the inspect annotation is tried, and Ironic's refusal reported, as before.)
		return d.skipInspection()
	}
	if _, ok := d.host.Annotations[InspectAnnotation]; ok && reinspectRequested(d.host) {
		d.removeAnnotations = append(d.removeAnnotations, InspectAnnotation)
	}
	d.status.OperationHistory.Inspect = metal3.OperationMetric{Start: d.now()}
	d.event(corev1.EventTypeNormal, "InspectionStarted", "Hardware inspection started")
	return act(Action{Kind: ActionInspect})
}

// inspectionStarted reports whether an inspection was started and has not completed.
func inspectionStarted(st metal3.BareMetalHostStatus) bool {
	return !st.OperationHistory.Inspect.Start.IsZero() && st.OperationHistory.Inspect.End.IsZero()
}

// hardware is what inspection found. When the controller did not read it, it is nil and the
// result asks for it (Result.NeedsHardware): the controller reads it and decides again.
func (d *decision) hardware() *metal3.HardwareDetails {
	if d.in.Hardware == nil {
		d.needsHardware = true
	}
	return d.in.Hardware
}
