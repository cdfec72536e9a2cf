package lifecycle

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

func TestIronicAnswering500IsReportedAndTheHostRecovers(t *testing.T) {
	const name = "ironic500-0"
	sys.Credentials(t, name+"-bmc", "admin", "pw")
	sys.Transport.FailWith(http.StatusInternalServerError)
	t.Cleanup(func() { sys.Transport.FailWith(0) })
	sys.CreateHost(t, framework.FakeHost(name, "52:54:00:40:00:01"))
	h := sys.WaitForHost(t, name, stepTimeout, "an error naming Ironic's failure", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	if !strings.Contains(h.Status.ErrorMessage, "injected failure for a test") {
		t.Errorf("errorMessage %q does not carry Ironic's fault string", h.Status.ErrorMessage)
	}
	sys.WaitForEvent(t, name, "RegistrationError", "injected failure", 10*time.Second)
	sys.Transport.FailWith(0)
	sys.WaitForHost(t, name, 2*stepTimeout, "available without error", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.ErrorType == ""
	})
	_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
}

func TestAnUnreachableIronicKeepsHostsInTheirStateAndRecoversByItself(t *testing.T) {
	const stable, newcomer = "outage-stable", "outage-new"
	sys.Credentials(t, stable+"-bmc", "admin", "pw")
	sys.CreateHost(t, framework.FakeHost(stable, "52:54:00:50:00:01"))
	sys.WaitForState(t, stable, metal3.StateAvailable, stepTimeout)

	sys.Ironic.Kill()
	t.Cleanup(func() {
		if !sys.Ironic.Running() {
			_ = sys.Ironic.Restart()
		}
	})
	sys.Credentials(t, newcomer+"-bmc", "admin", "pw")
	sys.CreateHost(t, framework.FakeHost(newcomer, "52:54:00:50:00:02"))
	// Make the stable host look again while Ironic is down.
	sys.UpdateHost(t, stable, func(h *metal3.BareMetalHost) { h.Spec.Online = false })
	for _, name := range []string{stable, newcomer} {
		h := sys.WaitForHost(t, name, stepTimeout, "ProvisionerReady=False", func(h *metal3.BareMetalHost) bool {
			return meta.IsStatusConditionFalse(h.Status.Conditions, hoststate.ConditionProvisionerReady)
		})
		c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionProvisionerReady)
		if !strings.Contains(c.Message, "unavailable") && !strings.Contains(c.Message, "unreachable") && !strings.Contains(c.Message, "connect") {
			t.Errorf("%s: condition message %q does not say Ironic cannot be reached", name, c.Message)
		}
		if h.Status.ErrorCount > 1 {
			t.Errorf("%s: errorCount %d during an outage: the outage must not count as host errors", name, h.Status.ErrorCount)
		}
	}
	if s := sys.Host(t, stable).Status.Provisioning.State; s != metal3.StateAvailable {
		t.Errorf("the stable host moved to %q while Ironic was down", s)
	}
	sys.WaitForEvent(t, newcomer, "ProvisionerUnavailable", "", 10*time.Second)

	if err := sys.Ironic.Restart(); err != nil {
		t.Fatal(err)
	}
	sys.WaitForState(t, newcomer, metal3.StateAvailable, 2*stepTimeout)
	for _, name := range []string{stable, newcomer} {
		sys.WaitForHost(t, name, stepTimeout, "ProvisionerReady=True", func(h *metal3.BareMetalHost) bool {
			return meta.IsStatusConditionTrue(h.Status.Conditions, hoststate.ConditionProvisionerReady)
		})
	}
	sys.WaitForHost(t, stable, stepTimeout, "powered off after recovery", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && !h.Status.PoweredOn
	})
	for _, name := range []string{stable, newcomer} {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	}
}
