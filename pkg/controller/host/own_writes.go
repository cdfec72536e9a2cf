package host

import (
	"sync"
	"time"
)

// staleCacheRecheck is how soon a host skipped for a stale cache is looked at again if the
// informer has not delivered our write by then (the update event normally brings it sooner).
const staleCacheRecheck = time.Second

// ownWrites remembers, per host, the resourceVersions our own writes replaced. A host the
// cache still shows at one of them is older than what we wrote: deciding on it would repeat
// the last action and lose the status write to a conflict. This is the "expectations"
// pattern of the Kubernetes workload controllers, keyed by resourceVersion equality (never
// by ordering, which is opaque).
type ownWrites struct {
	mu       sync.Mutex
	replaced map[string]map[string]bool
	// skipped are hosts a sync passed over for a stale cache: the next update brings them back.
	skipped map[string]bool
}

func newOwnWrites() *ownWrites {
	return &ownWrites{replaced: map[string]map[string]bool{}, skipped: map[string]bool{}}
}

// wrote records that a write of ours replaced the host at resourceVersion rv.
func (w *ownWrites) wrote(key, rv string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replaced[key] == nil {
		w.replaced[key] = map[string]bool{}
	}
	w.replaced[key][rv] = true
}

// stale reports whether the cached host at rv predates one of our writes, and marks it to be
// enqueued when the cache catches up. A version it does not know means the cache has caught
// up (with our writes or someone else's): the record is dropped.
func (w *ownWrites) stale(key, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.replaced[key][rv] {
		w.skipped[key] = true
		return true
	}
	delete(w.replaced, key)
	delete(w.skipped, key)
	return false
}

// caughtUp reports whether an update to rv brings back a host skipped for a stale cache.
func (w *ownWrites) caughtUp(key, rv string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.skipped[key] || w.replaced[key][rv] {
		return false
	}
	delete(w.skipped, key)
	return true
}

func (w *ownWrites) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.replaced, key)
	delete(w.skipped, key)
}
