package hoststate

import metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

// setOperationalStatus sets the operational statuses that follow from where the host rests
// rather than from an error, as metal3 does: an error always shows as "error"; otherwise a
// detached host is "detached", a host waiting for a provisioning slot (metal3's limit of hosts
// provisioning or deprovisioning at once) "delayed", and a host without BMC details
// (unmanaged) "discovered". A host leaving such a wait is "OK" again.
func (m *machine) setOperationalStatus(waitingForSlot bool) {
	if m.status.ErrorType != "" {
		return
	}
	switch {
	case m.detached:
		m.status.OperationalStatus = metal3.OperationalStatusDetached
	case waitingForSlot:
		m.status.OperationalStatus = metal3.OperationalStatusDelayed
	case m.state() == metal3.StateUnmanaged:
		m.status.OperationalStatus = metal3.OperationalStatusDiscovered
	case m.status.OperationalStatus == metal3.OperationalStatusDelayed ||
		m.status.OperationalStatus == metal3.OperationalStatusDiscovered:
		m.status.OperationalStatus = metal3.OperationalStatusOK
	}
}
