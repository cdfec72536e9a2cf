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
		if m.in.Hardware == nil {
			// The controller reads the hardware when NeedsHardware says so.
			return waitFor(actionPoll)
		}
		m.status.HardwareDetails = m.in.Hardware.DeepCopy()
		m.status.OperationHistory.Inspect.End = m.now()
		m.event(corev1.EventTypeNormal, "InspectionComplete", "Hardware inspection completed")
		m.setState(metal3.StatePreparing)
		return handlePreparing(m)
	case provisioner.StateInspectFail:
		// Inspect again from the start once the node is manageable.
		m.status.OperationHistory.Inspect.Start = metav1.Time{}
		return m.failOrRetry(metal3.InspectionError, "inspection failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateAvailable, provisioner.StateCleanFail, provisioner.StateAdoptFail:
		return act(Action{Kind: ActionRecover})
	}
	return m.waitNode()
}

func (m *machine) startInspection() step {
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
func NeedsHardware(host *metal3.BareMetalHost, node *provisioner.Node) bool {
	return host.Status.Provisioning.State == metal3.StateInspecting && host.DeletionTimestamp == nil &&
		node != nil && node.ProvisionState == provisioner.StateManageable && node.Stable() &&
		inspectionStarted(host.Status)
}
