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
func (m *machine) setSettledCondition(s step, requeue time.Duration) {
	status, reason, msg := metav1.ConditionFalse, s.reason, s.why
	switch {
	case s.errType != "":
		if reason == "" {
			reason = ReasonErrorBackoff
		}
		msg = fmt.Sprintf("%s: %s; next attempt at %s", s.errType, s.errMsg, m.nextAttempt())
	case reason == ReasonErrorBackoff || (m.status.ErrorType != "" && !s.steady && s.action.Kind == ActionNone &&
		reason != ReasonProvisioningLimit):
		// While an error waits out its backoff the message must not change, or each look
		// would write status (and move lastUpdated, the base of the backoff).
		reason = ReasonErrorBackoff
		msg = fmt.Sprintf("%s: %s; next attempt at %s", m.status.ErrorType, m.status.ErrorMessage, m.nextAttempt())
	case s.action.Kind != ActionNone:
		reason = ReasonActionRequested
		msg = fmt.Sprintf("asked the provisioner for %s", actionVerb[s.action.Kind])
	case m.remove:
		reason, msg = ReasonDeleting, "the node is deleted; the host is released"
	case m.state() == metal3.StateUnmanaged:
		reason, msg = ReasonUnmanaged, "no BMC address: set spec.bmc.address and spec.bmc.credentialsName to manage this host"
	case reason == ReasonProvisioningLimit || reason == ReasonDetached || reason == ReasonPoweredOffByAnnotation ||
		reason == ReasonWaitingForSlot:
	case s.steady:
		status, reason = metav1.ConditionTrue, ReasonStable
		msg = fmt.Sprintf("the host is %s and powered %s", m.state(), onOff(m.status.PoweredOn))
	case reason == "":
		reason, msg = ReasonOperationInProgress, fmt.Sprintf("%s; checking again within %s", describeNode(m.node), requeue)
	}
	if m.host.DeletionTimestamp != nil && status == metav1.ConditionFalse && reason == ReasonOperationInProgress {
		msg = "the host is being deleted: " + msg
	}
	meta.SetStatusCondition(&m.status.Conditions, metav1.Condition{
		Type: ConditionSettled, Status: status, Reason: reason, Message: redact.URLs(msg),
		ObservedGeneration: m.host.Generation, LastTransitionTime: m.now(),
	})
}

// nextAttempt is when the current error will be retried, to the second.
func (m *machine) nextAttempt() string {
	base := m.in.Now
	if lu := m.in.Host.Status.LastUpdated; lu != nil && m.in.Host.Status.ErrorType == m.status.ErrorType &&
		m.in.Host.Status.ErrorMessage == m.status.ErrorMessage && m.in.Host.Status.ErrorCount == m.status.ErrorCount {
		base = lu.Time
	}
	return base.Add(Backoff(m.status.ErrorCount)).UTC().Format(time.RFC3339)
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
