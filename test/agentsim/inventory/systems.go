package inventory

import (
	"strings"
	"sync"
)

// Systems hands out the inventory each simulated system reports: the one Set for one of its
// keys (a MAC address, a node UUID or a node name), else Default. Safe for concurrent use.
type Systems struct {
	mu  sync.Mutex
	set map[string]Inventory
}

// Set makes key (a MAC address in any case, or a node UUID or name) report inv.
func (s *Systems) Set(key string, inv Inventory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		s.set = map[string]Inventory{}
	}
	s.set[strings.ToLower(key)] = inv
}

// For is the inventory of the i-th system booting from mac: the first of mac and keys that
// has one Set, else Default(i, mac).
func (s *Systems) For(i int, mac string, keys ...string) Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range append([]string{mac}, keys...) {
		if inv, ok := s.set[strings.ToLower(k)]; ok && k != "" {
			return inv
		}
	}
	return Default(i, mac)
}
