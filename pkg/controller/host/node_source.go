package host

import (
	"context"
	"time"

	"k8s.io/utils/clock"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// nodeSource is where the host sync gets a host's node, and the one owner of node freshness:
// the shared full poll, the feed of recently changed nodes, which hosts the feed watches, when
// a node the feed listed may stand in for a read, and how soon a host looks at its node again.
// One clock serves all of them.
type nodeSource struct {
	prov  provisioner.Provisioner
	clock clock.PassiveClock
	// poller lists every node at once; nil when the provisioner cannot list nodes, and each
	// stable host then reads its own node every steadyResync.
	poller       *nodePoller
	watched      *watchedHosts
	steadyResync time.Duration
}

// nodeSourceOptions are what newNodeSource needs.
type nodeSourceOptions struct {
	Provisioner provisioner.Provisioner
	Clock       clock.PassiveClock
	// PollInterval is the period of the full poll (default 1m).
	PollInterval time.Duration
	// FeedInterval is the period of the feed (default 500ms; negative turns it off).
	FeedInterval time.Duration
	// SteadyResync is how often a stable host reads its node without a full poll.
	SteadyResync time.Duration
	// Enqueue asks for a host to be synced.
	Enqueue func(key string)
	// HostNodes returns, by host key, the node ID each host's status names.
	HostNodes func() map[string]string
	// Observe, when set, sees every node the full poll lists (discovery).
	Observe func(ctx context.Context, nodes []provisioner.Node)
}

func newNodeSource(o nodeSourceOptions) *nodeSource {
	s := &nodeSource{prov: o.Provisioner, clock: o.Clock, watched: newWatchedHosts(o.Clock), steadyResync: o.SteadyResync}
	lister, ok := o.Provisioner.(provisioner.NodeLister)
	if !ok {
		return s
	}
	interval := o.PollInterval
	if interval == 0 {
		interval = time.Minute
	}
	s.poller = &nodePoller{lister: lister, interval: interval, enqueue: o.Enqueue, hostNodes: o.HostNodes,
		observe: o.Observe, clock: o.Clock}
	if feedLister, ok := o.Provisioner.(provisioner.RecentNodeLister); ok && o.FeedInterval >= 0 {
		s.poller.feedLister, s.poller.watching, s.poller.feedInterval = feedLister, s.watched.len, o.FeedInterval
		if s.poller.feedInterval == 0 {
			s.poller.feedInterval = 500 * time.Millisecond
		}
	}
	return s
}

// run polls (and feeds) until ctx ends, when the provisioner can list nodes.
func (s *nodeSource) run(ctx context.Context) {
	if s.poller != nil {
		s.poller.run(ctx)
	}
}

// node is the host's node: the one the feed listed after the host's last action while it is
// fresh, otherwise a read.
func (s *nodeSource) node(ctx context.Context, key string, h *metal3.BareMetalHost) (*provisioner.Node, error) {
	if fed, ok := s.poller.fedNode(key, h.Status.Provisioning.ID, s.watched.lastAction(key)); ok {
		return fed, nil
	}
	return s.prov.FindNode(ctx, hostRef(h))
}

// acted records that an action on the host's node has just returned: nodes listed before now
// do not show its effect.
func (s *nodeSource) acted(key string) { s.watched.actedAt(key, s.clock.Now()) }

// forget drops a deleted host.
func (s *nodeSource) forget(key string) { s.watched.forget(key) }

// updates is how node changes reach the controller: hoststate decides from it how soon a host
// looks again by itself.
func (s *nodeSource) updates() hoststate.NodeUpdates {
	return hoststate.NodeUpdates{Fed: s.poller.feeds(), Polled: s.poller != nil, SteadyResync: s.steadyResync}
}

// track records, after a sync, whether the host waits on its node (the feed runs while any
// host does) and whether an action on its node was just accepted (the feed looks at once).
func (s *nodeSource) track(key string, watchNode, acted bool) {
	if !s.poller.feeds() {
		return
	}
	s.watched.set(key, watchNode)
	if acted {
		s.poller.poke() // the node is about to move
	}
}
