package lifecycle

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

func TestChangingTheCredentialsSecretReRegistersTheHost(t *testing.T) {
	const name = "creds-0"
	sys.Credentials(t, name+"-bmc", "admin", "first-password")
	sys.CreateHost(t, framework.FakeHost(name, "52:54:00:30:00:01"))
	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	firstVersion := h.Status.GoodCredentials.Version
	if firstVersion == "" {
		t.Fatal("no goodCredentials version after registration")
	}

	updated := sys.Credentials(t, name+"-bmc", "operator", "second-password")
	h = sys.WaitForHost(t, name, stepTimeout, "new credentials validated", func(h *metal3.BareMetalHost) bool {
		return h.Status.GoodCredentials.Version == updated.ResourceVersion
	})
	if h.Status.TriedCredentials.Version != updated.ResourceVersion {
		t.Errorf("triedCredentials %q, want %q", h.Status.TriedCredentials.Version, updated.ResourceVersion)
	}
	if h.Status.Provisioning.State != metal3.StateAvailable {
		t.Errorf("re-registration moved the host to %q", h.Status.Provisioning.State)
	}
	// fake-hardware keeps no credentials in driver_info; the node's record of the version the
	// controller registered it with is what changed.
	node := sys.Node(t, h.Status.Provisioning.ID)
	if node.Extra["metalkube_credentials_version"] != updated.ResourceVersion {
		t.Errorf("node extra %v, want credentials version %s", node.Extra, updated.ResourceVersion)
	}
	sys.WaitForEvent(t, name, "BMCAccessValidated", updated.ResourceVersion, stepTimeout)
	_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}
