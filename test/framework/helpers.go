package framework

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// Namespace is where tests create their objects.
const Namespace = "default"

// MD5 of an image, any valid digest will do for fake-hardware.
const TestChecksum = "d41d8cd98f00b204e9800998ecf8427e"

// Credentials creates (or replaces) a BMC credentials Secret.
func (s *System) Credentials(t testing.TB, name, user, password string) *corev1.Secret {
	t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Data: map[string][]byte{"username": []byte(user), "password": []byte(password)}}
	return s.createSecret(t, sec)
}

// Secret creates a Secret with the given string data.
func (s *System) Secret(t testing.TB, name string, data map[string]string) *corev1.Secret {
	t.Helper()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace}, StringData: data}
	return s.createSecret(t, sec)
}

func (s *System) createSecret(t testing.TB, sec *corev1.Secret) *corev1.Secret {
	ctx := context.Background()
	out, err := s.Env.Kube.CoreV1().Secrets(Namespace).Create(ctx, sec, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		cur, gerr := s.Env.Kube.CoreV1().Secrets(Namespace).Get(ctx, sec.Name, metav1.GetOptions{})
		if gerr != nil {
			t.Fatal(gerr)
		}
		sec.ResourceVersion = cur.ResourceVersion
		sec.Labels = cur.Labels
		out, err = s.Env.Kube.CoreV1().Secrets(Namespace).Update(ctx, sec, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// FakeHost is a fake-hardware host with credentials, a boot MAC, and no image.
func FakeHost(name, mac string) *metal3.BareMetalHost {
	return &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec: metal3.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: mac,
			BMC:            metal3.BMCDetails{Address: "fake://" + name, CredentialsName: name + "-bmc"},
		},
	}
}

// TestImage is an image fake-hardware "deploys".
func TestImage() *metal3.Image {
	format := "qcow2"
	return &metal3.Image{URL: "http://images.example.test/os.qcow2", Checksum: TestChecksum, ChecksumType: metal3.ChecksumMD5, DiskFormat: &format}
}

// CreateHost creates a host, creating its credentials Secret first when it has none.
func (s *System) CreateHost(t testing.TB, h *metal3.BareMetalHost) *metal3.BareMetalHost {
	t.Helper()
	out, err := s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).Create(context.Background(), h, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Host reads a host from the API server.
func (s *System) Host(t testing.TB, name string) *metal3.BareMetalHost {
	t.Helper()
	h, err := s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// UpdateHost reads a host, applies change, and writes it back, retrying on conflicts.
func (s *System) UpdateHost(t testing.TB, name string, change func(*metal3.BareMetalHost)) {
	t.Helper()
	for i := 0; i < 10; i++ {
		h := s.Host(t, name)
		change(h)
		_, err := s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(Namespace).Update(context.Background(), h, metav1.UpdateOptions{})
		if err == nil {
			return
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatalf("updating host %s: too many conflicts", name)
}

// WaitForHost polls the host until ok returns true, failing after timeout with the last state.
func (s *System) WaitForHost(t testing.TB, name string, timeout time.Duration, what string, ok func(*metal3.BareMetalHost) bool) *metal3.BareMetalHost {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *metal3.BareMetalHost
	for {
		h, err := s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(Namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = h
			if ok(h) {
				return h
			}
		} else if !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %s: timed out after %s waiting for %s; last status: %s", name, timeout, what, describe(last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitForState waits until the host reaches state.
func (s *System) WaitForState(t testing.TB, name string, state metal3.ProvisioningState, timeout time.Duration) *metal3.BareMetalHost {
	t.Helper()
	return s.WaitForHost(t, name, timeout, fmt.Sprintf("state %q", state), func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == state
	})
}

// WaitForGone waits until the host no longer exists.
func (s *System) WaitForGone(t testing.TB, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h, err := s.Env.Metal3.Metal3V1alpha1().BareMetalHosts(Namespace).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %s still exists after %s: %s", name, timeout, describe(h))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func describe(h *metal3.BareMetalHost) string {
	if h == nil {
		return "<none>"
	}
	st := h.Status
	return fmt.Sprintf("state=%q errorType=%q errorMessage=%q errorCount=%d poweredOn=%v id=%s conditions=%v",
		st.Provisioning.State, st.ErrorType, st.ErrorMessage, st.ErrorCount, st.PoweredOn, st.Provisioning.ID, st.Conditions)
}

// Events returns "Reason: message" of the Events recorded on a host.
func (s *System) Events(t testing.TB, name string) []string {
	t.Helper()
	list, err := s.Env.Kube.CoreV1().Events(Namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.Set{"involvedObject.kind": "BareMetalHost", "involvedObject.name": name}.String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason+": "+e.Message)
	}
	return out
}

// WaitForEvent waits until an Event with the reason (and message containing substr) exists.
func (s *System) WaitForEvent(t testing.TB, name, reason, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range s.Events(t, name) {
			if strings.HasPrefix(e, reason+": ") && strings.Contains(e, substr) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %s: no %s event containing %q after %s; events: %q", name, reason, substr, timeout, s.Events(t, name))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Node reads a node from Ironic directly.
func (s *System) Node(t testing.TB, id string) *nodes.Node {
	t.Helper()
	n, err := nodes.Get(context.Background(), s.IronicClient(), id).Extract()
	if err != nil {
		t.Fatalf("reading Ironic node %s: %v", id, err)
	}
	return n
}
