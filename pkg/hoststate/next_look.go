package hoststate

import "time"

// NodeUpdates is how the controller learns that nodes changed without a host looking at its
// own node. It sets how soon a host looks again by itself (Result.RequeueAfter), which is
// decided here and nowhere else.
type NodeUpdates struct {
	// Fed: a feed of recently changed nodes wakes a host waiting on its node as soon as the
	// node moves, so the host's own look is only a safety net, at fedRecheck at the earliest.
	Fed bool
	// Polled: a shared poll of every node wakes a host whose node changed. Without it, a host
	// with nothing to wait for reads its node every SteadyResync.
	Polled       bool
	SteadyResync time.Duration
}

// fedRecheck is how soon a host waiting on its node looks again by itself while the node feed
// runs: a safety net for a change the feed missed (a burst larger than its request).
const fedRecheck = 5 * time.Second

// nextLook is when a host looks again by itself after a step that asked for after (0: only
// when something wakes it), given how node changes reach the controller.
func (u NodeUpdates) nextLook(after time.Duration, watchNode, acting, released bool) time.Duration {
	switch {
	case released:
		return 0
	case u.Fed && watchNode && after > 0:
		return max(after, fedRecheck)
	case after <= 0 && !acting && !u.Polled:
		return u.SteadyResync
	}
	return after
}
