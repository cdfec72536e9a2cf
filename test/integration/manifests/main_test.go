// Package manifests tests manifests/ against a real kube-apiserver: `kubectl apply -k
// manifests/` installs everything (and a server-side dry run of it afterwards is clean), the
// Deployment is locked down and only uses settings the controller binary knows, and the
// ClusterRole grants exactly what the controller does: the real baremetal-controller binary
// runs under the manifests' ServiceAccount through a host's whole lifecycle against a real
// Ironic while the API server writes an audit log, and every (group, resource, verb) it used
// must be granted and every granted one used.
package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ironictest"
)

// The ServiceAccount the manifests create for the controller.
const (
	controllerNamespace = "baremetal-system"
	controllerSA        = "baremetal-controller"
	controllerUser      = "system:serviceaccount:" + controllerNamespace + ":" + controllerSA
	// metricsReaderRole is the ClusterRole that lets a scraper get /metrics.
	metricsReaderRole = "baremetal-controller-metrics-reader"
)

var (
	env    *envtest.Environment
	ironic *ironictest.Ironic
	// repo is the repository root; controllerBin the freshly built controller.
	repo, controllerBin string
	// auditLog is the API server's audit log of the controller's requests.
	auditLog string
)

// auditPolicy logs every request of the controller's ServiceAccount, with metadata only
// (no bodies: Secrets), and nothing else.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["` + controllerUser + `"]
  - level: None
`

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if repo, err = envtest.RepoRoot(); err != nil {
		return 1, err
	}
	dir, err := os.MkdirTemp("", "metalkube-manifests-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)

	if controllerBin, err = envtest.BuildController(dir); err != nil {
		return 1, err
	}

	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o644); err != nil {
		return 1, err
	}
	auditLog = filepath.Join(dir, "audit.log")
	ironicDone := make(chan error, 1)
	go func() {
		var err error
		ironic, err = ironictest.Start(ironictest.Options{})
		ironicDone <- err
	}()
	// The kustomization installs the CRDs, so envtest must not.
	env, err = envtest.Start(envtest.Options{SkipCRDs: true, APIServerArgs: []string{
		"--audit-policy-file=" + policy, "--audit-log-path=" + auditLog, "--audit-log-format=json",
	}})
	ierr := <-ironicDone
	defer ironic.Stop()
	if err != nil {
		return 1, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	defer env.Stop()
	if ierr != nil {
		return 1, fmt.Errorf("starting Ironic: %w", ierr)
	}
	return m.Run(), nil
}
