package host

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// readingProvisioner counts node reads and cannot list nodes.
type readingProvisioner struct {
	provisioner.Provisioner
	reads int
}

func (p *readingProvisioner) FindNode(context.Context, provisioner.HostRef) (*provisioner.Node, error) {
	p.reads++
	return &provisioner.Node{ID: "id-a", ProvisionState: "read"}, nil
}

// listingProvisioner also lists nodes, for the full poll and the feed.
type listingProvisioner struct {
	readingProvisioner
	nodes []provisioner.Node
}

func (p *listingProvisioner) ListNodes(context.Context) ([]provisioner.Node, error) {
	return p.nodes, nil
}
func (p *listingProvisioner) ListRecentNodes(context.Context, int) ([]provisioner.Node, error) {
	return p.nodes, nil
}

// The node source says how node changes reach the controller; hoststate turns that into the
// next look (TestNextLook there).
func TestNodeSourceUpdates(t *testing.T) {
	const steady = 5 * time.Minute
	for _, tc := range []struct {
		name  string
		lists bool
		feed  time.Duration
		want  hoststate.NodeUpdates
	}{
		{name: "a provisioner that cannot list: each host reads its own node", want: hoststate.NodeUpdates{SteadyResync: steady}},
		{name: "a listing provisioner: polled and fed", lists: true, want: hoststate.NodeUpdates{Fed: true, Polled: true, SteadyResync: steady}},
		{name: "the feed turned off: polled only", lists: true, feed: -1, want: hoststate.NodeUpdates{Polled: true, SteadyResync: steady}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var prov provisioner.Provisioner = &readingProvisioner{}
			if tc.lists {
				prov = &listingProvisioner{}
			}
			s := newNodeSource(nodeSourceOptions{Provisioner: prov, Clock: fakeNow(time.Now), FeedInterval: tc.feed,
				SteadyResync: steady, Enqueue: func(string) {}})
			if got := s.updates(); got != tc.want {
				t.Errorf("updates = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The node source's one clock decides whether a fed node is still fresh enough to stand in for
// a read.
func TestNodeSourceUsesAFedNodeOnlyWhileFresh(t *testing.T) {
	now := time.Unix(1000, 0)
	prov := &listingProvisioner{nodes: []provisioner.Node{{ID: "id-a", Name: "default~a", ProvisionState: "fed"}}}
	s := newNodeSource(nodeSourceOptions{Provisioner: prov, Clock: fakeNow(func() time.Time { return now }),
		Enqueue: func(string) {}})
	host := &metal3.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "a"}}
	host.Status.Provisioning.ID = "id-a"
	ctx := context.Background()

	s.track("default/a", true, true) // acted, and waits on its node
	s.acted("default/a")
	now = now.Add(time.Millisecond)
	s.poller.poll(ctx)
	s.poller.pollFeed(ctx)
	if n, _ := s.node(ctx, "default/a", host); n.ProvisionState != "fed" || prov.reads != 0 {
		t.Errorf("node %q after %d reads, want the fed node and no read", n.ProvisionState, prov.reads)
	}
	now = now.Add(fedNodeFreshness + time.Millisecond)
	if n, _ := s.node(ctx, "default/a", host); n.ProvisionState != "read" || prov.reads != 1 {
		t.Errorf("node %q after %d reads, want a read once the fed node is stale", n.ProvisionState, prov.reads)
	}
}
