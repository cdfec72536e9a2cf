package bench

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Proxy is a counting reverse proxy in front of Ironic. Every request is recorded with its
// time and pattern, so any window of the run can be counted afterwards.
type Proxy struct {
	// URL is the proxy's address, to give the controller as its Ironic endpoint.
	URL string

	server   *http.Server
	listener net.Listener

	mu       sync.Mutex
	requests []Request
	watchers []func(Request)
}

// Request is one request that went through the proxy.
type Request struct {
	At       time.Time
	Duration time.Duration
	Pattern  string
	Method   string
	Path     string
	Status   int
}

// StartProxy listens on a free loopback port and forwards to target (Ironic's API root).
func StartProxy(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + l.Addr().String(), listener: l}
	rp := httputil.NewSingleHostReverseProxy(u)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 256, 256
	rp.Transport = transport
	rp.ErrorLog = nil
	p.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		rp.ServeHTTP(rec, r)
		p.record(Request{At: start, Duration: time.Since(start), Pattern: Pattern(r.Method, r.URL), Method: r.Method,
			Path: r.URL.Path, Status: rec.status})
	})}
	go func() { _ = p.server.Serve(l) }()
	return p, nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (p *Proxy) record(r Request) {
	p.mu.Lock()
	p.requests = append(p.requests, r)
	watchers := append([]func(Request){}, p.watchers...)
	p.mu.Unlock()
	for _, w := range watchers {
		w(r)
	}
}

// Watch calls f for every later request, until the returned function is called.
func (p *Proxy) Watch(f func(Request)) (stop func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.watchers = append(p.watchers, f)
	idx := len(p.watchers) - 1
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.watchers[idx] = func(Request) {}
	}
}

// Requests returns the requests started in [from, to); a zero to means until now.
func (p *Proxy) Requests(from, to time.Time) []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Request
	for _, r := range p.requests {
		if !r.At.Before(from) && (to.IsZero() || r.At.Before(to)) {
			out = append(out, r)
		}
	}
	return out
}

// LastRequest returns the time of the latest request that match selects, or zero.
func (p *Proxy) LastRequest(match func(Request) bool) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.requests) - 1; i >= 0; i-- {
		if match(p.requests[i]) {
			return p.requests[i].At
		}
	}
	return time.Time{}
}

// WriteLog writes every request as a tab-separated line (time since start, duration,
// status, method, path), for a closer look at a run.
func (p *Proxy) WriteLog(path string, start time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, r := range p.requests {
		fmt.Fprintf(&b, "%.3f\t%.3f\t%d\t%s\t%s\n", r.At.Sub(start).Seconds(), r.Duration.Seconds(), r.Status, r.Method, r.Path)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.server.Close() }

// Counts are request counts by pattern.
type Counts map[string]int

// CountRequests groups requests by pattern.
func CountRequests(rs []Request) Counts {
	c := Counts{}
	for _, r := range rs {
		c[r.Pattern]++
	}
	return c
}

// Total is the sum of the counts.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Add returns the sum of two counts.
func (c Counts) Add(o Counts) Counts {
	out := Counts{}
	for k, v := range c {
		out[k] += v
	}
	for k, v := range o {
		out[k] += v
	}
	return out
}

// PerHost divides each count by n.
func (c Counts) PerHost(n int) map[string]float64 {
	out := make(map[string]float64, len(c))
	for k, v := range c {
		out[k] = round(float64(v)/float64(n), 2)
	}
	return out
}

// Sorted returns "pattern: count" lines, largest first.
func (c Counts) Sorted() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c[keys[i]] != c[keys[j]] {
			return c[keys[i]] > c[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// isNodeList reports whether a request is a collection GET of nodes (a poll).
func isNodeList(r Request) bool {
	return r.Method == http.MethodGet && strings.TrimSuffix(r.Path, "/") == "/v1/nodes"
}
