package host

import (
	"fmt"
	"sync"
	"testing"
)

func TestProvisioningSlotsNeverHandOutMoreThanTheLimit(t *testing.T) {
	s := newProvisioningSlots(3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var granted []string
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(key string) {
			defer wg.Done()
			if s.acquire(key) {
				mu.Lock()
				granted = append(granted, key)
				mu.Unlock()
			}
		}(fmt.Sprintf("ns/h%d", i))
	}
	wg.Wait()
	if len(granted) != 3 || s.inUse() != 3 {
		t.Fatalf("granted %v, in use %d, want 3", granted, s.inUse())
	}
	// Which three won is up to the scheduler; each of them must keep its slot.
	for _, key := range granted {
		if !s.acquire(key) {
			t.Errorf("%s holds a slot but was refused", key)
		}
	}
	if s.inUse() != 3 {
		t.Errorf("in use %d after re-acquiring held slots, want 3", s.inUse())
	}
}

func TestASettledHostFreesItsSlotUnlessBusy(t *testing.T) {
	s := newProvisioningSlots(1)
	if !s.acquire("ns/a") {
		t.Fatal("first acquire refused")
	}
	if s.acquire("ns/b") {
		t.Fatal("second host got a slot beyond the limit")
	}
	s.settle("ns/a", true)
	if s.acquire("ns/b") {
		t.Fatal("a busy host's slot was given away")
	}
	s.settle("ns/a", false)
	if !s.acquire("ns/b") {
		t.Fatal("a freed slot was not handed out")
	}
	var unlimited *provisioningSlots
	if !unlimited.acquire("x") || !newProvisioningSlots(0).acquire("y") {
		t.Error("no limit must always grant")
	}
}

func TestAFreedSlotWakesTheLongestWaitingHost(t *testing.T) {
	var woken []string
	s := newProvisioningSlots(1)
	s.wake = func(key string) { woken = append(woken, key) }
	s.acquire("ns/a")
	s.settle("ns/a", true)
	for _, k := range []string{"ns/b", "ns/c", "ns/b"} {
		if s.acquire(k) {
			t.Fatalf("%s got a slot beyond the limit", k)
		}
		s.wait(k)
		s.settle(k, false)
	}
	if len(woken) != 0 || s.waiters() != 2 {
		t.Fatalf("woken %v with no slot free, %d waiting; want none woken, 2 waiting", woken, s.waiters())
	}
	s.settle("ns/a", false)
	if len(woken) != 1 || woken[0] != "ns/b" {
		t.Fatalf("woken %v, want [ns/b]", woken)
	}
	if !s.acquire("ns/b") {
		t.Fatal("the woken host did not get the free slot")
	}
	s.settle("ns/b", false)
	if len(woken) != 2 || woken[1] != "ns/c" {
		t.Fatalf("woken %v, want ns/c next", woken)
	}
}

func TestRefusedHostsOnlyQueueWhenTheyDecideToWait(t *testing.T) {
	var woken []string
	s := newProvisioningSlots(1)
	s.wake = func(key string) { woken = append(woken, key) }
	s.acquire("ns/busy")
	s.settle("ns/busy", true)
	// A provisioned host resynced while the slots are full is refused, but needs no slot.
	if s.acquire("ns/provisioned") {
		t.Fatal("a slot was granted beyond the limit")
	}
	s.settle("ns/provisioned", false)
	s.settle("ns/busy", false)
	if len(woken) != 0 {
		t.Fatalf("woken %v: a host that did not wait was queued", woken)
	}
}

func TestAWokenHostThatNoLongerNeedsASlotPassesTheTurnOn(t *testing.T) {
	var woken []string
	s := newProvisioningSlots(1)
	s.wake = func(key string) { woken = append(woken, key) }
	s.acquire("ns/a")
	s.settle("ns/a", true)
	for _, k := range []string{"ns/gone", "ns/next"} {
		s.acquire(k)
		s.wait(k)
		s.settle(k, false)
	}
	s.settle("ns/a", false) // wakes ns/gone
	// ns/gone was deleted meanwhile: its sync settles without taking the slot.
	s.settle("ns/gone", false)
	if len(woken) != 2 || woken[1] != "ns/next" {
		t.Fatalf("woken %v, want [ns/gone ns/next]", woken)
	}
}

func TestAHostThatGotASlotByItselfIsNotWokenAgain(t *testing.T) {
	var woken []string
	s := newProvisioningSlots(1)
	s.wake = func(key string) { woken = append(woken, key) }
	s.acquire("ns/a")
	s.settle("ns/a", true)
	s.acquire("ns/b")
	s.wait("ns/b")
	s.settle("ns/b", false)
	s.wait("ns/c")
	// A slot frees and ns/b's own sync (say, an informer event) takes it before any wake.
	s.mu.Lock()
	delete(s.held, "ns/a")
	s.mu.Unlock()
	if !s.acquire("ns/b") {
		t.Fatal("free slot refused")
	}
	s.settle("ns/b", true)
	s.settle("ns/b", false)
	if len(woken) != 1 || woken[0] != "ns/c" {
		t.Fatalf("woken %v, want [ns/c]", woken)
	}
}
