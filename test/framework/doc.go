// Package framework runs the whole system for integration tests: a real kube-apiserver and
// etcd (test/envtest), a real Ironic (test/ironictest), and the host controller in-process,
// talking to Ironic through a counting HTTP transport so tests can assert request budgets.
// It also holds the small helpers tests share: host and Secret builders, waits, and a raw
// Ironic client for checking what the controller did.
package framework
