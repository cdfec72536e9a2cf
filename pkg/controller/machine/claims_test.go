package machine

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestClaimTrackerNeverHandsOneHostToTwoMachines(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	tr := newClaimTracker(clk, time.Minute)
	first := func(int) int { return 0 }
	hosts := []string{"ns/a", "ns/b"}

	if h, skipped := tr.reserve("ns/m1", hosts, first); h != "ns/a" || skipped != 0 {
		t.Fatalf("m1 reserved %q (skipped %d), want ns/a", h, skipped)
	}
	if h, skipped := tr.reserve("ns/m2", hosts, first); h != "ns/b" || skipped != 1 {
		t.Fatalf("m2 reserved %q (skipped %d), want ns/b after skipping ns/a", h, skipped)
	}
	if h, skipped := tr.reserve("ns/m3", hosts, first); h != "" || skipped != 2 {
		t.Fatalf("m3 reserved %q (skipped %d), want nothing", h, skipped)
	}

	// m1's write failed: its host is free again; m2's succeeded and is remembered.
	tr.cancel("ns/a", "ns/m1")
	tr.written("ns/b", "ns/m2")
	if h, _ := tr.reserve("ns/m3", hosts, first); h != "ns/a" {
		t.Errorf("after m1 cancelled, m3 reserved %q, want ns/a", h)
	}
	if h, ok := tr.uncachedClaim("ns/m2"); !ok || h != "ns/b" {
		t.Errorf("uncachedClaim(m2) = %q, %v", h, ok)
	}
	if _, ok := tr.uncachedClaim("ns/m3"); ok {
		t.Error("a reservation whose write has not succeeded counts as m3's host")
	}

	// A cache that still shows ns/b free keeps the record; one that shows it consumed drops it.
	tr.observed("ns/b", false)
	if _, ok := tr.uncachedClaim("ns/m2"); !ok {
		t.Error("a stale cache dropped the record")
	}
	tr.observed("ns/b", true)
	if _, ok := tr.uncachedClaim("ns/m2"); ok {
		t.Error("the record survived the cache showing the claim")
	}
}

func TestClaimTrackerRecordsExpire(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	tr := newClaimTracker(clk, time.Minute)
	tr.written("ns/a", "ns/m1")
	clk.SetTime(clk.Now().Add(59 * time.Second))
	if tr.inFlight() != 1 {
		t.Fatal("record expired early")
	}
	clk.SetTime(clk.Now().Add(time.Second))
	if tr.inFlight() != 0 {
		t.Error("record did not expire")
	}
	if h, _ := tr.reserve("ns/m2", []string{"ns/a"}, func(int) int { return 0 }); h != "ns/a" {
		t.Errorf("an expired record still blocks the host: reserved %q", h)
	}
}

func TestClaimTrackerSpreadsTheChoice(t *testing.T) {
	tr := newClaimTracker(clocktesting.NewFakePassiveClock(time.Now()), time.Minute)
	hosts := []string{"ns/a", "ns/b", "ns/c"}
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		pick := func(n int) int { return i % n }
		h, _ := tr.reserve("ns/m", hosts, pick)
		seen[h] = true
		tr.cancel(h, "ns/m")
	}
	if len(seen) != 3 {
		t.Errorf("the choice ignores the random source: picked %v", seen)
	}
}
