package hoststate

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleInspecting runs hardware inspection and records what it found.
func handleInspecting(m *machine) step {
	// A node that is registered again (the backend lost it) has no inspection data: an
	// inspection started on the old node must start over, or the host waits for hardware
	// details that never come.
	if s, ok := m.register(); !ok {
		if m.node == nil {
			m.status.OperationHistory.Inspect.Start = metav1.Time{}
		}
		return s
	}
	if s, ok := m.reenroll(); ok {
		m.status.OperationHistory.Inspect.Start = metav1.Time{}
		return s
	}
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateManageable:
		if !n.Stable() {
			return m.waitNode()
		}
		if !inspectionStarted(m.status) {
			return m.startInspection()
		}
		return m.inspectionComplete()
	case provisioner.StateCleaning, provisioner.StateCleanWait, provisioner.StateCleanFail, provisioner.StateAvailable:
		if inspectionStarted(m.status) {
			// Inspection finished and preparation (provide) was asked for, but the status
			// saying so was lost: record the hardware and go on preparing, never inspecting
			// and cleaning the node all over again.
			return m.inspectionComplete()
		}
	}
	switch n.ProvisionState {
	case provisioner.StateInspectFail:
		// Inspect again from the start once the node is manageable.
		m.status.OperationHistory.Inspect.Start = metav1.Time{}
		return m.failOrRetry(metal3.InspectionError, "inspection failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateAvailable, provisioner.StateCleanFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return m.waitNode()
}

// inspectionComplete records the hardware the inspection found and moves on to preparing.
func (m *machine) inspectionComplete() step {
	if m.in.Hardware == nil {
		// The controller reads the hardware when NeedsHardware says so.
		return waitFor(actionPoll)
	}
	m.status.HardwareDetails = m.in.Hardware.DeepCopy()
	m.status.OperationHistory.Inspect.End = m.now()
	m.event(corev1.EventTypeNormal, "InspectionComplete", "Hardware inspection completed")
	m.setState(metal3.StatePreparing)
	return handlePreparing(m)
}

func (m *machine) startInspection() step {
	if problem := fastInspectionProblem(m.host); problem != "" {
		return m.failFastInspection(problem)
	}
	if !canInspect(m.host) && !reinspectRequested(m.host) {
		// Here after fast inspection was refused and the mode changed: a BMC driver without
		// out-of-band inspection skips it, as at registration. (An inspection the user asked
		// for with the inspect annotation is tried, and Ironic's refusal reported, as before.)
		return m.skipInspection()
	}
	if _, ok := m.host.Annotations[InspectAnnotation]; ok && reinspectRequested(m.host) {
		m.removeAnnotations = append(m.removeAnnotations, InspectAnnotation)
	}
	m.status.OperationHistory.Inspect = metal3.OperationMetric{Start: m.now()}
	m.event(corev1.EventTypeNormal, "InspectionStarted", "Hardware inspection started")
	return act(Action{Kind: ActionInspect})
}

// inspectionStarted reports whether an inspection was started and has not completed.
func inspectionStarted(st metal3.BareMetalHostStatus) bool {
	return !st.OperationHistory.Inspect.Start.IsZero() && st.OperationHistory.Inspect.End.IsZero()
}

// NeedsHardware reports whether inspection has finished on the node and the controller should
// read the hardware details and pass them in Input.Hardware.
//
// That is when the host is inspecting, started an inspection, and the node is manageable
// again or already past it on the way to available (preparation was asked for before a status
// write was lost); or when a registering host with inspection enabled and no hardware details
// finds its node inspected already, or being prepared (the writes saying so were lost).
func NeedsHardware(host *metal3.BareMetalHost, node *provisioner.Node) bool {
	if host.DeletionTimestamp != nil || node == nil {
		return false
	}
	switch host.Status.Provisioning.State {
	case metal3.StateInspecting:
		if !inspectionStarted(host.Status) {
			return false
		}
		return (node.ProvisionState == provisioner.StateManageable && node.Stable()) || preparingNode(node)
	case metal3.StateNone, metal3.StateRegistering:
		inspected := preparingNode(node) || (node.Inspected && node.ProvisionState == provisioner.StateManageable && node.Stable())
		return inspected && host.Status.HardwareDetails == nil && !inspectionDisabled(host) && canInspect(host)
	}
	return false
}

// preparingNode reports whether the node is being cleaned for, or has reached, available.
func preparingNode(n *provisioner.Node) bool {
	switch n.ProvisionState {
	case provisioner.StateCleaning, provisioner.StateCleanWait, provisioner.StateCleanFail, provisioner.StateAvailable:
		return true
	}
	return false
}
