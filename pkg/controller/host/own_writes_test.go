package host

import "testing"

func TestOwnWritesTellAStaleCache(t *testing.T) {
	w := newOwnWrites()
	const key = "metal/host-0"
	if w.stale(key, "10") {
		t.Fatal("a host we never wrote is stale")
	}
	w.wrote(key, "10") // status write: 10 -> 11
	w.wrote(key, "11") // annotation patch: 11 -> 12
	for _, rv := range []string{"10", "11"} {
		if !w.stale(key, rv) {
			t.Errorf("cache at %s, which our writes replaced, is not stale", rv)
		}
	}
	if w.caughtUp(key, "11") {
		t.Error("an update to a version we replaced counts as caught up")
	}
	if !w.caughtUp(key, "12") {
		t.Error("the update to our write does not bring back the skipped host")
	}
	if w.caughtUp(key, "12") {
		t.Error("a skipped host is brought back twice")
	}
	if w.stale(key, "12") {
		t.Error("cache at our latest write is stale")
	}
	// Once the cache caught up, the record is dropped: old versions are not remembered forever.
	if w.stale(key, "10") {
		t.Error("records kept after the cache caught up")
	}
	if w.caughtUp("metal/other", "1") {
		t.Error("a host never skipped is brought back")
	}
}

func TestOwnWritesForgetDeletedHosts(t *testing.T) {
	w := newOwnWrites()
	w.wrote("metal/gone", "5")
	w.forget("metal/gone")
	if w.stale("metal/gone", "5") || len(w.replaced) != 0 || len(w.skipped) != 0 {
		t.Error("a deleted host's records survive forget")
	}
}
