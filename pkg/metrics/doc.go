// Package metrics holds the Prometheus metrics of the controllers: workqueue metrics (through
// client-go's provider hook), reconciliations by result, hosts by provisioning state and
// errors by type (computed at scrape time from the informer cache), operation durations, and
// Ironic requests by operation and status code. Names follow metal3's where metal3 has an
// equivalent. Nothing here may carry secrets in a label.
package metrics
