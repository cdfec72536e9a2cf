package daytwo

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller"
	hostctrl "github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/test/framework"
)

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// The controller's cache drops managedFields and kubectl's last-applied copy (TrimForCache);
// none of its writes may drop them on the server, or `kubectl apply` would stop working on
// hosts and Secrets the controller has touched.
func TestAHostAppliedWithKubectlStaysApplicable(t *testing.T) {
	const name = "applied"
	ctx := context.Background()
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: name + "-bmc", Namespace: framework.Namespace},
		Data:       map[string][]byte{"username": []byte("admin"), "password": []byte("pw")}}
	host := framework.FakeHost(name, "52:54:00:70:05:01")
	host.TypeMeta = metav1.TypeMeta{APIVersion: metal3.SchemeGroupVersion.String(), Kind: "BareMetalHost"}
	host.Spec.Image = framework.TestImage()
	t.Cleanup(func() {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
	})
	apply := func(want string) {
		t.Helper()
		out, err := sys.Env.Kubectl(ctx, "apply", "-f", manifestFile(t, secret, host))
		if err != nil {
			t.Fatal(err)
		}
		if want != "" && !strings.Contains(out, "baremetalhost.metal3.io/"+name+" "+want) {
			t.Errorf("kubectl apply printed %q, want the host %s", out, want)
		}
	}

	apply("created")
	sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)

	h, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Annotations[lastApplied]; !ok {
		t.Errorf("the host lost kubectl's %s", lastApplied)
	}
	var managers []string
	for _, f := range h.ManagedFields {
		managers = append(managers, f.Manager)
	}
	if !slices.Contains(managers, "kubectl-client-side-apply") || !slices.Contains(managers, controller.FieldManager) {
		t.Errorf("managedFields managers %v, want kubectl's and %s", managers, controller.FieldManager)
	}
	s, err := sys.Env.Kube.CoreV1().Secrets(framework.Namespace).Get(ctx, secret.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Annotations[lastApplied]; !ok || s.Labels[hostctrl.SecretLabel] != hostctrl.SecretLabelValue {
		t.Errorf("Secret annotations %v labels %v: want kubectl's copy kept and the controller's label", keys(s.Annotations), s.Labels)
	}

	apply("unchanged")
	host.Spec.Description = "rack 7, slot 3"
	apply("configured")
	h = sys.WaitForHost(t, name, stepTimeout, "the applied description", func(h *metal3.BareMetalHost) bool {
		return h.Spec.Description == "rack 7, slot 3"
	})
	if h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("state %s after a description change, want provisioned", h.Status.Provisioning.State)
	}
}

// manifestFile writes the objects as a kubectl list (JSON is YAML), without status and
// creationTimestamp as a user's file would be, and returns its path.
func manifestFile(t *testing.T, objs ...any) string {
	t.Helper()
	var items []map[string]any
	for _, o := range objs {
		var item map[string]any
		data, err := json.Marshal(o)
		if err == nil {
			err = json.Unmarshal(data, &item)
		}
		if err != nil {
			t.Fatal(err)
		}
		delete(item, "status")
		delete(item["metadata"].(map[string]any), "creationTimestamp")
		items = append(items, item)
	}
	data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "host.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
