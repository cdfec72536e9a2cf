// Package envtest starts a real etcd and kube-apiserver on free loopback ports for tests, the
// way controller-runtime's envtest does, but with this project's own pinned binaries (built by
// hack/install-k8s.sh into .cache/bin) and no controller-runtime dependency.
//
// Start returns clients for the new API server, a kubeconfig on disk for kubectl, and installs
// the project's CRDs. Stop ends only the processes Start launched. A missing binary or a server
// that does not come up is an error naming the cause: tests must fail, never skip.
package envtest
