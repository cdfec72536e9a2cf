package metrics

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
)

// Checks are what /readyz needs: informer caches synced, and the provisioner reachable.
type Checks struct {
	// Synced reports whether the controllers' caches have synced.
	Synced func() bool
	// Provisioner reports whether the provisioner (Ironic) answers; nil error means yes.
	Provisioner func(ctx context.Context) error
	// ProvisionerCacheFor limits how often /readyz asks the provisioner (default 20s), so
	// probes do not turn into Ironic chatter.
	ProvisionerCacheFor time.Duration
}

// Serving is how the endpoint is served. The zero value is plain HTTP, open to all.
type Serving struct {
	// TLS, when set, serves HTTPS (see ServingTLS).
	TLS *tls.Config
	// Auth, when set, guards /metrics; /healthz and /readyz stay open for the kubelet's probes.
	Auth *Authorizer
}

// Server serves /metrics, /healthz and /readyz.
type Server struct {
	m      *Metrics
	checks Checks
	// Serving is set before ListenAndServe.
	Serving Serving

	mu        sync.Mutex
	lastCheck time.Time
	lastErr   error
}

// NewServer creates the metrics and health server.
func NewServer(m *Metrics, checks Checks) *Server {
	if checks.ProvisionerCacheFor == 0 {
		checks.ProvisionerCacheFor = 20 * time.Second
	}
	return &Server{m: m, checks: checks}
}

// Handler is the HTTP handler with the three endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	var metrics http.Handler = promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{})
	if s.Serving.Auth != nil {
		metrics = s.Serving.Auth.Wrap(metrics)
	}
	mux.Handle("/metrics", metrics)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", s.readyz)
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.checks.Synced != nil && !s.checks.Synced() {
		http.Error(w, "informer caches not synced", http.StatusServiceUnavailable)
		return
	}
	if err := s.provisionerReady(r.Context()); err != nil {
		http.Error(w, "provisioner not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func (s *Server) provisionerReady(ctx context.Context) error {
	if s.checks.Provisioner == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.lastCheck) < s.checks.ProvisionerCacheFor && !s.lastCheck.IsZero() {
		return s.lastErr
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.lastErr = s.checks.Provisioner(ctx)
	s.lastCheck = time.Now()
	return s.lastErr
}

// ListenAndServe serves on addr until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if s.Serving.TLS != nil {
		l, scheme = tls.NewListener(l, s.Serving.TLS), "https"
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	klog.FromContext(ctx).Info("Serving metrics and health", "address", l.Addr().String(), "scheme", scheme,
		"authorized", s.Serving.Auth != nil)
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
