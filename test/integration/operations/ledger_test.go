package operations

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// ledger is a reverse proxy in front of Ironic that records what Ironic accepted: node
// creations by name, and provision-state changes (the target of each PUT
// /v1/nodes/{id}/states/provision answered 202) by node.
type ledger struct {
	URL string

	mu       sync.Mutex
	created  map[string]int            // node name → POST /v1/nodes answered 201
	accepted map[string]map[string]int // node UUID → target → count
}

func startLedger(t *testing.T, target string) *ledger {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	l := &ledger{created: map[string]int{}, accepted: map[string]map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		// A killed controller hangs up mid-request; Ironic still gets the whole request and
		// answers it, so the ledger records what Ironic did, not what the controller heard.
		proxy.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		l.record(r, body, rec.status)
	}))
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	return l
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (l *ledger) record(r *http.Request, body []byte, status int) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && path == "/v1/nodes" && status == http.StatusCreated:
		var n struct{ Name string }
		_ = json.Unmarshal(body, &n)
		l.mu.Lock()
		l.created[n.Name]++
		l.mu.Unlock()
	case r.Method == http.MethodPut && strings.HasPrefix(path, "/v1/nodes/") && strings.HasSuffix(path, "/states/provision") &&
		status == http.StatusAccepted:
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/nodes/"), "/states/provision")
		var change struct{ Target string }
		_ = json.Unmarshal(body, &change)
		l.mu.Lock()
		if l.accepted[id] == nil {
			l.accepted[id] = map[string]int{}
		}
		l.accepted[id][change.Target]++
		l.mu.Unlock()
	}
}

// Provision-state targets, as Ironic's API names them.
const (
	targetManage   = "manage"
	targetInspect  = "inspect"
	targetProvide  = "provide" // manageable → cleaning → available
	targetDeploy   = "active"
	targetUndeploy = "deleted" // active → deleting → cleaning → available
)

// tally is what Ironic accepted for a set of nodes.
type tally struct {
	nodes, created                        int
	manages, inspections, deploys, cleans int
	perNode                               map[string]map[string]int
}

// snapshot returns the counts per node (a copy).
func (l *ledger) snapshot() map[string]map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]map[string]int, len(l.accepted))
	for id, m := range l.accepted {
		c := make(map[string]int, len(m))
		for k, v := range m {
			c[k] = v
		}
		out[id] = c
	}
	return out
}

func (l *ledger) creations() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.created))
	for k, v := range l.created {
		out[k] = v
	}
	return out
}

// since returns what Ironic accepted for the nodes between two snapshots.
func since(before, after map[string]map[string]int, nodes []string) tally {
	t := tally{nodes: len(nodes), perNode: map[string]map[string]int{}}
	for _, id := range nodes {
		d := map[string]int{}
		for k, v := range after[id] {
			if n := v - before[id][k]; n != 0 {
				d[k] = n
			}
		}
		t.perNode[id] = d
		t.manages += d[targetManage]
		t.inspections += d[targetInspect]
		t.deploys += d[targetDeploy]
		// With automated cleaning (the default), both provide and undeploy clean the disks.
		t.cleans += d[targetProvide] + d[targetUndeploy]
	}
	return t
}
