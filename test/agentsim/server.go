package agentsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Command statuses as IPA reports them.
const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
)

// command is one command result, serialised as IPA's BaseCommandResult. Fields are guarded
// by Agent.mu; done is closed once the command finished.
type command struct {
	ID     string `json:"id"`
	Name   string `json:"command_name"`
	Status string `json:"command_status"`
	Error  any    `json:"command_error"`
	Result any    `json:"command_result"`
	done   chan struct{}
}

// ServeHTTP serves the agent API of every node: /{node uuid}/v1/commands/ (POST runs a
// command, GET lists them), /{node uuid}/v1/commands/{id} and /{node uuid}/v1/status, as
// IPA serves /v1/... on its own address.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uuid, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rest = "/" + strings.TrimPrefix(rest, "v1/")
	a.mu.Lock()
	n, ok := a.nodes[uuid]
	running := ok && n.running
	a.mu.Unlock()
	if !running {
		// No ramdisk is up at this address: as good as a connection refused.
		fault(w, http.StatusNotFound, "404 Not Found: The requested URL was not found on the server.")
		return
	}
	switch {
	case rest == "/status" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"started_at": float64(a.started.UnixNano()) / 1e9, "version": Version})
	case rest == "/commands/" && r.Method == http.MethodGet:
		a.mu.Lock()
		list := make([]command, 0, len(n.commands))
		for _, c := range n.commands {
			list = append(list, *c)
		}
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"commands": list})
	case strings.HasPrefix(rest, "/commands/") && r.Method == http.MethodGet:
		a.getCommand(w, r, n, strings.TrimPrefix(rest, "/commands/"))
	case rest == "/commands/" && r.Method == http.MethodPost:
		a.runCommand(w, r, n)
	default:
		fault(w, http.StatusNotFound, "404 Not Found: The requested URL was not found on the server.")
	}
}

func (a *Agent) getCommand(w http.ResponseWriter, r *http.Request, n *simNode, id string) {
	a.mu.Lock()
	var found *command
	for _, c := range n.commands {
		if c.ID == id {
			found = c
		}
	}
	a.mu.Unlock()
	if found == nil {
		fault(w, http.StatusNotFound, "Not found: Command with id "+id+" not found.")
		return
	}
	if strings.EqualFold(r.URL.Query().Get("wait"), "true") {
		a.wait(r, found)
	}
	a.mu.Lock()
	c := *found
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, c)
}

// runCommand is POST /v1/commands/?wait=...&agent_token=... with {"name": "ext.cmd", "params": {...}}.
func (a *Agent) runCommand(w http.ResponseWriter, r *http.Request, n *simNode) {
	var body struct {
		Name   string          `json:"name"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 128<<20)).Decode(&body); err != nil || body.Name == "" ||
		len(body.Params) == 0 || body.Params[0] != '{' {
		fault(w, http.StatusBadRequest, "400 Bad Request: Missing or invalid name or params")
		return
	}
	a.mu.Lock()
	if r.URL.Query().Get("agent_token") != n.token {
		a.mu.Unlock()
		fault(w, http.StatusUnauthorized, "401 Unauthorized: Token invalid.")
		return
	}
	if k := len(n.commands); k > 0 && n.commands[k-1].Status == statusRunning {
		name := n.commands[k-1].Name
		a.mu.Unlock()
		fault(w, http.StatusConflict, "Agent is busy: executing command "+name)
		return
	}
	ext, name, _ := strings.Cut(body.Name, ".")
	h, ok := handlers[ext+"."+name]
	if !ok {
		a.mu.Unlock()
		fault(w, http.StatusBadRequest, "Invalid command: Unknown command: "+body.Name)
		return
	}
	c := &command{ID: newID(), Name: name, Status: statusRunning, done: make(chan struct{})}
	n.commands = append(n.commands, c)
	n.stats.Commands++
	uuid, token := n.uuid, n.token
	a.mu.Unlock()

	run := func() {
		result, aerr := h.run(a, uuid, body.Params)
		a.finish(uuid, token, c, result, aerr, h.async)
		if h.stops {
			a.stop(uuid, token)
		}
	}
	if h.slow {
		go run()
	} else {
		run()
	}
	if strings.EqualFold(r.URL.Query().Get("wait"), "true") {
		a.wait(r, c)
	}
	a.mu.Lock()
	out := *c
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// finish records a command's outcome. An asynchronous command's end brings the next
// heartbeat forward, as IPA does, so Ironic moves on without waiting a whole interval.
func (a *Agent) finish(uuid, token string, c *command, result any, aerr *agentError, async bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if aerr != nil {
		c.Status, c.Error = statusFailed, aerr
	} else {
		c.Status, c.Result = statusSucceeded, result
	}
	close(c.done)
	n := a.node(uuid)
	if aerr != nil && n.token == token {
		n.stats.LastError = aerr.Details
	}
	if async && n.running && n.token == token {
		if soon := time.Now().Add(forcedHeartbeatDelay); soon.Before(n.hbDue) {
			n.hbDue = soon
		}
	}
}

// forcedHeartbeatDelay is how long after an asynchronous command the agent heartbeats. IPA
// heartbeats at once; a short delay lets the conductor release the node lock it held while
// starting the command, which would make it skip the heartbeat.
const forcedHeartbeatDelay = 300 * time.Millisecond

// stop shuts a node's ramdisk down (standby.power_off, run_image) unless it rebooted since.
func (a *Agent) stop(uuid, token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := a.node(uuid); n.token == token {
		a.opts.Logf("agentsim: node %s powered its ramdisk off", uuid)
		n.shutDown()
	}
}

func (a *Agent) wait(r *http.Request, c *command) {
	select {
	case <-c.done:
	case <-r.Context().Done():
	case <-a.ctx.Done():
	}
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// fault writes an error as IPA's API does: {"faultcode": ..., "faultstring": ...}.
func fault(w http.ResponseWriter, code int, msg string) {
	fc := "Client"
	if code >= 500 {
		fc = "Server"
	}
	writeJSON(w, code, map[string]string{"faultcode": fc, "faultstring": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
