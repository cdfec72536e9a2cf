// Package bench measures the controller at scale against the real thing: a local etcd and
// kube-apiserver (test/envtest), a real Ironic with fake-hardware nodes (test/ironictest), and
// baremetal-controller built from this checkout and run as a separate process. The harness
// puts a counting reverse proxy in front of Ironic, reads the API server's audit log, and
// reads the controller's CPU time and peak RSS from /proc.
//
// One run (Run) measures, for N hosts:
//   - the wall time from creating the hosts to all provisioned, and per host (p50/p99);
//   - the wall time from deleting them to all gone;
//   - a baseline: the same lifecycle driven directly against a fresh Ironic, with no
//     controller, and the ratio controller/baseline;
//   - Ironic requests per host lifecycle (by method and path pattern), and per minute while
//     every host is provisioned and idle;
//   - API writes per host lifecycle made by the controller (audit log, by user agent);
//   - the controller's CPU seconds and peak RSS;
//   - the steady-state latency of a spec change on one host among N idle ones.
//
// It writes the results as JSON and PNG plots of host counts per state over time, and prints
// a short table. `make bench` (N=100 by default) runs it through cmd/bench; BENCHMARKS.md
// explains the method and records figures.
//
// The package does not assert targets: it reports. It starts every process it uses in its
// own process group and stops exactly those.
package bench
