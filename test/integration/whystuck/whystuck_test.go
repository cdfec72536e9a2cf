// Package whystuck checks that the Settled condition, as `kubectl describe bmh` shows it, says
// what a host waits for in every situation, against a real API server and a real Ironic whose
// fake hardware takes a few seconds per step (so operations in progress can be seen).
package whystuck

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ironictest"
)

var sys *framework.System

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 4, Ironic: ironictest.Options{FakeDelay: "4"},
		MaxConcurrentProvisioning: slotLimit})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}

const timeout = 90 * time.Second

// slotLimit is how many hosts may be inspecting, cleaning or deploying at once here.
const slotLimit = 2

// waitReason waits for the Settled condition's reason and a message matching pattern, then
// checks that `kubectl describe bmh` shows both: the user needs no logs.
func waitReason(t *testing.T, name string, status metav1.ConditionStatus, reason, pattern string) {
	t.Helper()
	re := regexp.MustCompile(pattern)
	h := sys.WaitForHost(t, name, timeout, "Settled "+reason, func(h *metal3.BareMetalHost) bool {
		c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
		return c != nil && c.Status == status && c.Reason == reason && re.MatchString(c.Message)
	})
	out, err := sys.Env.Kubectl(context.Background(), "describe", "bmh", name)
	if err != nil {
		t.Fatal(err)
	}
	c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
	if !strings.Contains(out, reason) || !strings.Contains(strings.Join(strings.Fields(out), " "), firstWords(c.Message, 6)) {
		t.Errorf("kubectl describe does not show reason %s / message %q:\n%s", reason, c.Message, out)
	}
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

func host(t *testing.T, name, mac string, opts ...func(*metal3.BareMetalHost)) {
	t.Helper()
	h := framework.FakeHost(name, mac)
	for _, o := range opts {
		o(h)
	}
	sys.CreateHost(t, h)
	t.Cleanup(func() {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func TestTheSettledConditionSaysWhatTheHostWaitsFor(t *testing.T) {
	t.Run("an operation in progress names the Ironic state and since when", func(t *testing.T) {
		sys.Credentials(t, "busy-bmc", "admin", "pw")
		host(t, "busy", "52:54:00:80:00:01")
		waitReason(t, "busy", metav1.ConditionFalse, hoststate.ReasonOperationInProgress, `Ironic node \S+ is "(inspecting|verifying|cleaning)".* since 20\d\d-`)
		waitReason(t, "busy", metav1.ConditionTrue, hoststate.ReasonStable, `the host is available and powered`)
	})
	t.Run("a missing credentials Secret is named", func(t *testing.T) {
		host(t, "no-secret", "52:54:00:80:00:02")
		waitReason(t, "no-secret", metav1.ConditionFalse, hoststate.ReasonCredentialsProblem, `Secret default/no-secret-bmc not found; next attempt at 20\d\d-`)
	})
	t.Run("a bad BMC address is named", func(t *testing.T) {
		sys.Credentials(t, "bad-bmc-bmc", "admin", "pw")
		host(t, "bad-bmc", "52:54:00:80:00:03", func(h *metal3.BareMetalHost) { h.Spec.BMC.Address = "ipmi://10.0.0.1:99999" })
		waitReason(t, "bad-bmc", metav1.ConditionFalse, hoststate.ReasonInvalidBMCAddress, `port`)
	})
	t.Run("an invalid image is named", func(t *testing.T) {
		sys.Credentials(t, "bad-image-bmc", "admin", "pw")
		host(t, "bad-image", "52:54:00:80:00:04", func(h *metal3.BareMetalHost) {
			// A checksum the API server's rules let through (it checks presence, not length).
			h.Spec.Image = &metal3.Image{URL: "http://images.example.test/os.qcow2", Checksum: "abc123", ChecksumType: metal3.ChecksumSHA256}
		})
		waitReason(t, "bad-image", metav1.ConditionFalse, hoststate.ReasonInvalidImage, `a sha256 checksum has 64`)
	})
	t.Run("a host without BMC details is unmanaged", func(t *testing.T) {
		host(t, "no-bmc", "52:54:00:80:00:05", func(h *metal3.BareMetalHost) { h.Spec.BMC = metal3.BMCDetails{} })
		waitReason(t, "no-bmc", metav1.ConditionFalse, hoststate.ReasonUnmanaged, `set spec.bmc.address`)
	})
	t.Run("an error being backed off says when the next attempt is", func(t *testing.T) {
		sys.Credentials(t, "backoff-bmc", "admin", "pw")
		sys.Transport.FailIf(http.StatusInternalServerError, func(method, path string, _ []byte) bool {
			return method == http.MethodPost && strings.HasSuffix(path, "/v1/nodes")
		})
		defer sys.Transport.FailIf(0, nil)
		host(t, "backoff", "52:54:00:80:00:06")
		waitReason(t, "backoff", metav1.ConditionFalse, hoststate.ReasonErrorBackoff, `registration error: registration failed: .*injected failure.*; next attempt at 20\d\d-`)
	})
	t.Run("a detached host says how to attach it again", func(t *testing.T) {
		sys.Credentials(t, "detached-bmc", "admin", "pw")
		host(t, "detached", "52:54:00:80:00:07", func(h *metal3.BareMetalHost) {
			h.Annotations = map[string]string{hoststate.DetachedAnnotation: ""}
		})
		waitReason(t, "detached", metav1.ConditionFalse, hoststate.ReasonDetached, `remove the annotation`)
	})
	t.Run("an unreachable provisioner is named", func(t *testing.T) {
		sys.Credentials(t, "outage-bmc", "admin", "pw")
		host(t, "outage", "52:54:00:80:00:08")
		waitReason(t, "outage", metav1.ConditionTrue, hoststate.ReasonStable, `available`)
		sys.Ironic.Kill()
		defer func() {
			if err := sys.Ironic.Restart(); err != nil {
				t.Fatal(err)
			}
		}()
		sys.UpdateHost(t, "outage", func(h *metal3.BareMetalHost) { h.Spec.Online = !h.Spec.Online })
		waitReason(t, "outage", metav1.ConditionFalse, hoststate.ReasonProvisionerUnavailable, `waiting for the provisioner to answer`)
	})
}

func TestTheProvisioningLimitHoldsHostsBackAndSaysSo(t *testing.T) {
	const count = 5
	for i := 0; i < count; i++ {
		name := fmt.Sprintf("slot-%d", i)
		sys.Credentials(t, name+"-bmc", "admin", "pw")
		host(t, name, fmt.Sprintf("52:54:00:81:00:%02x", i), func(h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage() })
	}
	deadline := time.Now().Add(4 * time.Minute)
	sawWaiting, maxBusy := false, 0
	for {
		busy, done := 0, 0
		for i := 0; i < count; i++ {
			h := sys.Host(t, fmt.Sprintf("slot-%d", i))
			if hoststate.HoldsSlot(h.Status.Provisioning.State) {
				busy++
			}
			if h.Status.Provisioning.State == metal3.StateProvisioned {
				done++
			}
			if c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled); c != nil && c.Reason == hoststate.ReasonWaitingForSlot {
				sawWaiting = true
				if h.Status.OperationalStatus != metal3.OperationalStatusDelayed {
					t.Errorf("%s waits for a slot with operationalStatus %q, want delayed (as metal3)", h.Name, h.Status.OperationalStatus)
				}
			}
			if h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.OperationalStatus != metal3.OperationalStatusOK {
				t.Errorf("%s provisioned with operationalStatus %q, want OK", h.Name, h.Status.OperationalStatus)
			}
		}
		maxBusy = max(maxBusy, busy)
		if busy > slotLimit {
			t.Fatalf("%d hosts busy at once, limit %d", busy, slotLimit)
		}
		if done == count {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d hosts provisioned before the deadline", done, count)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !sawWaiting {
		t.Error("no host ever reported WaitingForProvisioningSlot")
	}
	t.Logf("at most %d hosts busy at once (limit %d)", maxBusy, slotLimit)
}
