// Package api tests the BareMetalHost and HardwareData API against a real kube-apiserver:
// generated clientset and informers, kubectl columns and describe, schema validation and the
// admission policies of manifests/policy.
package api

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metalkube/metalkube/test/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) {
	var err error
	env, err = envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start kube-apiserver and etcd: %v\n", err)
		os.Exit(1)
	}
	if err := installPolicies(); err != nil {
		env.Stop()
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	env.Stop()
	os.Exit(code)
}

// policyProbes are hosts that each admission policy refuses once the API server has loaded it
// (it reports one policy's refusal at a time), with a word of the refusal.
var policyProbes = map[string]string{
	"cross-namespace Secret references": `apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: policy-probe}
spec:
  online: true
  bmc: {address: "fake://probe", credentialsName: probe-bmc}
  userData: {name: x, namespace: elsewhere}
`,
	"inspect.metal3.io annotation": `apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: policy-probe, annotations: {inspect.metal3.io: bogus}}
spec:
  online: true
  bmc: {address: "fake://probe", credentialsName: probe-bmc}
`,
}

// installPolicies applies manifests/policy, as `kubectl apply -k manifests/` does, and waits
// until the API server enforces it (it compiles policies asynchronously).
func installPolicies() error {
	root, err := envtest.RepoRoot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := env.Kubectl(ctx, "apply", "-f", filepath.Join(root, "manifests", "policy")); err != nil {
		return fmt.Errorf("kubectl apply the admission policies: %v\n%s", err, out)
	}
	for want, probe := range policyProbes {
		for {
			out, err := env.KubectlStdin(ctx, probe, "create", "-n", "default", "--dry-run=server", "-f", "-")
			if err != nil && strings.Contains(out, want) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the admission policies are not enforced after a minute: %s", out)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}
