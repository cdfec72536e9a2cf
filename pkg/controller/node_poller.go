package controller

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
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
	p.mu.Lock()
	first, last, wasMissing := p.last == nil, p.last, p.missing
	p.last, p.missing = seen, missing
	p.mu.Unlock()
	if first {
		return
	}
	changed := map[string]bool{}
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
	for key := range changed {
		p.enqueue(key)
	}
	logger.V(3).Info("Shared node poll", "nodes", len(list), "changed", len(changed))
}

// hostNodeIDs returns, by host key, the node ID each host's status names.
func (c *HostController) hostNodeIDs() map[string]string {
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
