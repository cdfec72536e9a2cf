package hoststate

import (
	"testing"
	"time"
)

// TestNextLook: how soon a host looks again by itself is decided here, from how node changes
// reach the controller; the controller runs exactly this interval.
func TestNextLook(t *testing.T) {
	const steady = 5 * time.Minute
	polled := NodeUpdates{Polled: true, SteadyResync: steady}
	fed := NodeUpdates{Polled: true, Fed: true, SteadyResync: steady}
	unpolled := NodeUpdates{SteadyResync: steady}
	for _, tc := range []struct {
		name                    string
		updates                 NodeUpdates
		after                   time.Duration
		watch, acting, released bool
		want                    time.Duration
	}{
		{name: "no poll: a stable host looks again every steady resync", updates: unpolled, want: steady},
		{name: "no poll: a host that acts waits to be enqueued", updates: unpolled, acting: true, want: 0},
		{name: "no poll: the step's interval runs as decided", updates: unpolled, after: time.Second, watch: true, want: time.Second},
		{name: "poll: a stable host waits for the poll", updates: polled, want: 0},
		{name: "poll without feed: the step's interval runs as decided", updates: polled, watch: true, after: time.Second, want: time.Second},
		{name: "feed: a watched host's own look is only a safety net", updates: fed, watch: true, after: time.Second, want: fedRecheck},
		{name: "feed: a longer interval is kept", updates: fed, watch: true, after: time.Minute, want: time.Minute},
		{name: "feed: a host not waiting on its node keeps its interval", updates: fed, after: time.Second, want: time.Second},
		{name: "a released host never looks again", updates: unpolled, released: true, want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.updates.nextLook(tc.after, tc.watch, tc.acting, tc.released); got != tc.want {
				t.Errorf("nextLook = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestDecideReturnsTheIntervalThatRuns: with the feed on, a host waiting on its node is told
// the safety-net interval, the one the controller runs.
func TestDecideReturnsTheIntervalThatRuns(t *testing.T) {
	in := input(host(stProvisioning, running(imgA)), node(deploying))
	in.NodeUpdates = NodeUpdates{Polled: true, Fed: true}
	r := Decide(in)
	if !r.WatchNode || r.RequeueAfter != fedRecheck {
		t.Fatalf("watch %v, requeue %s: want a watched host looking again in %s", r.WatchNode, r.RequeueAfter, fedRecheck)
	}
}
