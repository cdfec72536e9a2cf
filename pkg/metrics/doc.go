// Package metrics holds the Prometheus metrics of the controllers and the endpoint serving them.
//
// metal3.go exports metal3's series under metal3's names, types, labels and meanings, derived
// from what each host sync saw and did (HostSync), so metal3's dashboards and alerts work
// unchanged. Our own series carry other names: reconciliations by controller and result
// (metalkube_reconcile_*), workqueue metrics (through client-go's provider hook), host gauges
// computed at scrape time from the informer cache, and Ironic requests by operation and status
// code. server.go serves /metrics, /healthz and /readyz, over HTTPS with /metrics guarded by
// the API server (auth.go: TokenReview, then SubjectAccessReview) when asked. Nothing here may
// carry secrets in a label.
package metrics
