package api

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/metalkube/metalkube/test/envtest"
)

// kubectlStdin runs kubectl with stdin, for `apply -f -`.
func kubectlStdin(ctx context.Context, stdin string, args ...string) (string, error) {
	bin, err := envtest.ToolPath("kubectl")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %v: %w: %s", args, err, out)
	}
	return string(out), nil
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
