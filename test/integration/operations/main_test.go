// Package operations runs the real baremetal-controller binary as a Kubernetes component:
// two replicas with leader election against one API server and one Ironic (only the leader
// acts; when it is killed the other takes over and nothing is done twice), and the metrics
// and health endpoints scraped during a lifecycle.
package operations

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	root, err := envtest.RepoRoot()
	if err != nil {
		return 0, err
	}
	controller = filepath.Join(dir, "baremetal-controller")
	build := exec.Command("go", "build", "-o", controller, "./cmd/baremetal-controller")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building the controller: %v\n%s", err, out)
	}
	if ironic, err = ironictest.Start(ironictest.Options{FakeDelay: "1"}); err != nil {
		return 0, fmt.Errorf("starting Ironic: %w", err)
	}
	defer ironic.Stop()
	if env, err = envtest.Start(envtest.Options{}); err != nil {
		return 0, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	defer env.Stop()
	return m.Run(), nil
}
