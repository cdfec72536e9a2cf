package hoststate

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// recordError sets the error fields and reports whether the error counts as a new failure.
// The same error recorded again within its backoff window changes nothing, so our own status
// writes cannot turn into a retry storm.
func (d *decision) recordError(t metal3.ErrorType, msg string) bool {
	old := d.in.Host.Status
	if old.ErrorType == t && old.ErrorMessage == msg && !d.backoffElapsed() {
		d.status.ErrorType, d.status.ErrorMessage, d.status.ErrorCount = t, msg, old.ErrorCount
		d.status.OperationalStatus = metal3.OperationalStatusError
		return false
	}
	d.status.ErrorType = t
	d.status.ErrorMessage = msg
	d.status.ErrorCount = old.ErrorCount + 1
	d.status.OperationalStatus = metal3.OperationalStatusError
	d.event(corev1.EventTypeWarning, eventReasonForError(t), "%s", msg)
	return true
}

// backoffElapsed reports whether the host's current error has waited out its backoff, so
// the failed operation may be tried again.
func (d *decision) backoffElapsed() bool {
	st := d.in.Host.Status
	if st.ErrorType == "" || st.ErrorCount == 0 || st.LastUpdated == nil {
		return true
	}
	return !d.in.Now.Before(st.LastUpdated.Add(Backoff(st.ErrorCount)))
}

// retryWait is how long until the current error's backoff ends.
func (d *decision) retryWait() time.Duration {
	st := d.in.Host.Status
	if st.LastUpdated == nil {
		return 0
	}
	return st.LastUpdated.Add(Backoff(st.ErrorCount)).Sub(d.in.Now)
}

// Backoff is the delay before retrying after errorCount consecutive failures: 5 s doubling
// to a bound of 5 minutes.
func Backoff(errorCount int) time.Duration {
	const base, limit = 5 * time.Second, 5 * time.Minute
	if errorCount <= 1 {
		return base
	}
	d := base
	for i := 1; i < errorCount; i++ {
		d *= 2
		if d >= limit {
			return limit
		}
	}
	return d
}

// failOrRetry reports a failed node operation once, then retries it after the backoff.
func (d *decision) failOrRetry(t metal3.ErrorType, msg string, retry Action) step {
	st := d.in.Host.Status
	if st.ErrorType == t && st.ErrorMessage == msg {
		if d.backoffElapsed() {
			return act(retry)
		}
		d.status.ErrorType, d.status.ErrorMessage = st.ErrorType, st.ErrorMessage
		d.status.OperationalStatus = metal3.OperationalStatusError
		return waitFor(max(d.retryWait(), actionPoll)).because(ReasonErrorBackoff)
	}
	return d.fail(t, msg)
}
