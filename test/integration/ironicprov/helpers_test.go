package ironicprov

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalkube/metalkube/pkg/bmc"
	ironicprov "github.com/metalkube/metalkube/pkg/ironic"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/test/ironictest"
)

// recorder is an http.RoundTripper that records "METHOD /path?query" of every request.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.lines = append(r.lines, req.Method+" "+req.URL.RequestURI())
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// take returns the requests since the last take, with the node's UUID written as {id}
// and a ?fields= list (the provisioner asks only for the fields it reads) written as ?fields=….
func (r *recorder) take(nodeID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	if nodeID != "" {
		for k := range out {
			out[k] = strings.ReplaceAll(out[k], nodeID, "{id}")
		}
	}
	for k := range out {
		if i := strings.Index(out[k], "?fields="); i >= 0 {
			out[k] = out[k][:i] + "?fields=…"
		}
	}
	return out
}

func newProvisioner(t *testing.T) (*ironicprov.Ironic, *recorder) {
	t.Helper()
	rec := &recorder{}
	p, err := ironicprov.New(ironicprov.Config{Endpoint: ironic.Endpoint(), HTTPClient: &http.Client{Transport: rec}, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func parseBMC(t *testing.T, address string) *bmc.AccessDetails {
	t.Helper()
	a, err := bmc.Parse(address, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

const pollInterval = 100 * time.Millisecond

// waitFor polls FindNode until the node is stable and cond holds, and returns it. A node that
// settles in a failed state, or a deadline of 60 s, fails the test.
func waitFor(t *testing.T, p provisioner.Provisioner, host provisioner.HostRef, what string, cond func(*provisioner.Node) bool) *provisioner.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var last *provisioner.Node
	for {
		n, err := p.FindNode(ctx, host)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if n == nil {
			t.Fatalf("waiting for %s: the node is gone", what)
		}
		last = n
		if n.Stable() && cond(n) {
			return n
		}
		if n.Stable() && strings.HasSuffix(string(n.ProvisionState), "failed") {
			t.Fatalf("waiting for %s: node settled in %q: %s", what, n.ProvisionState, n.LastError)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: node is %q (target %q), power %q (target %q), last error %q",
				what, last.ProvisionState, last.TargetProvisionState, last.PowerState, last.TargetPowerState, last.LastError)
		case <-time.After(pollInterval):
		}
	}
}

func waitState(t *testing.T, p provisioner.Provisioner, host provisioner.HostRef, want provisioner.ProvisionState) *provisioner.Node {
	t.Helper()
	return waitFor(t, p, host, "provision state "+string(want), func(n *provisioner.Node) bool { return n.ProvisionState == want })
}

func waitPower(t *testing.T, p provisioner.Provisioner, host provisioner.HostRef, want provisioner.PowerState) *provisioner.Node {
	t.Helper()
	return waitFor(t, p, host, "power state "+string(want), func(n *provisioner.Node) bool { return n.PowerState == want })
}

// raw sends a request straight to Ironic (not through pkg/ironic) and decodes the answer.
func raw(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, ironic.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", ironictest.MaxMicroversion)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	out := map[string]any{}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return out
}
