package agentsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiVersion is the microversion of the agent's requests to Ironic: lookup and heartbeat with
// agent_token (1.62) and agent_version (1.36).
const apiVersion = "1.68"

// bootStates are the provision states in which Ironic waits for an agent to boot: deploy and
// cleaning.
var bootStates = []string{"wait call-back", "clean wait"}

// listedNode is one entry of the node list the poller reads.
type listedNode struct {
	UUID             string `json:"uuid"`
	ProvisionState   string `json:"provision_state"`
	DeployInterface  string `json:"deploy_interface"`
	InspectInterface string `json:"inspect_interface"`
}

// pollLoop reads Ironic's node list every PollInterval and boots or stops ramdisks.
func (a *Agent) pollLoop() {
	t := time.NewTicker(a.opts.PollInterval)
	defer t.Stop()
	for {
		a.poll()
		select {
		case <-a.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// poll lists the nodes Ironic waits for (one paginated request with three fields per driver
// and waiting state, so its cost follows the number of waiting nodes, not of all nodes) and
// boots a ramdisk (lookup, then heartbeats) on each direct-deploy node without one. Ramdisks
// stop on their own: standby.power_off at the end of a deploy, or the first heartbeat Ironic
// refuses once it wiped the token (end of cleaning, a new deploy after a failed one).
func (a *Agent) poll() {
	var listed []listedNode
	for _, d := range a.opts.Drivers {
		for _, state := range bootStates {
			ns, err := a.listNodes(d, state)
			if err != nil {
				a.opts.Logf("agentsim: listing nodes: %v", err)
				return
			}
			listed = append(listed, ns...)
		}
	}
	if a.opts.InspectorURL != "" {
		var inspecting []listedNode
		for _, d := range a.opts.Drivers {
			ns, err := a.listNodes(d, inspectState)
			if err != nil {
				a.opts.Logf("agentsim: listing nodes: %v", err)
				return
			}
			inspecting = append(inspecting, ns...)
		}
		a.pollInspections(inspecting)
	}
	var boot []string
	a.mu.Lock()
	for _, l := range listed {
		if l.DeployInterface != "direct" {
			continue
		}
		if n := a.node(l.UUID); !n.running && !n.booting {
			n.booting = true
			boot = append(boot, l.UUID)
		}
	}
	a.mu.Unlock()
	for _, uuid := range boot {
		uuid := uuid
		a.submit(func() { a.boot(uuid) })
	}
}

func (a *Agent) listNodes(driver, state string) ([]listedNode, error) {
	q := url.Values{"driver": {driver}, "provision_state": {state}, "fields": {"uuid,provision_state,deploy_interface,inspect_interface"}, "limit": {"1000"}}
	next := a.opts.IronicURL + "/v1/nodes?" + q.Encode()
	var out []listedNode
	for next != "" {
		var page struct {
			Nodes []listedNode `json:"nodes"`
			Next  string       `json:"next"`
		}
		if err := a.ironic(http.MethodGet, next, nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Nodes...)
		next = page.Next
	}
	return out, nil
}

// boot is a ramdisk coming up: GET /v1/lookup?node_uuid=... gives the agent token.
func (a *Agent) boot(uuid string) {
	var resp struct {
		Config struct {
			AgentToken string `json:"agent_token"`
		} `json:"config"`
	}
	err := a.ironic(http.MethodGet, a.opts.IronicURL+"/v1/lookup?node_uuid="+url.QueryEscape(uuid), nil, &resp)
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.node(uuid)
	n.booting = false
	switch {
	case err != nil:
		a.opts.Logf("agentsim: lookup of node %s: %v", uuid, err)
		return
	case resp.Config.AgentToken == "" || strings.Trim(resp.Config.AgentToken, "*") == "":
		// Ironic hands a token out once per boot; "******" means another agent got it.
		a.opts.Logf("agentsim: lookup of node %s gave no agent token", uuid)
		return
	}
	n.shutDown()
	n.running, n.token = true, resp.Config.AgentToken
	n.hbDue = time.Now()
	n.stats.Boots++
	a.opts.Logf("agentsim: node %s booted its ramdisk", uuid)
}

// heartbeatLoop sends the heartbeats that are due, through the workers.
func (a *Agent) heartbeatLoop() {
	tick := a.opts.HeartbeatInterval / 10
	if tick > 100*time.Millisecond {
		tick = 100 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case now := <-t.C:
			var due []string
			a.mu.Lock()
			for uuid, n := range a.nodes {
				if n.running && !n.hbBusy && !now.Before(n.hbDue) {
					n.hbBusy = true
					due = append(due, uuid)
				}
			}
			a.mu.Unlock()
			for _, uuid := range due {
				uuid := uuid
				a.submit(func() { a.heartbeat(uuid) })
			}
		}
	}
}

// heartbeat is POST /v1/heartbeat/{node} with callback_url, agent_token and agent_version.
// A refused heartbeat (a token Ironic no longer knows, a node gone) stops the ramdisk; the
// poller boots a new one if Ironic still waits.
func (a *Agent) heartbeat(uuid string) {
	a.mu.Lock()
	n := a.node(uuid)
	token, running := n.token, n.running
	a.mu.Unlock()
	var err error
	if running {
		body := map[string]string{"callback_url": a.callbackURL(uuid), "agent_token": token, "agent_version": Version}
		err = a.ironic(http.MethodPost, a.opts.IronicURL+"/v1/heartbeat/"+uuid, body, nil)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	n.hbBusy = false
	if !running || !n.running || n.token != token {
		return
	}
	n.hbDue = time.Now().Add(a.opts.HeartbeatInterval)
	if err == nil {
		n.stats.Heartbeats++
		return
	}
	a.opts.Logf("agentsim: heartbeat of node %s: %v", uuid, err)
	if se, ok := err.(*statusError); ok && (se.code == http.StatusBadRequest || se.code == http.StatusNotFound) {
		n.shutDown()
	}
}

// statusError is an Ironic response with an error status.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.code, e.body) }

// ironic sends one request to Ironic's API and decodes the JSON answer into out (if not nil).
func (a *Agent) ironic(method, u string, body, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", apiVersion)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return &statusError{code: resp.StatusCode, body: strings.TrimSpace(string(data))}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
