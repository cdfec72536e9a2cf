package controller

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// nodePoller lists every node once per interval and enqueues only the hosts whose node
// changed or disappeared. Stable hosts therefore cost Ironic one shared request per interval,
// whatever their number, instead of one request each.
type nodePoller struct {
	lister   provisioner.NodeLister
	interval time.Duration
	enqueue  func(key string)

	mu   sync.Mutex
	last map[string]nodeSummary // by host key "<namespace>/<name>"
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
	wait.UntilWithContext(ctx, p.poll, p.interval)
}

// poll lists the nodes and enqueues the hosts whose node changed since the previous poll.
// The first poll only records what it sees: every host is synced at start anyway.
func (p *nodePoller) poll(ctx context.Context) {
	logger := klog.FromContext(ctx)
	list, err := p.lister.ListNodes(ctx)
	if err != nil {
		logger.V(1).Info("Shared node poll failed; hosts keep their state", "err", err)
		return
	}
	seen := make(map[string]nodeSummary, len(list))
	for _, n := range list {
		if key, ok := hostKeyOfNode(n.Name); ok {
			seen[key] = summarize(n)
		}
	}
	p.mu.Lock()
	first, last := p.last == nil, p.last
	p.last = seen
	p.mu.Unlock()
	if first {
		return
	}
	changed := 0
	for key, s := range seen {
		if old, ok := last[key]; !ok || old != s {
			p.enqueue(key)
			changed++
		}
	}
	for key := range last {
		if _, ok := seen[key]; !ok {
			p.enqueue(key) // the node vanished: a lost Ironic database, or deleted behind our back
			changed++
		}
	}
	logger.V(3).Info("Shared node poll", "nodes", len(list), "changed", changed)
}
