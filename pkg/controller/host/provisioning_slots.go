package host

import "sync"

// provisioningSlots limits how many hosts are in states where the provisioner works on their
// node (inspecting, preparing, provisioning, deprovisioning) at once. It is an in-process
// count kept up to date by the syncs themselves, so checking it costs nothing: no list of
// hosts or nodes per check.
//
// Hosts that decided to wait for a slot are queued, and whenever a sync settles with a slot
// free the longest waiting host is woken, so slots never sit idle until a recheck timer
// fires and waiting hosts cost nothing while they wait.
type provisioningSlots struct {
	limit int
	// wake, when set, is called (outside the lock) with a waiting host when a slot is free.
	wake func(key string)

	mu      sync.Mutex
	held    map[string]bool
	waiting []string // FIFO of hosts waiting for a slot
	queued  map[string]bool
}

func newProvisioningSlots(limit int) *provisioningSlots {
	return &provisioningSlots{limit: limit, held: map[string]bool{}, queued: map[string]bool{}}
}

// acquire reserves a slot for the host for the duration of one sync. It returns false when
// the limit is reached and the host holds none; the host must then not enter a slot state.
// A zero limit means no limit.
func (s *provisioningSlots) acquire(key string) bool {
	if s == nil || s.limit <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held[key] && len(s.held) >= s.limit {
		return false
	}
	s.held[key] = true
	return true
}

// wait queues a host that was refused a slot and decided to wait for one; it is woken when
// a slot frees. Queuing a host twice keeps its place.
func (s *provisioningSlots) wait(key string) {
	if s == nil || s.limit <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.queued[key] {
		s.queued[key] = true
		s.waiting = append(s.waiting, key)
	}
}

// settle keeps the host's slot if it ended the sync in a slot state and frees it otherwise.
// Then, if a slot is free, the longest waiting host is woken: not only when this host freed
// one, so that a woken host that no longer needs a slot (deleted, or its spec changed) passes
// the turn on instead of leaving the slot idle.
func (s *provisioningSlots) settle(key string, holds bool) {
	if s == nil || s.limit <= 0 {
		return
	}
	s.mu.Lock()
	if holds {
		s.held[key] = true
		delete(s.queued, key) // it got its slot; its place in the FIFO is skipped
	} else {
		delete(s.held, key)
	}
	var next string
	for next == "" && len(s.held) < s.limit && len(s.waiting) > 0 {
		next, s.waiting = s.waiting[0], s.waiting[1:]
		if !s.queued[next] {
			next = ""
			continue
		}
		delete(s.queued, next)
	}
	s.mu.Unlock()
	if next != "" && s.wake != nil {
		s.wake(next)
	}
}

// inUse is the number of slots held.
func (s *provisioningSlots) inUse() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// waiters is the number of hosts waiting for a slot.
func (s *provisioningSlots) waiters() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queued)
}
