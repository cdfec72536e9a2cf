package framework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// CountingTransport counts HTTP requests by "METHOD /path-pattern" (node UUIDs replaced by
// {id}) and can be switched to fail every request, to simulate an Ironic that answers errors.
type CountingTransport struct {
	Base http.RoundTripper

	mu     sync.Mutex
	counts map[string]int
	// targets counts state changes asked of nodes: "provision active", "power power off", ...
	targets map[string]int
	total   int
	// failWith, when non-zero, is returned as the status of every request.
	failWith int
	// failIf, when set, selects the requests that answer failStatus.
	failIf     func(method, path string, body []byte) bool
	failStatus int
}

// RoundTrip implements http.RoundTripper.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && (req.Method == http.MethodPut || req.Method == http.MethodPatch || req.Method == http.MethodPost) {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	t.mu.Lock()
	if t.counts == nil {
		t.counts = map[string]int{}
		t.targets = map[string]int{}
	}
	t.counts[req.Method+" "+pattern(req.URL.Path)]++
	if kind := stateChange(req.URL.Path); kind != "" && req.Method == http.MethodPut {
		var b struct {
			Target string `json:"target"`
		}
		_ = json.Unmarshal(body, &b)
		t.targets[kind+" "+b.Target]++
	}
	t.total++
	fail, failIf, failStatus := t.failWith, t.failIf, t.failStatus
	t.mu.Unlock()
	if fail == 0 && failIf != nil && failIf(req.Method, req.URL.Path, body) {
		fail = failStatus
	}
	if fail != 0 {
		body := `{"error_message": "{\"faultstring\": \"injected failure for a test\", \"faultcode\": \"Server\"}"}`
		return &http.Response{
			StatusCode: fail, Status: fmt.Sprintf("%d %s", fail, http.StatusText(fail)), Request: req,
			ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{"Content-Type": []string{"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		}, nil
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// Total is the number of requests so far.
func (t *CountingTransport) Total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Counts returns a copy of the per-pattern counts.
func (t *CountingTransport) Counts() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.counts))
	for k, v := range t.counts {
		out[k] = v
	}
	return out
}

// Targets returns a copy of the counts of state changes asked of nodes, by kind and target:
// "provision active" (deploy), "provision deleted" (undeploy), "provision provide" (clean on
// the way to available), "provision adopt", "provision manage", "power power off", ...
func (t *CountingTransport) Targets() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.targets))
	for k, v := range t.targets {
		out[k] = v
	}
	return out
}

// stateChange names the kind of a node state change path ("provision", "power"), or "".
func stateChange(path string) string {
	switch {
	case strings.HasSuffix(path, "/states/provision"):
		return "provision"
	case strings.HasSuffix(path, "/states/power"):
		return "power"
	}
	return ""
}

// FailIf makes the requests selected by match answer with status (nil restores service).
func (t *CountingTransport) FailIf(status int, match func(method, path string, body []byte) bool) {
	t.mu.Lock()
	t.failIf, t.failStatus = match, status
	t.mu.Unlock()
}

// FailWith makes every later request answer with status (0 restores normal service).
func (t *CountingTransport) FailWith(status int) {
	t.mu.Lock()
	t.failWith = status
	t.mu.Unlock()
}

// pattern replaces path segments that look like UUIDs with {id}.
func pattern(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) == 36 && strings.Count(p, "-") == 4 {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}
