package daytwo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

const stepTimeout = 60 * time.Second

// newHost creates a fake-hardware host with credentials, changed by opts before creation.
func newHost(t *testing.T, name, mac string, opts ...func(*metal3.BareMetalHost)) {
	t.Helper()
	sys.Credentials(t, name+"-bmc", "admin", "pw")
	h := framework.FakeHost(name, mac)
	for _, o := range opts {
		o(h)
	}
	sys.CreateHost(t, h)
	t.Cleanup(func() {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func withImage(h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage() }

func annotate(t *testing.T, name, key, value string) {
	t.Helper()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		if h.Annotations == nil {
			h.Annotations = map[string]string{}
		}
		h.Annotations[key] = value
	})
}

func unannotate(t *testing.T, name, key string) {
	t.Helper()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { delete(h.Annotations, key) })
}

func hasAnnotation(h *metal3.BareMetalHost, key string) bool {
	_, ok := h.Annotations[key]
	return ok
}

// waitSettled waits until the Settled condition has the reason (and a message containing substr).
func waitSettled(t *testing.T, name, reason, substr string) *metal3.BareMetalHost {
	t.Helper()
	return sys.WaitForHost(t, name, stepTimeout, "Settled reason "+reason, func(h *metal3.BareMetalHost) bool {
		c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
		return c != nil && c.Reason == reason && strings.Contains(c.Message, substr)
	})
}

// countEvents counts events with the reason (and message containing substr).
func countEvents(t *testing.T, name, reason, substr string) int {
	n := 0
	for _, e := range sys.Events(t, name) {
		if strings.HasPrefix(e, reason+": ") && strings.Contains(e, substr) {
			n++
		}
	}
	return n
}

type corev1SecretRef = corev1.SecretReference

// sysNodeErr reads a node from Ironic, returning the error instead of failing.
func sysNodeErr(id string) (*nodes.Node, error) {
	return nodes.Get(context.Background(), sys.IronicClient(), id).Extract()
}
