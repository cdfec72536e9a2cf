package machine

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// claimTracker remembers the hosts this process is claiming or has just claimed, until the
// host informer shows the claim. Without it a worker reading a stale lister would see a host
// claimed a moment ago as free and try it again; with it, no two workers of this process ever
// write a claim for the same host at the same time. A claim the cache never shows (a broken
// watch) expires after ttl; optimistic concurrency on the host still refuses a second claim.
type claimTracker struct {
	clock clock.PassiveClock
	ttl   time.Duration

	mu     sync.Mutex
	byHost map[string]*inFlightClaim // host key → claim
}

type inFlightClaim struct {
	machine string // key of the claiming Machine
	written bool   // the host write succeeded
	expires time.Time
}

func newClaimTracker(c clock.PassiveClock, ttl time.Duration) *claimTracker {
	return &claimTracker{clock: c, ttl: ttl, byHost: map[string]*inFlightClaim{}}
}

// reserve picks at random, with intn, one of the candidate hosts that no other Machine is
// claiming, and reserves it for machine. skipped counts the candidates passed over because
// another Machine's claim is in flight: the lister showed them free, but they are not.
func (t *claimTracker) reserve(machine string, candidates []string, intn func(int) int) (host string, skipped int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	free := make([]string, 0, len(candidates))
	for _, h := range candidates {
		if c := t.live(h, now); c != nil && c.machine != machine {
			skipped++
			continue
		}
		free = append(free, h)
	}
	if len(free) == 0 {
		return "", skipped
	}
	host = free[intn(len(free))]
	t.byHost[host] = &inFlightClaim{machine: machine, expires: now.Add(t.ttl)}
	return host, skipped
}

// written records that the claim of host for machine is on the API server.
func (t *claimTracker) written(host, machine string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byHost[host] = &inFlightClaim{machine: machine, written: true, expires: t.clock.Now().Add(t.ttl)}
}

// cancel drops machine's reservation of host after a failed write.
func (t *claimTracker) cancel(host, machine string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.byHost[host]; c != nil && c.machine == machine {
		delete(t.byHost, host)
	}
}

// observed is called with each host the informer delivers: once the cache shows the host
// consumed (by anyone) or gone, the lister and the consumer index tell the truth and the
// record is no longer needed. A cache that still shows the host free keeps it.
func (t *claimTracker) observed(host string, consumed bool) {
	if !consumed {
		return
	}
	t.forget(host)
}

// forget drops any record of host (it was deleted, or the cache shows its consumer).
func (t *claimTracker) forget(host string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byHost, host)
}

// uncachedClaim returns the host whose claim for machine was written but is not in the cache yet.
func (t *claimTracker) uncachedClaim(machine string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	for h, c := range t.byHost {
		if c.written && c.machine == machine && t.live(h, now) != nil {
			return h, true
		}
	}
	return "", false
}

// inFlight is the number of live records (for tests and logs).
func (t *claimTracker) inFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	n := 0
	for h := range t.byHost {
		if t.live(h, now) != nil {
			n++
		}
	}
	return n
}

// live returns the unexpired record of host, dropping an expired one. Callers hold mu.
func (t *claimTracker) live(host string, now time.Time) *inFlightClaim {
	c := t.byHost[host]
	if c == nil {
		return nil
	}
	if !now.Before(c.expires) {
		delete(t.byHost, host)
		return nil
	}
	return c
}
