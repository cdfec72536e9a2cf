package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the controller's metrics in their own registry: metal3's series (metal3.go)
// and our own.
type Metrics struct {
	Registry *prometheus.Registry

	metal3            *metal3Series
	reconcileTotal    *prometheus.CounterVec
	reconcileDuration *prometheus.HistogramVec
	ironicRequests    *prometheus.CounterVec
	ironicDuration    *prometheus.HistogramVec
}

// New creates the metrics and registers them, with the Go and process collectors, in a new
// registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		reconcileTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metalkube_reconcile_total", Help: "Reconciliations by controller and result (success, error).",
		}, []string{"controller", "result"}),
		reconcileDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "metalkube_reconcile_duration_seconds", Help: "Duration of reconciliations by controller and result.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"controller", "result"}),
		ironicRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ironic_requests_total", Help: "Requests to Ironic by operation (method and path pattern) and HTTP status code.",
		}, []string{"operation", "code"}),
		ironicDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ironic_request_duration_seconds", Help: "Latency of requests to Ironic by operation.",
			Buckets: prometheus.ExponentialBuckets(0.002, 2, 14),
		}, []string{"operation"}),
	}
	m.metal3 = newMetal3Series(m.Registry)
	m.Registry.MustRegister(m.reconcileTotal, m.reconcileDuration, m.ironicRequests, m.ironicDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Reconciled records one reconciliation of a controller (baremetalhost or machine). Safe on a
// nil *Metrics.
func (m *Metrics) Reconciled(controller, result string, d time.Duration) {
	if m == nil {
		return
	}
	m.reconcileTotal.WithLabelValues(controller, result).Inc()
	m.reconcileDuration.WithLabelValues(controller, result).Observe(d.Seconds())
}
