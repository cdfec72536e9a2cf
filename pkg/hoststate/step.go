package hoststate

import (
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// step is what a handler decided: exactly one of an action, a wait, an error, or steady.
type step struct {
	action  Action
	after   time.Duration
	errType metal3.ErrorType
	errMsg  string
	steady  bool
	// reason and why explain a wait in the Settled condition (defaults are derived).
	reason, why string
	// watch says the wait ends when the node changes (an operation in progress).
	watch bool
	// deployFailed says the error is a failed deploy of the image: it counts in
	// status.provisioningFailCount when it is counted as a new failure.
	deployFailed bool
}

// because sets the Settled condition's reason for this step.
func (s step) because(reason string) step { s.reason = reason; return s }

// againstImage marks an error as a failed deploy of the image (see provisioningLimit).
func (s step) againstImage() step { s.deployFailed = s.errType != ""; return s }

// explain sets the Settled condition's reason and message for this step.
func (s step) explain(reason, why string) step { s.reason, s.why = reason, why; return s }

const (
	// actionPoll is how soon to look after issuing an action.
	actionPoll = time.Second
	// maxPoll bounds the interval between looks at an operation in progress.
	maxPoll = 15 * time.Second
	// steadyRecheck is how often a host in a stable state is looked at again.
	steadyRecheck = 0
	// startNow asks for the next look at once, after a state change that precedes an action.
	startNow = time.Millisecond
)

func act(a Action) step            { return step{action: a} }
func waitFor(d time.Duration) step { return step{after: d} }
func steady() step                 { return step{steady: true, after: steadyRecheck} }

// fail reports an error; status.errorMessage never carries the user information of a URL.
func (d *decision) fail(t metal3.ErrorType, msg string) step {
	return step{errType: t, errMsg: redact.URLs(msg)}
}

// waitNode waits for the node's operation in progress, polling less often the longer it runs.
func (d *decision) waitNode() step {
	s := waitFor(pollInterval(d.node, d.in.Now)).explain(ReasonOperationInProgress, describeNode(d.node))
	s.watch = true
	return s
}

// pollInterval grows with the time the node has been in its current state: 1 s for the first
// 10 s, then 5 s, then maxPoll.
func pollInterval(n *provisioner.Node, now time.Time) time.Duration {
	if n == nil || n.ProvisionUpdatedAt.IsZero() {
		return 2 * time.Second
	}
	switch since := now.Sub(n.ProvisionUpdatedAt); {
	case since < 10*time.Second:
		return time.Second
	case since < time.Minute:
		return 5 * time.Second
	default:
		return maxPoll
	}
}
