package controller

import "sync"

// provisioningSlots limits how many hosts are in states where the provisioner works on their
// node (inspecting, preparing, provisioning, deprovisioning) at once. It is an in-process
// count kept up to date by the syncs themselves, so checking it costs nothing: no list of
// hosts or nodes per check.
type provisioningSlots struct {
	limit int

	mu   sync.Mutex
	held map[string]bool
}

func newProvisioningSlots(limit int) *provisioningSlots {
	return &provisioningSlots{limit: limit, held: map[string]bool{}}
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
		return false
	}
	s.held[key] = true
	return true
}

// settle keeps the host's slot if it ended the sync in a busy state and frees it otherwise.
func (s *provisioningSlots) settle(key string, busy bool) {
	if s == nil || s.limit <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if busy {
		s.held[key] = true
	} else {
		delete(s.held, key)
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
