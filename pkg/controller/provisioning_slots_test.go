package controller

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
