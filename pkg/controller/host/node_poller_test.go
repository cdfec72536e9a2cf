package host

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

type listerFunc func() []provisioner.Node

func (f listerFunc) ListNodes(context.Context) ([]provisioner.Node, error) { return f(), nil }

func TestNodePollerEnqueuesHostsWhoseNodeChangedOrIsGone(t *testing.T) {
	node := func(id, host string, state provisioner.ProvisionState) provisioner.Node {
		return provisioner.Node{ID: id, Name: "default~" + host, ProvisionState: state}
	}
	type poll struct {
		nodes     []provisioner.Node
		hostNodes map[string]string
		want      []string
	}
	for _, tc := range []struct {
		name  string
		polls []poll
	}{{
		name: "a node registered and lost between two polls is noticed, once",
		polls: []poll{
			{nodes: nil, hostNodes: map[string]string{}, want: nil},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-1"}, want: []string{"default/a"}},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-1"}, want: nil},
			{nodes: []provisioner.Node{node("id-2", "a", "enroll")}, hostNodes: map[string]string{"default/a": "id-2"}, want: []string{"default/a"}},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-2"}, want: []string{"default/a"}},
		},
	}, {
		name: "only changed nodes are enqueued; the first poll only records",
		polls: []poll{
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "active")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: nil},
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "available")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: []string{"default/b"}},
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "available")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: nil},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var cur poll
			var got []string
			p := &nodePoller{
				clock:     fakeNow(time.Now),
				lister:    listerFunc(func() []provisioner.Node { return cur.nodes }),
				hostNodes: func() map[string]string { return cur.hostNodes },
				enqueue:   func(key string) { got = append(got, key) },
			}
			for i, c := range tc.polls {
				cur, got = c, nil
				p.poll(context.Background())
				sort.Strings(got)
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("poll %d enqueued (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

type recentFunc func(limit int) []provisioner.Node

func (f recentFunc) ListRecentNodes(_ context.Context, limit int) ([]provisioner.Node, error) {
	return f(limit), nil
}

func TestNodeFeedEnqueuesHostsWhoseNodeMovedWhileHostsWatch(t *testing.T) {
	node := func(host string, state provisioner.ProvisionState) provisioner.Node {
		return provisioner.Node{ID: "id-" + host, Name: "default~" + host, ProvisionState: state}
	}
	all := []provisioner.Node{node("a", "deploying"), node("b", "active"), node("c", "cleaning")}
	var recent []provisioner.Node
	var asked []int
	var got []string
	watching := 0
	p := &nodePoller{
		clock:        fakeNow(time.Now),
		lister:       listerFunc(func() []provisioner.Node { return all }),
		enqueue:      func(key string) { got = append(got, key) },
		feedLister:   recentFunc(func(limit int) []provisioner.Node { asked = append(asked, limit); return recent }),
		watching:     func() int { return watching },
		feedInterval: 1,
	}
	feed := func() []string {
		got = nil
		p.pollFeed(context.Background())
		sort.Strings(got)
		return got
	}
	watching = 1
	if feed(); len(asked) != 0 {
		t.Fatal("the feed ran before the first full poll recorded the nodes")
	}
	p.poll(context.Background())

	watching = 0
	recent = []provisioner.Node{node("a", "active")}
	if got := feed(); len(got) != 0 || len(asked) != 0 {
		t.Fatalf("the feed ran (asked %v, enqueued %v) with no host watching", asked, got)
	}

	watching = 2
	recent = []provisioner.Node{node("c", "available"), node("a", "active"), node("b", "active")}
	if diff := cmp.Diff([]string{"default/a", "default/c"}, feed()); diff != "" {
		t.Errorf("enqueued (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"default/c"}, func() []string {
		recent = []provisioner.Node{node("c", "manageable"), node("a", "active")}
		return feed()
	}()); diff != "" {
		t.Errorf("second feed enqueued (-want +got):\n%s", diff)
	}
	if asked[0] != minFeedLimit || asked[1] != minFeedLimit {
		t.Errorf("asked for %v nodes, want at least %d each time", asked, minFeedLimit)
	}

	// What the feed saw is not reported again by the next full poll.
	all = []provisioner.Node{node("a", "active"), node("b", "active"), node("c", "manageable")}
	got = nil
	p.poll(context.Background())
	if len(got) != 0 {
		t.Errorf("the full poll enqueued %v, which the feed had already", got)
	}

	// A burst asks for more next time: twice what changed.
	var burst []provisioner.Node
	for i := 0; i < 40; i++ {
		burst = append(burst, node(string(rune('d'+i)), "enroll"))
	}
	recent = burst
	feed()
	feed()
	if last := asked[len(asked)-1]; last != 80 {
		t.Errorf("after 40 changes the feed asked for %d nodes, want 80", last)
	}
}

func TestNodeFeedPausesWhileNothingMovesAndResumesWhenPoked(t *testing.T) {
	clock := time.Unix(1000, 0)
	asked := 0
	nodes := []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "deploying"}}
	p := &nodePoller{
		lister:       listerFunc(func() []provisioner.Node { return nodes }),
		enqueue:      func(string) {},
		feedLister:   recentFunc(func(int) []provisioner.Node { asked++; return nodes }),
		watching:     func() int { return 1 },
		feedInterval: 500 * time.Millisecond,
		clock:        fakeNow(func() time.Time { return clock }),
	}
	p.poll(context.Background())
	tick := func(d time.Duration) int {
		asked = 0
		for end := clock.Add(d); clock.Before(end); clock = clock.Add(500 * time.Millisecond) {
			p.pollFeed(context.Background())
		}
		return asked
	}
	// Nothing moves, ticking every 500 ms: every tick for 10 s, then every 2 s, then every 8 s.
	if n := tick(10 * time.Second); n != 20 {
		t.Errorf("the feed asked %d times in the first 10 s, want every tick (20)", n)
	}
	if n := tick(50 * time.Second); n < 20 || n > 30 {
		t.Errorf("the feed asked %d times in the next 50 s, want about one per 2 s", n)
	}
	if n := tick(80 * time.Second); n < 8 || n > 12 {
		t.Errorf("the feed asked %d times in 80 s after a minute of nothing, want about one per %s", n, maxFeedPause)
	}
	asked = 0
	p.poke()
	p.pollFeed(context.Background())
	if asked != 1 {
		t.Errorf("a poked feed did not ask at its next tick")
	}
}

func TestAFedNodeStandsInForAReadOnlyWhenNewerThanTheHostsLastAction(t *testing.T) {
	clock := time.Unix(1000, 0)
	listed := []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "active"}}
	p := &nodePoller{
		lister:       listerFunc(func() []provisioner.Node { return listed }),
		enqueue:      func(string) {},
		feedLister:   recentFunc(func(int) []provisioner.Node { return listed }),
		watching:     func() int { return 1 },
		feedInterval: 500 * time.Millisecond,
		clock:        fakeNow(func() time.Time { return clock }),
	}
	p.poll(context.Background())
	listed = append(listed, provisioner.Node{ID: "id-b", Name: "default~b", ProvisionState: "available"})
	fedAt := clock
	p.pollFeed(context.Background())

	if n, ok := p.fedNode("default/a", "id-a", fedAt.Add(-time.Second)); !ok || n.ProvisionState != "active" {
		t.Errorf("a node listed after the host's last action was not used: %v %v", n, ok)
	}
	if _, ok := p.fedNode("default/a", "id-a", fedAt.Add(time.Millisecond)); ok {
		t.Error("a node listed before the host's last action was used")
	}
	if _, ok := p.fedNode("default/a", "id-other", fedAt.Add(-time.Second)); ok {
		t.Error("a node other than the one the host's status names was used")
	}
	if _, ok := p.fedNode("default/c", "id-c", fedAt.Add(-time.Second)); ok {
		t.Error("a host the feed did not list got a node")
	}
	clock = clock.Add(fedNodeFreshness + time.Millisecond)
	if _, ok := p.fedNode("default/a", "id-a", fedAt.Add(-time.Second)); ok {
		t.Error("a stale fed node was used")
	}

	// A response in which every listed node changed may have missed changes: it vouches for
	// no node, not even those it listed.
	p.pollFeed(context.Background())
	listed = []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "deploying"}}
	clock = clock.Add(500 * time.Millisecond)
	p.poke()
	p.pollFeed(context.Background())
	if n, ok := p.fedNode("default/a", "id-a", fedAt); ok {
		t.Errorf("a node from a saturated feed response was used: %v", n)
	}
}

// The feed never lists a node that vanished: once the full poll finds a host's node gone (a
// lost Ironic database), no node the feed listed before stands in for reading it.
func TestAFedNodeIsNotUsedOnceThePollFindsItGone(t *testing.T) {
	clock := time.Unix(1000, 0)
	listed := []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "manageable"}}
	var enqueued []string
	p := &nodePoller{
		lister:       listerFunc(func() []provisioner.Node { return listed }),
		enqueue:      func(key string) { enqueued = append(enqueued, key) },
		hostNodes:    func() map[string]string { return map[string]string{"default/a": "id-a"} },
		feedLister:   recentFunc(func(int) []provisioner.Node { return listed }),
		watching:     func() int { return 1 },
		feedInterval: 500 * time.Millisecond,
		clock:        fakeNow(func() time.Time { return clock }),
	}
	p.poll(context.Background())
	listed = []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "available"}, {ID: "id-z", Name: "default~z"}}
	p.pollFeed(context.Background())
	since := clock.Add(-time.Second)
	if _, ok := p.fedNode("default/a", "id-a", since); !ok {
		t.Fatal("the fed node was not used before the loss")
	}
	listed = nil // the database is gone
	p.poll(context.Background())
	if n, ok := p.fedNode("default/a", "id-a", since); ok {
		t.Errorf("a node the poll found gone was used from the feed: %v", n)
	}
	if !slices.Contains(enqueued, "default/a") {
		t.Errorf("the host whose node vanished was not enqueued: %v", enqueued)
	}
}

// fakeNow is a clock that tells the time its function returns.
type fakeNow func() time.Time

func (f fakeNow) Now() time.Time                  { return f() }
func (f fakeNow) Since(t time.Time) time.Duration { return f().Sub(t) }
