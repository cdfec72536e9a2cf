// Package operations runs the real baremetal-controller binary as a Kubernetes component:
// two replicas with leader election against one API server and one Ironic (only the leader
// acts; when it is killed the other takes over and nothing is done twice), the metrics and
// health endpoints scraped during a lifecycle, and one controller killed with SIGKILL at
// random moments while 40 hosts are enrolled, provisioned, deprovisioned and deleted, with the
// API server stopped for 30 s (crash_test.go).
//
// The controllers reach Ironic through a proxy in the test (ledger_test.go) that records what
// Ironic accepted: node creations, and provision-state changes per node. That is how deploys
// and cleans are counted.
package operations

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ironictest"
)

var (
	env        *envtest.Environment
	ironic     *ironictest.Ironic
	controller string // path of the built binary
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "metalkube-operations-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if controller, err = envtest.BuildController(dir); err != nil {
		return 0, err
	}
	// Fake-hardware takes 1–3 s per power change, inspection and deploy, so that kills land
	// while operations are in flight.
	if ironic, err = ironictest.Start(ironictest.Options{FakeDelay: "1,3"}); err != nil {
		return 0, fmt.Errorf("starting Ironic: %w", err)
	}
	defer ironic.Stop()
	if env, err = envtest.Start(envtest.Options{}); err != nil {
		return 0, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	defer env.Stop()
	return m.Run(), nil
}
