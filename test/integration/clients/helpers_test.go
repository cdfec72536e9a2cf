package clients

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

const stepTimeout = 60 * time.Second

// newHost creates a fake-hardware host (online) with its credentials in s, changed by opts.
func newHost(t *testing.T, s *framework.System, name, mac string, opts ...func(*metal3.BareMetalHost)) *metal3.BareMetalHost {
	t.Helper()
	s.Credentials(t, name+"-bmc", "admin", "pw")
	h := framework.FakeHost(name, mac)
	for _, o := range opts {
		o(h)
	}
	out := s.CreateHost(t, h)
	t.Cleanup(func() { deleteHost(s, name) })
	return out
}

func deleteHost(s *framework.System, name string) {
	_ = s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}

func withImage(h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage() }

func annotate(t *testing.T, s *framework.System, name, key, value string) {
	t.Helper()
	s.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		if h.Annotations == nil {
			h.Annotations = map[string]string{}
		}
		h.Annotations[key] = value
	})
}

func unannotate(t *testing.T, s *framework.System, name, key string) {
	t.Helper()
	s.UpdateHost(t, name, func(h *metal3.BareMetalHost) { delete(h.Annotations, key) })
}

func hasAnnotation(h *metal3.BareMetalHost, key string) bool {
	_, ok := h.Annotations[key]
	return ok
}

// countEvents counts a host's Events with the reason (and a message containing substr).
func countEvents(t *testing.T, s *framework.System, name, reason, substr string) int {
	n := 0
	for _, e := range s.Events(t, name) {
		if strings.HasPrefix(e, reason+": ") && strings.Contains(e, substr) {
			n++
		}
	}
	return n
}

// node reads a node from Ironic, returning the error instead of failing.
func node(id string) (*nodes.Node, error) {
	return nodes.Get(context.Background(), sys.IronicClient(), id).Extract()
}

// wipesOrPowersOff are the state changes that would cost a running server: a deploy, an
// undeploy, a clean on the way to available, an inspection, a power-off.
var wipesOrPowersOff = []string{"provision active", "provision deleted", "provision provide", "provision inspect",
	"provision rebuild", "power power off", "power soft power off", "power rebooting", "power soft rebooting"}

// costly returns the state changes among targets that would cost a running server.
func costly(targets map[string]int) map[string]int {
	out := map[string]int{}
	for _, k := range wipesOrPowersOff {
		if targets[k] > 0 {
			out[k] = targets[k]
		}
	}
	return out
}

// diffTargets returns after - before, per key.
func diffTargets(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}
