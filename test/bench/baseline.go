package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/metalkube/metalkube/test/ironictest"
)

// BaselineOptions configure RunBaseline.
type BaselineOptions struct {
	// Endpoint is Ironic's API root (the counting proxy's URL).
	Endpoint string
	// N is the number of nodes.
	N int
	// Concurrency is how many requests the driver has in flight at most (default 20).
	Concurrency int
	// Poll is the period of the node list (default 500ms).
	Poll time.Duration
	// Timeout bounds each of the two phases (default 10 min + 1 s per node).
	Timeout time.Duration
	// Logf reports progress.
	Logf func(format string, args ...any)
}

// BaselineResult is what RunBaseline measured.
type BaselineResult struct {
	// Start is when the first node was created; AllActive when the last became active;
	// UndeployStart when undeploying began; AllGone when the last node was deleted.
	Start, AllActive, UndeployStart, AllGone time.Time
	// ToActive and ToGone are each node's time from its creation to active, and from the
	// start of undeploying to its deletion.
	ToActive, ToGone []time.Duration
	// Failures are nodes that ended in a failed state, with Ironic's last_error.
	Failures []string
	// Samples are node counts per provision state at each poll, timed from Start.
	Samples []Sample
}

// RunBaseline drives N fake-hardware nodes through the lifecycle the controller drives hosts
// through, directly against Ironic, the way a lean hand-written client would (BENCHMARKS.md,
// "What limits Ironic"): a pool of Concurrency workers issues one step at a time per node, and
// one shared node list every Poll says which nodes finished their step. The lifecycle: create the node with its boot-MAC port
// and ask to manage it → inspect → provide (automated cleaning on) → set instance_info and
// deploy with a config drive → active. Then, once every node is active: undeploy → available
// → delete.
func RunBaseline(ctx context.Context, o BaselineOptions) (*BaselineResult, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 20
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 10*time.Minute + time.Duration(o.N)*time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	d := &driver{o: o, http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: o.Concurrency + 4, MaxIdleConnsPerHost: o.Concurrency + 4,
	}}, nodes: make([]*baseNode, o.N), work: make(chan task, 2*o.N+o.Concurrency)}
	for i := range d.nodes {
		d.nodes[i] = &baseNode{}
	}
	res := &BaselineResult{}
	var wg sync.WaitGroup
	workCtx, stopWorkers := context.WithCancel(ctx)
	defer func() { stopWorkers(); wg.Wait() }()
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); d.worker(workCtx) }()
	}

	res.Start = time.Now()
	d.start = res.Start
	d.mu.Lock()
	for i := range d.nodes {
		d.enqueue(i, "create")
	}
	d.mu.Unlock()
	if err := d.pollUntil(ctx, phaseUp); err != nil {
		return res, err
	}
	res.AllActive = d.lastAt(func(n *baseNode) time.Time { return n.activeAt })
	o.Logf("baseline: %d nodes active after %.1f s", o.N, res.AllActive.Sub(res.Start).Seconds())

	res.UndeployStart = time.Now()
	d.mu.Lock()
	for i, n := range d.nodes {
		if n.uuid != "" && n.failure == "" {
			d.enqueue(i, "undeploy")
		}
	}
	d.mu.Unlock()
	if err := d.pollUntil(ctx, phaseDown); err != nil {
		return res, err
	}
	res.AllGone = d.lastAt(func(n *baseNode) time.Time { return n.goneAt })
	o.Logf("baseline: %d nodes deleted after %.1f s", o.N, res.AllGone.Sub(res.UndeployStart).Seconds())
	for _, n := range d.nodes {
		if !n.activeAt.IsZero() {
			res.ToActive = append(res.ToActive, n.activeAt.Sub(n.createdAt))
		}
		if !n.goneAt.IsZero() {
			res.ToGone = append(res.ToGone, n.goneAt.Sub(res.UndeployStart))
		}
		if n.failure != "" {
			res.Failures = append(res.Failures, n.failure)
		}
	}
	res.Samples = d.samples
	return res, nil
}

type phase int

const (
	phaseUp phase = iota
	phaseDown
)

type baseNode struct {
	uuid string
	// busy: a task for the node is queued or running.
	busy bool
	// doneAt is when its last step's request returned; polls started before it are stale.
	doneAt    time.Time
	inspected bool
	undeploy  bool // the undeploy request was accepted
	deleting  bool // the DELETE was accepted
	createdAt time.Time
	activeAt  time.Time
	goneAt    time.Time
	failure   string
}

type task struct {
	i      int
	action string
}

type driver struct {
	o     BaselineOptions
	http  *http.Client
	work  chan task
	start time.Time

	mu      sync.Mutex
	nodes   []*baseNode
	samples []Sample
}

// enqueue queues a step for node i; d.mu must be held. The queue holds a step for every node,
// so it never blocks.
func (d *driver) enqueue(i int, action string) {
	d.nodes[i].busy = true
	d.work <- task{i, action}
}

func (d *driver) lastAt(at func(*baseNode) time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	var last time.Time
	for _, n := range d.nodes {
		if t := at(n); t.After(last) {
			last = t
		}
	}
	return last
}

func (d *driver) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-d.work:
			err := d.do(ctx, t)
			d.mu.Lock()
			n := d.nodes[t.i]
			n.busy = false
			n.doneAt = time.Now()
			if err != nil && n.failure == "" && !isRetryable(err) {
				n.failure = fmt.Sprintf("%s: %s: %v", HostName(t.i), t.action, err)
			}
			d.mu.Unlock()
		}
	}
}

// do carries out one step. Steps that Ironic refuses with 409 (node locked) or 400 (not in
// the expected state yet) are retried after the next poll.
func (d *driver) do(ctx context.Context, t task) error {
	d.mu.Lock()
	n := d.nodes[t.i]
	id := n.uuid
	d.mu.Unlock()
	name := HostName(t.i)
	switch t.action {
	case "create":
		var node struct {
			UUID string `json:"uuid"`
		}
		body := map[string]any{"name": name, "driver": "fake-hardware", "automated_clean": true,
			"properties": map[string]any{"cpu_arch": "x86_64", "capabilities": "boot_mode:uefi"}}
		if err := d.call(ctx, http.MethodPost, "/v1/nodes", body, &node); err != nil {
			return err
		}
		d.mu.Lock()
		n.uuid, n.createdAt = node.UUID, time.Now()
		d.mu.Unlock()
		if err := d.call(ctx, http.MethodPost, "/v1/ports", map[string]any{"node_uuid": node.UUID, "address": MAC(t.i), "pxe_enabled": true}, nil); err != nil {
			return err
		}
		return d.provision(ctx, node.UUID, map[string]any{"target": "manage"})
	case "manage":
		return d.provision(ctx, id, map[string]any{"target": "manage"})
	case "inspect":
		if err := d.provision(ctx, id, map[string]any{"target": "inspect"}); err != nil {
			return err
		}
		d.mu.Lock()
		n.inspected = true
		d.mu.Unlock()
		return nil
	case "provide":
		return d.provision(ctx, id, map[string]any{"target": "provide"})
	case "deploy":
		info := map[string]any{"image_source": ImageURL, "image_checksum": ImageChecksum, "image_disk_format": "qcow2",
			"capabilities": map[string]any{"boot_mode": "uefi"}}
		patch := []map[string]any{{"op": "add", "path": "/instance_info", "value": info}}
		if err := d.call(ctx, http.MethodPatch, "/v1/nodes/"+id, patch, nil); err != nil {
			return err
		}
		drive := map[string]any{"meta_data": map[string]any{"uuid": id, "name": name, "local-hostname": name},
			"user_data": "#cloud-config\n"}
		return d.provision(ctx, id, map[string]any{"target": "active", "configdrive": drive})
	case "undeploy":
		if err := d.provision(ctx, id, map[string]any{"target": "deleted"}); err != nil {
			return err
		}
		d.mu.Lock()
		n.undeploy = true
		d.mu.Unlock()
		return nil
	case "delete":
		if err := d.call(ctx, http.MethodDelete, "/v1/nodes/"+id, nil, nil); err != nil {
			return err
		}
		d.mu.Lock()
		n.deleting = true
		d.mu.Unlock()
		return nil
	}
	return fmt.Errorf("unknown step %q", t.action)
}

func (d *driver) provision(ctx context.Context, id string, body map[string]any) error {
	return d.call(ctx, http.MethodPut, "/v1/nodes/"+id+"/states/provision", body, nil)
}

// httpError is a non-2xx answer.
type httpError struct {
	status int
	body   string
}

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

func isRetryable(err error) bool {
	he, ok := err.(*httpError)
	return ok && (he.status == http.StatusConflict || he.status == http.StatusBadRequest || he.status == http.StatusServiceUnavailable)
}

// call sends one request with the newest microversion and decodes a JSON answer into out.
func (d *driver) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.o.Endpoint+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", ironictest.MaxMicroversion)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return &httpError{resp.StatusCode, string(data)}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// listedNode is a node in the poll's list.
type listedNode struct {
	UUID   string `json:"uuid"`
	State  string `json:"provision_state"`
	Target string `json:"target_provision_state"`
}

// list returns every node, following Ironic's pagination.
func (d *driver) list(ctx context.Context) ([]listedNode, error) {
	var all []listedNode
	next := "/v1/nodes?fields=uuid,provision_state,target_provision_state&limit=1000"
	for next != "" {
		var page struct {
			Nodes []listedNode `json:"nodes"`
			Next  string       `json:"next"`
		}
		if err := d.call(ctx, http.MethodGet, next, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Nodes...)
		next = ""
		if page.Next != "" && len(page.Nodes) > 0 {
			u, err := url.Parse(page.Next)
			if err != nil {
				return nil, err
			}
			next = u.RequestURI()
		}
	}
	return all, nil
}

// pollUntil lists the nodes every Poll and starts each node's next step, until every node
// has finished the phase (or failed).
func (d *driver) pollUntil(ctx context.Context, p phase) error {
	deadline := time.Now().Add(d.o.Timeout)
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		polled := time.Now()
		list, err := d.list(ctx)
		if err != nil {
			d.o.Logf("baseline: listing nodes: %v", err)
			continue
		}
		byUUID := make(map[string]listedNode, len(list))
		counts := map[string]int{}
		for _, ln := range list {
			byUUID[ln.UUID] = ln
			counts[ln.State]++
		}
		now := time.Now()
		d.mu.Lock()
		pending := 0
		var failed []int
		for i, n := range d.nodes {
			if n.failure != "" {
				continue
			}
			done := (p == phaseUp && !n.activeAt.IsZero()) || (p == phaseDown && !n.goneAt.IsZero())
			if done {
				continue
			}
			pending++
			if n.busy || n.uuid == "" || polled.Before(n.doneAt) {
				continue // a step is under way, or this list may predate its effect
			}
			ln, listed := byUUID[n.uuid]
			if !listed {
				if n.deleting {
					n.goneAt = now
					pending--
				}
				continue
			}
			if ln.Target != "" {
				continue
			}
			next := ""
			switch ln.State {
			case "enroll":
				next = "manage" // the create step's manage was refused
			case "manageable":
				next = "provide"
				if !n.inspected {
					next = "inspect"
				}
			case "available":
				if p == phaseUp {
					next = "deploy"
				} else if n.undeploy {
					next = "delete"
				}
			case "active":
				if p == phaseUp {
					n.activeAt = now
					pending--
				} else {
					next = "undeploy"
				}
			case "deploy failed", "clean failed", "inspect failed", "error", "adopt failed", "rescue failed":
				failed = append(failed, i)
				n.failure = fmt.Sprintf("%s: %s", HostName(i), ln.State)
			}
			if next != "" {
				d.enqueue(i, next)
			}
		}
		if len(d.nodes) > 0 {
			gone := 0
			for _, n := range d.nodes {
				if !n.goneAt.IsZero() {
					gone++
				}
			}
			if gone > 0 {
				counts["deleted"] = gone
			}
		}
		d.samples = append(d.samples, Sample{T: round(polled.Sub(d.start).Seconds(), 2), Counts: counts})
		d.mu.Unlock()
		for _, i := range failed {
			d.o.Logf("baseline: node %s failed: %s", HostName(i), d.lastError(ctx, i))
		}
		if pending == 0 {
			return nil
		}
		if time.Since(lastReport) > 10*time.Second {
			d.o.Logf("baseline: %d nodes still working (%v)", pending, counts)
			lastReport = time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("baseline: %d nodes not done after %s: %v", pending, d.o.Timeout, counts)
		}
	}
}

// lastError reads a failed node's last_error.
func (d *driver) lastError(ctx context.Context, i int) string {
	var n struct {
		LastError string `json:"last_error"`
	}
	if err := d.call(ctx, http.MethodGet, "/v1/nodes/"+d.nodes[i].uuid+"?fields=last_error", nil, &n); err != nil {
		return err.Error()
	}
	return n.LastError
}
