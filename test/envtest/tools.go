package envtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// RepoRoot finds the repository root (the directory holding go.mod) above the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// ToolPath returns the path of a tool binary (etcd, kube-apiserver, kubectl): from
// $METALKUBE_TOOLS_BIN when set, else from .cache/bin in the repository.
func ToolPath(name string) (string, error) {
	dir := os.Getenv("METALKUBE_TOOLS_BIN")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".cache", "bin")
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%s not found at %s: run `make tools` (hack/install-k8s.sh) first", name, path)
	}
	return path, nil
}

// BuildController builds ./cmd/baremetal-controller of this repository into dir and returns
// the binary's path, for tests that run the controller as a separate process.
func BuildController(dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "baremetal-controller")
	build := exec.Command("go", "build", "-o", bin, "./cmd/baremetal-controller")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building baremetal-controller: %v\n%s", err, out)
	}
	return bin, nil
}
