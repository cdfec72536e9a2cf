package hoststate

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalkube/metalkube/pkg/redact"
)

// ConditionProvisionerReady says whether the provisioner (Ironic) could be reached on the
// host's last reconciliation.
const ConditionProvisionerReady = "ProvisionerReady"

// unavailableRecheck is how often a host looks again at an unreachable provisioner.
const unavailableRecheck = 15 * time.Second

// provisionerUnavailable is the result when the provisioner cannot be reached: the host keeps
// its state and error fields, a condition and a Warning Event say why nothing happens, and it
// looks again soon.
func provisionerUnavailable(in Input, reason error) Result {
	st := *in.Host.Status.DeepCopy()
	msg := redact.URLs(reason.Error())
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: ConditionProvisionerReady, Status: metav1.ConditionFalse, Reason: "Unreachable",
		Message: msg, ObservedGeneration: in.Host.Generation, LastTransitionTime: metav1.NewTime(in.Now),
	})
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: ConditionSettled, Status: metav1.ConditionFalse, Reason: ReasonProvisionerUnavailable,
		Message: "waiting for the provisioner to answer: " + msg, ObservedGeneration: in.Host.Generation,
		LastTransitionTime: metav1.NewTime(in.Now),
	})
	return Result{Status: st, RequeueAfter: unavailableRecheck,
		Events: []Event{{Type: corev1.EventTypeWarning, Reason: ReasonProvisionerUnavailable, Message: msg}}}
}

// markProvisionerReady clears the unavailable condition once the provisioner answers again.
func (d *decision) markProvisionerReady() {
	if c := meta.FindStatusCondition(d.status.Conditions, ConditionProvisionerReady); c != nil && c.Status != metav1.ConditionTrue {
		meta.SetStatusCondition(&d.status.Conditions, metav1.Condition{
			Type: ConditionProvisionerReady, Status: metav1.ConditionTrue, Reason: "Reachable",
			Message: "the provisioner answers", ObservedGeneration: d.host.Generation, LastTransitionTime: d.now(),
		})
	}
}
