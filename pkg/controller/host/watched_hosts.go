package host

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// watchedHosts is the set of hosts waiting on an operation of their node. The node feed runs
// only while it is not empty.
type watchedHosts struct {
	mu   sync.Mutex
	keys map[string]bool
	// acted is when each watched host's latest action returned: a node listed before then
	// does not show its effect.
	acted map[string]time.Time
	// started is when the controller started: actions of an earlier process precede it.
	started time.Time
	clock   clock.PassiveClock
}

func newWatchedHosts(clk clock.PassiveClock) *watchedHosts {
	return &watchedHosts{keys: map[string]bool{}, acted: map[string]time.Time{}, started: clk.Now(), clock: clk}
}

// actedAt records that the host's action returned at t.
func (w *watchedHosts) actedAt(key string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acted[key] = t
}

// lastAction is when the host's latest action returned (the controller's start if it has
// taken none).
func (w *watchedHosts) lastAction(key string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.acted[key]; ok {
		return t
	}
	return w.started
}

// set records whether the host waits on its node after its latest sync.
func (w *watchedHosts) set(key string, watching bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if watching {
		w.keys[key] = true
	} else {
		delete(w.keys, key)
		// Forget the action only once no fed node listed before it can still be used.
		if t, ok := w.acted[key]; ok && w.clock.Since(t) > fedNodeFreshness {
			delete(w.acted, key)
		}
	}
}

// forget drops a deleted host.
func (w *watchedHosts) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.keys, key)
	delete(w.acted, key)
}

// len is the number of hosts waiting on their node.
func (w *watchedHosts) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.keys)
}
