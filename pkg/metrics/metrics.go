package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the controller's metrics in their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	reconcileTotal    *prometheus.CounterVec
	reconcileDuration *prometheus.HistogramVec
	hostErrors        *prometheus.CounterVec
	operationDuration map[string]prometheus.Histogram
	ironicRequests    *prometheus.CounterVec
	ironicDuration    *prometheus.HistogramVec
}

// New creates the metrics and registers them, with the Go and process collectors, in a new
// registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		reconcileTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metal3_reconcile_total", Help: "Reconciliations by controller and result (success, error, requeue).",
		}, []string{"controller", "result"}),
		reconcileDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "metal3_reconcile_duration_seconds", Help: "Duration of reconciliations by controller and result.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"controller", "result"}),
		hostErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metal3_host_error_total", Help: "Errors recorded on hosts, by error type.",
		}, []string{"error_type"}),
		ironicRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ironic_requests_total", Help: "Requests to Ironic by operation (method and path pattern) and HTTP status code.",
		}, []string{"operation", "code"}),
		ironicDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ironic_request_duration_seconds", Help: "Latency of requests to Ironic by operation.",
			Buckets: prometheus.ExponentialBuckets(0.002, 2, 14),
		}, []string{"operation"}),
		operationDuration: map[string]prometheus.Histogram{},
	}
	for _, op := range []string{"register", "inspect", "provision", "deprovision"} {
		m.operationDuration[op] = prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "metal3_operation_" + op + "_duration_seconds", Help: "Duration of the " + op + " operation of hosts.",
			Buckets: prometheus.ExponentialBuckets(0.5, 2, 14),
		})
		m.Registry.MustRegister(m.operationDuration[op])
	}
	m.Registry.MustRegister(m.reconcileTotal, m.reconcileDuration, m.hostErrors, m.ironicRequests, m.ironicDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Reconciled records one reconciliation. Safe on a nil *Metrics.
func (m *Metrics) Reconciled(controller, result string, d time.Duration) {
	if m == nil {
		return
	}
	m.reconcileTotal.WithLabelValues(controller, result).Inc()
	m.reconcileDuration.WithLabelValues(controller, result).Observe(d.Seconds())
}

// HostError records a newly recorded host error. Safe on a nil *Metrics.
func (m *Metrics) HostError(errorType string) {
	if m == nil {
		return
	}
	m.hostErrors.WithLabelValues(errorType).Inc()
}

// OperationFinished records how long a register, inspect, provision or deprovision took.
func (m *Metrics) OperationFinished(op string, d time.Duration) {
	if m == nil {
		return
	}
	if h, ok := m.operationDuration[op]; ok && d >= 0 {
		h.Observe(d.Seconds())
	}
}
