package hoststate

import metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

// setOperationalStatus sets the operational statuses that follow from where the host rests
// rather than from an error, as metal3 does: an error always shows as "error"; otherwise a
// detached host is "detached", a host waiting for a provisioning slot (metal3's limit of hosts
// provisioning or deprovisioning at once) "delayed", and a host without BMC details
// (unmanaged) "discovered". A host leaving such a wait is "OK" again.
func (d *decision) setOperationalStatus(waitingForSlot bool) {
	if d.status.ErrorType != "" {
		return
	}
	switch {
	case d.detached:
		d.status.OperationalStatus = metal3.OperationalStatusDetached
	case waitingForSlot:
		d.status.OperationalStatus = metal3.OperationalStatusDelayed
	case d.state() == metal3.StateUnmanaged:
		d.status.OperationalStatus = metal3.OperationalStatusDiscovered
	case d.status.OperationalStatus == metal3.OperationalStatusDelayed ||
		d.status.OperationalStatus == metal3.OperationalStatusDiscovered:
		d.status.OperationalStatus = metal3.OperationalStatusOK
	}
}
