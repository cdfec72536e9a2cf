package hoststate

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// ConditionSettled answers "why is my host stuck": True when the host rests in a stable state,
// False with a reason and message naming what it waits for otherwise. It is our own condition:
// metal3's Ready and Progressing (metal3conditions.go) keep metal3's meanings and reasons.
const ConditionSettled = "Settled"

// Reasons of the Settled condition.
const (
	ReasonStable                 = "Stable"
	ReasonOperationInProgress    = "OperationInProgress"
	ReasonActionRequested        = "ActionRequested"
	ReasonErrorBackoff           = "ErrorBackoff"
	ReasonInvalidBMCAddress      = "InvalidBMCAddress"
	ReasonCredentialsProblem     = "CredentialsProblem"
	ReasonIdentityConflict       = "IdentityConflict"
	ReasonInvalidImage           = "InvalidImage"
	ReasonForeignSecret          = "SecretInOtherNamespace"
	ReasonDataSecret             = "DataSecretProblem"
	ReasonInvalidAnnotation      = "InvalidAnnotation"
	ReasonProvisioningLimit      = "ProvisioningLimitReached"
	ReasonDetached               = "Detached"
	ReasonUnmanaged              = "Unmanaged"
	ReasonPoweredOffByAnnotation = "PoweredOffByAnnotation"
	ReasonProvisionerUnavailable = "ProvisionerUnavailable"
	ReasonDeleting               = "Deleting"
	ReasonWaitingForSlot         = "WaitingForProvisioningSlot"
)

// setSettledCondition records what the host waits for after this step.
func (d *decision) setSettledCondition(s step, requeue time.Duration) {
	status, reason, msg := metav1.ConditionFalse, s.reason, s.why
	switch {
	case s.errType != "":
		if reason == "" {
			reason = ReasonErrorBackoff
		}
		msg = fmt.Sprintf("%s: %s; next attempt at %s", s.errType, s.errMsg, d.nextAttempt())
	case reason == ReasonErrorBackoff || (d.status.ErrorType != "" && !s.steady && s.action.Kind == ActionNone &&
		reason != ReasonProvisioningLimit):
		// While an error waits out its backoff the message must not change, or each look
		// would write status (and move lastUpdated, the base of the backoff).
		reason = ReasonErrorBackoff
		msg = fmt.Sprintf("%s: %s; next attempt at %s", d.status.ErrorType, d.status.ErrorMessage, d.nextAttempt())
	case s.action.Kind != ActionNone:
		reason = ReasonActionRequested
		msg = fmt.Sprintf("asked the provisioner for %s", actionVerb[s.action.Kind])
	case d.remove:
		reason, msg = ReasonDeleting, "the node is deleted; the host is released"
	case d.state() == metal3.StateUnmanaged:
		reason, msg = ReasonUnmanaged, "no BMC address: set spec.bmc.address and spec.bmc.credentialsName to manage this host"
	case reason == ReasonProvisioningLimit || reason == ReasonDetached || reason == ReasonPoweredOffByAnnotation ||
		reason == ReasonWaitingForSlot:
	case s.steady:
		status, reason = metav1.ConditionTrue, ReasonStable
		msg = fmt.Sprintf("the host is %s and powered %s", d.state(), onOff(d.status.PoweredOn))
	case reason == "":
		reason, msg = ReasonOperationInProgress, fmt.Sprintf("%s; checking again within %s", describeNode(d.node), requeue)
	}
	if d.host.DeletionTimestamp != nil && status == metav1.ConditionFalse && reason == ReasonOperationInProgress {
		msg = "the host is being deleted: " + msg
	}
	meta.SetStatusCondition(&d.status.Conditions, metav1.Condition{
		Type: ConditionSettled, Status: status, Reason: reason, Message: redact.URLs(msg),
		ObservedGeneration: d.host.Generation, LastTransitionTime: d.now(),
	})
}

// nextAttempt is when the current error will be retried, to the second.
func (d *decision) nextAttempt() string {
	base := d.in.Now
	if lu := d.in.Host.Status.LastUpdated; lu != nil && d.in.Host.Status.ErrorType == d.status.ErrorType &&
		d.in.Host.Status.ErrorMessage == d.status.ErrorMessage && d.in.Host.Status.ErrorCount == d.status.ErrorCount {
		base = lu.Time
	}
	return base.Add(Backoff(d.status.ErrorCount)).UTC().Format(time.RFC3339)
}

// describeNode says what the node is doing, with when it started, in words that stay the same
// while nothing changes (so the condition does not cause a status write per poll).
func describeNode(n *provisioner.Node) string {
	if n == nil {
		return "waiting for the node to be registered"
	}
	what := fmt.Sprintf("Ironic node %s is %q", n.ID, n.ProvisionState)
	if n.TargetProvisionState != "" {
		what += fmt.Sprintf(" on its way to %q", n.TargetProvisionState)
	}
	if n.TargetPowerState != "" {
		what += fmt.Sprintf(", power changing to %q", n.TargetPowerState)
	}
	if !n.ProvisionUpdatedAt.IsZero() {
		what += " since " + n.ProvisionUpdatedAt.UTC().Format(time.RFC3339)
	}
	if n.Locked {
		what += " (locked by a running operation)"
	}
	return what
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
