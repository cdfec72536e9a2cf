package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IronicTransport counts and times requests to Ironic. Wrap the HTTP client's transport with
// it. The operation label is the method and the path with node identifiers replaced, so its
// cardinality stays small.
func (m *Metrics) IronicTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if m == nil {
		return base
	}
	return &ironicTransport{m: m, base: base}
}

type ironicTransport struct {
	m    *Metrics
	base http.RoundTripper
}

func (t *ironicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	op := req.Method + " " + PathPattern(req.URL.Path)
	resp, err := t.base.RoundTrip(req)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	t.m.ironicRequests.WithLabelValues(op, code).Inc()
	t.m.ironicDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	return resp, err
}

// PathPattern replaces the node identifier in Ironic paths (/v1/nodes/<uuid or name>/...) with
// {node}, and any other UUID with {id}.
func PathPattern(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case i > 0 && (parts[i-1] == "nodes" || parts[i-1] == "ports") && p != "" && p != "detail":
			parts[i] = "{node}"
		case len(p) == 36 && strings.Count(p, "-") == 4:
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}
