package clients

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/framework"
)

const otherTenant = "tenant-b"

// foreignSecret creates a user data Secret in another namespace and returns a reference to it.
func foreignSecret(t *testing.T, s *framework.System, name string) *corev1.SecretReference {
	t.Helper()
	ctx := context.Background()
	_, _ = s.Env.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: otherTenant}}, metav1.CreateOptions{})
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: otherTenant}, StringData: map[string]string{"userData": "#cloud-config\n"}}
	if _, err := s.Env.Kube.CoreV1().Secrets(otherTenant).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return &corev1.SecretReference{Name: name, Namespace: otherTenant}
}

func TestTheControllerNeverReadsOrLabelsAnotherNamespacesSecret(t *testing.T) {
	const name = "tenant-a-host"
	ref := foreignSecret(t, sys, "tenant-b-userdata")
	newHost(t, sys, name, "52:54:00:a4:00:01", withImage, func(h *metal3.BareMetalHost) { h.Spec.UserData = ref })
	h := sys.WaitForHost(t, name, stepTimeout, "a provisioning error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.ProvisioningError
	})
	if !strings.Contains(h.Status.ErrorMessage, otherTenant) || !strings.Contains(h.Status.ErrorMessage, "own namespace") {
		t.Errorf("error %q does not say the Secret is in another namespace", h.Status.ErrorMessage)
	}
	if h.Status.Provisioning.State == metal3.StateProvisioned || h.Status.Provisioning.State == metal3.StateProvisioning {
		t.Errorf("the host went on to %q", h.Status.Provisioning.State)
	}
	sec, err := sys.Env.Kube.CoreV1().Secrets(otherTenant).Get(context.Background(), ref.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := sec.Labels[host.SecretLabel]; ok {
		t.Errorf("the other namespace's Secret was labelled %s=%s", host.SecretLabel, v)
	}
	// Pointing at the host's own namespace fixes it.
	sys.Secret(t, "tenant-a-userdata", map[string]string{"userData": "#cloud-config\n"})
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.UserData = &corev1.SecretReference{Name: "tenant-a-userdata"} })
	sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
}

func TestTheAdmissionPolicyRefusesAnotherNamespacesSecretAtApply(t *testing.T) {
	// A cluster of its own: the policy applies to every host of the API server.
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		t.Fatalf("starting kube-apiserver: %v", err)
	}
	defer env.Stop()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if out, err := env.Kubectl(ctx, "apply", "-f", filepath.Join(root, "manifests", "policy")); err != nil {
		t.Fatalf("kubectl apply the policy: %v\n%s", err, out)
	}
	for _, field := range []string{"userData", "networkData", "metaData"} {
		manifest := `apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: cross-` + strings.ToLower(field) + `
  namespace: default
spec:
  online: true
  bmc: {address: "fake://x", credentialsName: x-bmc}
  ` + field + `: {name: theirs, namespace: ` + otherTenant + `}
`
		// The policy takes effect once the API server has compiled it: retry for a while.
		var out string
		deadline := time.Now().Add(30 * time.Second)
		for {
			out, err = env.KubectlStdin(ctx, manifest, "apply", "-f", "-")
			if err != nil || time.Now().After(deadline) {
				break
			}
			_, _ = env.Kubectl(ctx, "delete", "bmh", "cross-"+strings.ToLower(field), "-n", "default", "--wait=false")
			time.Sleep(500 * time.Millisecond)
		}
		if err == nil {
			t.Errorf("%s in another namespace was accepted: %s", field, out)
			continue
		}
		want := "spec." + field + ": cross-namespace Secret references are not allowed"
		if !strings.Contains(out, want) {
			t.Errorf("kubectl said %q, want it to contain %q", out, want)
		}
	}
	own := `apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata: {name: own-secrets, namespace: default}
spec:
  online: true
  bmc: {address: "fake://x", credentialsName: x-bmc}
  userData: {name: ours, namespace: default}
  networkData: {name: ours}
`
	if out, err := env.KubectlStdin(ctx, own, "apply", "-f", "-"); err != nil {
		t.Errorf("a host with Secrets of its own namespace was refused: %v\n%s", err, out)
	}
}
