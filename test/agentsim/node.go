package agentsim

import (
	"maps"
	"time"
)

// Stats are the counters and records of one node's simulated agent.
type Stats struct {
	// Boots counts ramdisk boots (lookups that returned a token).
	Boots int
	// Heartbeats counts heartbeats Ironic accepted.
	Heartbeats int
	// Deploys counts images written (write_image, prepare_image or cache_image succeeded).
	Deploys int
	// FailedDeploys counts image writes that failed (download or checksum).
	FailedDeploys int
	// Downloads counts complete image downloads; DownloadedBytes their size.
	Downloads       int
	DownloadedBytes int64
	// Inspections counts inventories posted to ironic-inspector.
	Inspections int
	// Cleans counts cleaning runs: boots in which at least one clean step ran.
	Cleans int
	// CleanSteps counts each clean step executed, by name (e.g. erase_devices_metadata).
	CleanSteps map[string]int
	// Commands counts every command Ironic sent.
	Commands int
	// ImageURL is the URL of the last image written, ImageDigest its digest.
	ImageURL, ImageDigest string
	// ConfigDrive is the config drive of the last image written (nil when none was given).
	ConfigDrive *ConfigDrive
	// LastError is the last command error reported to Ironic.
	LastError string
	// Running reports whether the node's ramdisk is up (heartbeating).
	Running bool
}

// simNode is the agent state of one node. Guarded by Agent.mu.
type simNode struct {
	uuid     string
	running  bool // the ramdisk is up: heartbeats go out, commands are answered
	booting  bool // a lookup is in flight
	token    string
	commands []*command
	cleaned  bool // a clean step ran during this boot
	hbDue    time.Time
	hbBusy   bool
	stats    Stats
	// inspecting: the node waits for inspection data and this agent posted (or is posting,
	// posting) it during this wait; system numbers its default inventory.
	inspecting, posting bool
	system              int
}

// Node returns a copy of a node's counters and records (zero Stats for a node never seen).
func (a *Agent) Node(uuid string) Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.nodes[uuid]
	if !ok {
		return Stats{}
	}
	s := n.stats
	s.CleanSteps = maps.Clone(n.stats.CleanSteps)
	s.Running = n.running
	return s
}

// Totals sums the counters of every node (records such as ConfigDrive are left empty).
func (a *Agent) Totals() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := Stats{CleanSteps: map[string]int{}}
	for _, n := range a.nodes {
		s := n.stats
		t.Boots += s.Boots
		t.Heartbeats += s.Heartbeats
		t.Deploys += s.Deploys
		t.FailedDeploys += s.FailedDeploys
		t.Downloads += s.Downloads
		t.DownloadedBytes += s.DownloadedBytes
		t.Cleans += s.Cleans
		t.Inspections += s.Inspections
		t.Commands += s.Commands
		for k, v := range s.CleanSteps {
			t.CleanSteps[k] += v
		}
	}
	return t
}

// node returns the record of a node, creating it. Call with a.mu held.
func (a *Agent) node(uuid string) *simNode {
	n, ok := a.nodes[uuid]
	if !ok {
		n = &simNode{uuid: uuid, stats: Stats{CleanSteps: map[string]int{}}}
		a.nodes[uuid] = n
	}
	return n
}

// shutDown stops a node's ramdisk. Call with a.mu held.
func (n *simNode) shutDown() {
	n.running, n.token, n.commands, n.cleaned, n.hbBusy = false, "", nil, false, false
}
