package host

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// nodePoller lists every node once per interval and enqueues only the hosts whose node
// changed or disappeared. Stable hosts therefore cost Ironic one shared request per interval,
// whatever their number, instead of one request each.
type nodePoller struct {
	lister   provisioner.NodeLister
	interval time.Duration
	enqueue  func(key string)
	// hostNodes returns, by host key, the node ID each host's status names. A host whose node
	// is not listed is enqueued even when no earlier poll saw that node: it may have been
	// registered and lost (a wiped database) between two polls.
	hostNodes func() map[string]string

	mu   sync.Mutex
	last map[string]nodeSummary // by host key "<namespace>/<name>"
	// missing holds, by host key, the node ID found missing, so that a host whose node stays
	// missing (its registration failing) is enqueued once, not on every poll.
	missing map[string]string
	// observe, when set, sees every listed node (discovery).
	observe func(ctx context.Context, nodes []provisioner.Node)

	// feedLister, when set, is asked every feedInterval, while watching() hosts wait on an
	// operation of their node, for the nodes changed last: the hosts whose node moved are
	// enqueued at once, so operations in flight cost one small request per interval for all
	// of them instead of a read of each node.
	feedLister   provisioner.RecentNodeLister
	feedInterval time.Duration
	watching     func() int
	// feedLimit is how many nodes the next feed request asks for; it follows how many
	// changed per interval lately.
	feedLimit int
	// lastMove is when the feed last saw a node change or was poked (a host started an
	// operation). The longer ago, the less often the feed asks: operations that have run for
	// minutes, such as a real deployment, need no request every half second.
	lastMove time.Time
	// feedResume is when the feed asks again.
	feedResume time.Time
	// clock is the node source's clock.
	clock clock.PassiveClock
	// fed holds, by host key, the nodes the feed listed lately and when it asked, so that a
	// host it enqueues can decide on that node without reading it again.
	fed map[string]fedNode
}

// fedNode is a node as the feed listed it.
type fedNode struct {
	node provisioner.Node
	// asked is when the request that listed it was sent: the node is at least that recent.
	asked time.Time
}

// fedNodeFreshness is how long a node listed by the feed stands in for a read of it. The feed
// keeps each entry current (a node listed again replaces it, and a change enqueues the host),
// but it cannot see a node vanish, so the limit bounds how long a host can miss that. (10 s
// saved no measurable reads at 1,000 hosts: 12.5 instead of 13.4 node GETs per host.)
const fedNodeFreshness = 2 * time.Second

// Bounds of the feed's request size. The top is well below a full list: a node that changed
// and fell out of a burst is caught by the host's own recheck or the next full poll.
const (
	minFeedLimit = 20
	maxFeedLimit = 500
	// maxFeedPause bounds the pause of a feed that sees no change.
	maxFeedPause = 8 * time.Second
)

// feedPause is how long the feed waits before asking again when nodes last moved since ago:
// every tick for 10 s (most steps of fake or fast hardware), then every 2 s for a minute,
// then maxFeedPause, like the per-host polling it replaces.
func feedPause(since time.Duration) time.Duration {
	switch {
	case since < 10*time.Second:
		return 0
	case since < time.Minute:
		return 2 * time.Second
	default:
		return maxFeedPause
	}
}

// poke makes the feed ask at its next tick: a host has just started an operation.
func (p *nodePoller) poke() {
	if !p.feeds() {
		return
	}
	p.mu.Lock()
	p.lastMove, p.feedResume = p.clock.Now(), time.Time{}
	p.mu.Unlock()
}

// nodeSummary is what a host's decision depends on; a change in it means "look at the host".
type nodeSummary struct {
	provision, target provisioner.ProvisionState
	power, targetPow  provisioner.PowerState
	lastError         string
	maintenance       bool
	locked            bool
	bmc, creds        string
}

func summarize(n provisioner.Node) nodeSummary {
	return nodeSummary{n.ProvisionState, n.TargetProvisionState, n.PowerState, n.TargetPowerState,
		n.LastError, n.Maintenance, n.Locked, n.BMCAddress, n.CredentialsVersion}
}

// hostKeyOfNode maps a node named "<namespace>~<name>" to its host's key.
func hostKeyOfNode(name string) (string, bool) {
	ns, n, ok := strings.Cut(name, "~")
	if !ok || ns == "" || n == "" {
		return "", false
	}
	return ns + "/" + n, true
}

func (p *nodePoller) run(ctx context.Context) {
	if p.feeds() {
		go wait.UntilWithContext(ctx, p.pollFeed, p.feedInterval)
	}
	wait.UntilWithContext(ctx, p.poll, p.interval)
}

// feeds reports whether the poller runs the feed of changed nodes.
func (p *nodePoller) feeds() bool {
	return p != nil && p.feedLister != nil && p.watching != nil && p.feedInterval > 0
}

// fedNode returns the node the feed listed for the host, if the request listing it was sent
// after since (the host's last action) and is still fresh, and it is the node id.
func (p *nodePoller) fedNode(key, id string, since time.Time) (*provisioner.Node, bool) {
	if !p.feeds() || id == "" {
		return nil, false
	}
	now := p.clock.Now
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.fed[key]
	if !ok || f.node.ID != id || !f.asked.After(since) || now().Sub(f.asked) > fedNodeFreshness || p.missing[key] == id {
		return nil, false
	}
	n := f.node
	return &n, true
}

// pollFeed (the feed) lists the nodes changed last, when any host waits on its node, and enqueues the
// hosts whose node changed since the poller last saw it.
func (p *nodePoller) pollFeed(ctx context.Context) {
	if p.watching() == 0 {
		return
	}
	now := p.clock.Now
	p.mu.Lock()
	ready, limit, resume := p.last != nil, p.feedLimit, p.feedResume
	p.mu.Unlock()
	if !ready {
		return // the first full poll sets what "changed" is measured against
	}
	if now().Before(resume) {
		return
	}
	limit = min(max(limit, minFeedLimit), maxFeedLimit)
	asked := now()
	list, err := p.feedLister.ListRecentNodes(ctx, limit)
	if err != nil {
		klog.FromContext(ctx).V(1).Info("Node feed failed; hosts look at their nodes themselves", "err", redact.URLs(err.Error()))
		return
	}
	var changed []string
	p.mu.Lock()
	if p.fed == nil {
		p.fed = map[string]fedNode{}
	}
	for key, f := range p.fed {
		if asked.Sub(f.asked) > fedNodeFreshness {
			delete(p.fed, key)
		}
	}
	for _, n := range list {
		key, ok := hostKeyOfNode(n.Name)
		if !ok {
			continue
		}
		p.fed[key] = fedNode{node: n, asked: asked}
		if s := summarize(n); p.last[key] != s {
			p.last[key] = s
			changed = append(changed, key)
		}
	}
	if len(list) > 0 && len(changed) == len(list) {
		// Every node listed had changed: more may have changed than the request held, so no
		// listed node can vouch that a host's node stayed as the feed saw it.
		clear(p.fed)
	}
	// Ask for twice what changed this time: every change of the next interval then fits, and
	// an overflowing burst doubles the request until it does.
	p.feedLimit = 2 * len(changed)
	if len(changed) > 0 || p.lastMove.IsZero() {
		p.lastMove = asked
	}
	p.feedResume = now().Add(feedPause(now().Sub(p.lastMove)) - p.feedInterval/2)
	p.mu.Unlock()
	for _, key := range changed {
		p.enqueue(key)
	}
	klog.FromContext(ctx).V(4).Info("Node feed", "asked", limit, "changed", len(changed))
}

// poll lists the nodes and enqueues the hosts whose node changed since the previous poll.
// The first poll only records what it sees: every host is synced at start anyway.
func (p *nodePoller) poll(ctx context.Context) {
	logger := klog.FromContext(ctx)
	list, err := p.lister.ListNodes(ctx)
	if err != nil {
		logger.V(1).Info("Shared node poll failed; hosts keep their state", "err", redact.URLs(err.Error()))
		return
	}
	if p.observe != nil {
		p.observe(ctx, list)
	}
	seen := make(map[string]nodeSummary, len(list))
	listed := make(map[string]bool, len(list))
	for _, n := range list {
		listed[n.ID] = true
		if key, ok := hostKeyOfNode(n.Name); ok {
			seen[key] = summarize(n)
		}
	}
	missing := map[string]string{}
	if p.hostNodes != nil {
		for key, id := range p.hostNodes() {
			if id != "" && !listed[id] {
				missing[key] = id
			}
		}
	}
	// Compared under the lock: the feed updates p.last between full polls.
	changed := map[string]bool{}
	p.mu.Lock()
	first, last, wasMissing := p.last == nil, p.last, p.missing
	p.last, p.missing = seen, missing
	if !first {
		for key, s := range seen {
			if old, ok := last[key]; !ok || old != s {
				changed[key] = true
			}
		}
		for key := range last {
			if _, ok := seen[key]; !ok {
				changed[key] = true // the node vanished: a lost Ironic database, or deleted behind our back
			}
		}
		for key, id := range missing {
			if wasMissing[key] != id {
				changed[key] = true // the node the host's status names is gone, whether or not a poll saw it
			}
		}
	}
	// A host this poll enqueues reads its node: the feed never lists a node that vanished
	// (a lost Ironic database), so a node it listed before could hide that.
	for key := range changed {
		delete(p.fed, key)
	}
	p.mu.Unlock()
	for key := range changed {
		p.enqueue(key)
	}
	logger.V(3).Info("Shared node poll", "nodes", len(list), "changed", len(changed))
}

// hostNodeIDs returns, by host key, the node ID each host's status names.
func (c *Controller) hostNodeIDs() map[string]string {
	hosts, err := c.hosts.List(labels.Everything())
	if err != nil {
		return nil
	}
	out := make(map[string]string, len(hosts))
	for _, h := range hosts {
		if id := h.Status.Provisioning.ID; id != "" {
			out[h.Namespace+"/"+h.Name] = id
		}
	}
	return out
}
