package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/metalkube/metalkube/test/envtest"
)

// BuildController compiles ./cmd/baremetal-controller of the repository into dir.
func BuildController(ctx context.Context, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "baremetal-controller")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/baremetal-controller")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/baremetal-controller: %w\n%s", err, out)
	}
	return bin, nil
}

// ControllerHelp is what the controller's --help says: the flags it has and the environment
// variables it reads as flag defaults.
type ControllerHelp struct {
	Flags map[string]bool
	Env   []string
}

var (
	helpFlag = regexp.MustCompile(`(?m)^\s+-{1,2}([a-z0-9][a-z0-9_-]*)`)
	helpEnv  = regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`)
)

// ReadControllerHelp runs bin --help. The controller is being extended, so the harness reads
// its flags fresh instead of assuming them.
func ReadControllerHelp(bin string) ControllerHelp {
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return parseHelp(string(out))
}

// parseHelp reads the flags and environment variables of a Go flag package usage text.
func parseHelp(out string) ControllerHelp {
	h := ControllerHelp{Flags: map[string]bool{}}
	for _, m := range helpFlag.FindAllStringSubmatch(out, -1) {
		h.Flags[m[1]] = true
	}
	for _, m := range helpEnv.FindAllStringSubmatch(out, -1) {
		h.Env = append(h.Env, m[1])
	}
	return h
}

// StartController runs the controller in its own process group, logging to
// dir/baremetal-controller.log, with none of the environment variables it reads: only args
// configure it.
func StartController(bin, dir string, help ControllerHelp, args, env []string) (*envtest.Process, error) {
	for _, e := range append(help.Env, "KUBECONFIG") {
		_ = os.Unsetenv(e)
	}
	// The harness's own runtime read GODEBUG and the like at its start; setting them now
	// affects only the child.
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("controller environment entry %q is not KEY=VALUE", kv)
		}
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	return envtest.StartProcess("baremetal-controller", dir, bin, args...)
}
