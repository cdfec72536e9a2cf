package controller

import "sync"

// provisioningSlots limits how many hosts are in states where the provisioner works on their
// node (inspecting, preparing, provisioning, deprovisioning) at once. It is an in-process
// count kept up to date by the syncs themselves, so checking it costs nothing: no list of
// hosts or nodes per check. Hosts turned away are remembered, and the longest waiting one is
// woken as soon as a slot frees, so slots never sit idle until a recheck timer fires.
type provisioningSlots struct {
	limit int
	// wake, when set, is called (outside the lock) with a waiting host when a slot frees.
	wake func(key string)

	mu      sync.Mutex
	held    map[string]bool
	waiting []string // FIFO of hosts turned away
	queued  map[string]bool
}

func newProvisioningSlots(limit int) *provisioningSlots {
	return &provisioningSlots{limit: limit, held: map[string]bool{}, queued: map[string]bool{}}
}

// acquire reserves a slot for the host for the duration of one sync. It returns false when
// the limit is reached and the host holds none; the host must then not enter a busy state.
// A zero limit means no limit.
func (s *provisioningSlots) acquire(key string) bool {
	if s == nil || s.limit <= 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key] {
		return true
	}
	if len(s.held) >= s.limit {
		if !s.queued[key] {
			s.queued[key] = true
			s.waiting = append(s.waiting, key)
		}
		return false
	}
	s.held[key] = true
	return true
}

// settle keeps the host's slot if it ended the sync in a busy state and frees it otherwise;
// a freed slot wakes the longest waiting host.
func (s *provisioningSlots) settle(key string, busy bool) {
	if s == nil || s.limit <= 0 {
		return
	}
	s.mu.Lock()
	var next string
	if busy {
		s.held[key] = true
		delete(s.queued, key)
	} else if s.held[key] {
		delete(s.held, key)
		for len(s.waiting) > 0 && next == "" {
			next, s.waiting = s.waiting[0], s.waiting[1:]
			if !s.queued[next] {
				next = "" // it got a slot meanwhile, or went away
			}
			delete(s.queued, next)
		}
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
