package hoststate

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// metal3's condition types, with metal3's meanings: a metal3 user's
// `kubectl wait --for=condition=Ready` waits for the same thing here.
const (
	// ConditionManageable: the host is registered and its BMC reports no power fault.
	ConditionManageable = "Manageable"
	// ConditionAvailableForProvisioning: the host is available (or ready) for an image.
	ConditionAvailableForProvisioning = "AvailableForProvisioning"
	// ConditionProvisioned: the host is provisioned or externally provisioned.
	ConditionProvisioned = "Provisioned"
	// ConditionReady: the host is provisioned (or externally provisioned) and its operational
	// status is good (not error, not detached).
	ConditionReady = "Ready"
	// ConditionProgressing: the host is in an intermediate state on its way to a stable one.
	ConditionProgressing = "Progressing"
	// ConditionHealthy: the health the BMC reports, through the provisioner.
	ConditionHealthy = "Healthy"
)

// metal3's reasons of those conditions. ReasonDetached and ReasonDeleting (settled.go) carry
// metal3's values too.
const (
	ReasonManageable              = "Manageable"
	ReasonNotManaged              = "NotManaged"
	ReasonRegistering             = "Registering"
	ReasonRegistrationFailed      = "RegistrationFailed"
	ReasonPowerFailure            = "PowerFailure"
	ReasonProvisioned             = "Provisioned"
	ReasonNotProvisioned          = "NotProvisioned"
	ReasonProvisioning            = "Provisioning"
	ReasonError                   = "Error"
	ReasonAvailable               = "Available"
	ReasonNotAvailable            = "NotAvailable"
	ReasonInspecting              = "Inspecting"
	ReasonPreparing               = "Preparing"
	ReasonDeprovisioning          = "Deprovisioning"
	ReasonPoweringOffBeforeDelete = "PoweringOffBeforeDelete"
	ReasonNotProgressing          = "NotProgressing"
	ReasonUnknownHealth           = "Unknown"
)

// powerFailureFault is the fault Ironic records on a node whose power cannot be read.
const powerFailureFault = "power failure"

// progressingReasons are the intermediate states and the Progressing reason of each.
var progressingReasons = map[metal3.ProvisioningState]string{
	metal3.StatePreparing:               ReasonPreparing,
	metal3.StateProvisioning:            ReasonProvisioning,
	metal3.StateDeprovisioning:          ReasonDeprovisioning,
	metal3.StateInspecting:              ReasonInspecting,
	metal3.StateMatchProfile:            ReasonInspecting,
	metal3.StatePoweringOffBeforeDelete: ReasonPoweringOffBeforeDelete,
	metal3.StateDeleting:                ReasonDeleting,
}

// conditionValue is one condition's status and reason.
type conditionValue struct {
	status metav1.ConditionStatus
	reason string
}

func isTrue(reason string) conditionValue  { return conditionValue{metav1.ConditionTrue, reason} }
func isFalse(reason string) conditionValue { return conditionValue{metav1.ConditionFalse, reason} }

// metal3Conditions returns metal3's condition values for a host status and its node (nil when
// there is none), by metal3's rules: first from the provisioning state, then the operational
// status (error, detached) and a power fault of the node override some of them. Healthy is not
// included: Ironic up to API 1.95 reports no health, so it stays Unknown.
func metal3Conditions(st *metal3.BareMetalHostStatus, n *provisioner.Node) map[string]conditionValue {
	c := map[string]conditionValue{
		ConditionManageable:               isTrue(ReasonManageable),
		ConditionAvailableForProvisioning: isFalse(ReasonNotAvailable),
		ConditionProvisioned:              isFalse(ReasonNotProvisioned),
		ConditionReady:                    isFalse(ReasonNotProvisioned),
		ConditionProgressing:              isFalse(ReasonNotProgressing),
	}
	powerCheck := true
	state := st.Provisioning.State
	switch state {
	case metal3.StateNone, metal3.StateUnmanaged:
		c[ConditionManageable] = isFalse(ReasonNotManaged)
		powerCheck = false
	case metal3.StateRegistering:
		c[ConditionManageable] = isFalse(ReasonRegistering)
		if st.OperationalStatus == metal3.OperationalStatusError {
			c[ConditionManageable] = isFalse(ReasonRegistrationFailed)
		}
		c[ConditionProgressing] = isTrue(ReasonRegistering)
		powerCheck = false
	case metal3.StateAvailable, metal3.StateReady:
		c[ConditionAvailableForProvisioning] = isTrue(ReasonAvailable)
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned:
		c[ConditionProvisioned] = isTrue(ReasonProvisioned)
		c[ConditionReady] = isTrue(ReasonProvisioned)
	default:
		if r, ok := progressingReasons[state]; ok {
			c[ConditionProgressing] = isTrue(r)
		}
		powerCheck = state != metal3.StateDeleting
	}
	switch st.OperationalStatus {
	case metal3.OperationalStatusError:
		c[ConditionReady] = isFalse(ReasonError)
	case metal3.OperationalStatusDetached:
		c[ConditionReady] = isFalse(ReasonDetached)
		c[ConditionProgressing] = isFalse(ReasonDetached)
		powerCheck = false
	}
	if powerCheck && n != nil && n.Fault == powerFailureFault {
		c[ConditionManageable] = isFalse(ReasonPowerFailure)
	}
	return c
}

// metal3ConditionOrder is the order in which the conditions first appear in status.
var metal3ConditionOrder = []string{
	ConditionManageable, ConditionAvailableForProvisioning, ConditionProvisioned, ConditionReady, ConditionProgressing,
}

// setMetal3Conditions records metal3's conditions for the decided status. A condition's
// lastTransitionTime moves only when its status does, and nothing changes while the values
// stay the same, so these conditions never cause a status write of their own.
func (d *decision) setMetal3Conditions() {
	values := metal3Conditions(&d.status, d.node)
	for _, t := range metal3ConditionOrder {
		v := values[t]
		meta.SetStatusCondition(&d.status.Conditions, metav1.Condition{
			Type: t, Status: v.status, Reason: v.reason, ObservedGeneration: d.host.Generation, LastTransitionTime: d.now(),
		})
	}
	meta.SetStatusCondition(&d.status.Conditions, metav1.Condition{
		Type: ConditionHealthy, Status: metav1.ConditionUnknown, Reason: ReasonUnknownHealth,
		Message: "the provisioner reports no health for this host", ObservedGeneration: d.host.Generation,
		LastTransitionTime: d.now(),
	})
}
