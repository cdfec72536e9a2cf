package machine

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// machineProblem is what keeps a Machine from a working host, as status.errorReason and
// status.errorMessage report it.
type machineProblem struct {
	reason  machinev1.MachineStatusError
	message string
}

func problem(reason machinev1.MachineStatusError, format string, args ...interface{}) *machineProblem {
	return &machineProblem{reason: reason, message: fmt.Sprintf(format, args...)}
}

// ownedStatus is the part of a Machine's status the actuator writes; the rest (nodeRef and
// fields this project does not model) belongs to others.
type ownedStatus struct {
	phase        string
	errorReason  *machinev1.MachineStatusError
	errorMessage *string
	addresses    []corev1.NodeAddress
}

// decideStatus derives the Machine's status from what the actuator found: the host that backs
// it (nil when there is none) and the problem, if any. It is pure; a problem that goes away
// clears errorReason and errorMessage.
func decideStatus(m *machinev1.Machine, host *metal3.BareMetalHost, p *machineProblem) ownedStatus {
	var st ownedStatus
	if host != nil {
		st.addresses = hostAddresses(host)
		if p == nil {
			p = hostProblem(host, m.DeletionTimestamp != nil)
		}
	}
	switch {
	case m.DeletionTimestamp != nil:
		st.phase = machinev1.PhaseDeleting
	case p != nil && p.reason != machinev1.InsufficientResourcesMachineError:
		st.phase = machinev1.PhaseFailed
	case host == nil:
		st.phase = machinev1.PhaseProvisioning
	default:
		st.phase = hostPhase(m, host)
	}
	if p != nil {
		reason, message := p.reason, p.message
		st.errorReason, st.errorMessage = &reason, &message
	}
	return st
}

// hostPhase is the phase of a Machine whose host is healthy.
func hostPhase(m *machinev1.Machine, h *metal3.BareMetalHost) string {
	switch h.Status.Provisioning.State {
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned:
		if m.Status.NodeRef != nil {
			return machinev1.PhaseRunning
		}
		return machinev1.PhaseProvisioned
	}
	return machinev1.PhaseProvisioning
}

// hostProblem reports the host's own error on its Machine: a host that fails before it was
// provisioned is a CreateError, afterwards an UpdateError, and while the Machine is being
// deleted a DeleteError. The host controller may still recover; the problem is cleared then.
func hostProblem(h *metal3.BareMetalHost, deleting bool) *machineProblem {
	if h.Status.ErrorType == "" {
		return nil
	}
	reason := machinev1.CreateMachineError
	switch {
	case deleting:
		reason = machinev1.DeleteMachineError
	case h.Status.Provisioning.State == metal3.StateProvisioned:
		reason = machinev1.UpdateMachineError
	}
	return problem(reason, "BareMetalHost %s/%s has a %s: %s", h.Namespace, h.Name, h.Status.ErrorType, h.Status.ErrorMessage)
}

// hostAddresses are the addresses the host's inspection found: every NIC's IP as an
// InternalIP, and the host name as Hostname and InternalDNS.
func hostAddresses(h *metal3.BareMetalHost) []corev1.NodeAddress {
	hw := h.Status.HardwareDetails
	if hw == nil {
		return nil
	}
	var out []corev1.NodeAddress
	seen := map[string]bool{}
	for _, nic := range hw.NIC {
		if nic.IP == "" || seen[nic.IP] {
			continue
		}
		seen[nic.IP] = true
		out = append(out, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: nic.IP})
	}
	if hw.Hostname != "" {
		out = append(out,
			corev1.NodeAddress{Type: corev1.NodeHostName, Address: hw.Hostname},
			corev1.NodeAddress{Type: corev1.NodeInternalDNS, Address: hw.Hostname})
	}
	return out
}

// statusDiffers reports whether the Machine's status differs from what the actuator wants.
func statusDiffers(cur machinev1.MachineStatus, want ownedStatus) bool {
	return stringValue(cur.Phase) != want.phase ||
		!equality.Semantic.DeepEqual(cur.ErrorReason, want.errorReason) ||
		!equality.Semantic.DeepEqual(cur.ErrorMessage, want.errorMessage) ||
		!equalAddresses(cur.Addresses, want.addresses)
}

func equalAddresses(a, b []corev1.NodeAddress) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return equality.Semantic.DeepEqual(a, b)
}

func stringValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
