package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

// metal3Types are metal3's condition types in the order conditionsOf shows them.
var metal3Types = []string{
	hoststate.ConditionManageable, hoststate.ConditionAvailableForProvisioning, hoststate.ConditionProvisioned,
	hoststate.ConditionReady, hoststate.ConditionProgressing, hoststate.ConditionHealthy,
}

// conditionsOf shows a host's metal3 conditions as "Type=Status/Reason ...".
func conditionsOf(h *metal3.BareMetalHost) string {
	var parts []string
	for _, typ := range metal3Types {
		c := meta.FindStatusCondition(h.Status.Conditions, typ)
		if c == nil {
			parts = append(parts, typ+"=<none>")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%s/%s", typ, c.Status, c.Reason))
	}
	return strings.Join(parts, " ")
}

// conditionIs reports whether the host's condition typ has the status and reason.
func conditionIs(h *metal3.BareMetalHost, typ string, status metav1.ConditionStatus, reason string) bool {
	c := meta.FindStatusCondition(h.Status.Conditions, typ)
	return c != nil && c.Status == status && c.Reason == reason
}

// watchConditions records every version of the host the API server stores, as
// "state: conditions", until stop is called; the versions come in order.
func watchConditions(t *testing.T, name string) (stop func() []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Watch(ctx,
		metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen []string
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if h, ok := ev.Object.(*metal3.BareMetalHost); ok {
				mu.Lock()
				seen = append(seen, fmt.Sprintf("%s/%s: %s", h.Status.Provisioning.State, h.Status.OperationalStatus, conditionsOf(h)))
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		w.Stop()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return seen
	}
}

// kubectlWaitReady runs `kubectl wait --for=condition=Ready bmh/<name>` as a metal3 user would.
func kubectlWaitReady(name string, timeout time.Duration) error {
	_, err := sys.Env.Kubectl(context.Background(), "wait", "--for=condition=Ready", "bmh/"+name,
		"-n", framework.Namespace, "--timeout="+timeout.String())
	return err
}

// metal3's conditions through a lifecycle, as the API server stores each version of the host:
// Ready is False while the host is available and True once it is provisioned, so
// `kubectl wait --for=condition=Ready` means what it means with metal3; Progressing is True in
// the intermediate states; spec.architecture is filled from inspection.
func TestMetal3ConditionsThroughALifecycle(t *testing.T) {
	const name = "conditions-0"
	sys.Credentials(t, name+"-bmc", "admin", "pw")
	preEnrollWithInventory(t, name, "52:54:00:10:00:31") // inspection finds x86_64
	stop := watchConditions(t, name)
	sys.CreateHost(t, framework.FakeHost(name, "52:54:00:10:00:31"))

	h := sys.WaitForHost(t, name, stepTimeout, "available with its conditions", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && conditionIs(h, hoststate.ConditionAvailableForProvisioning, metav1.ConditionTrue, "Available")
	})
	want := "Manageable=True/Manageable AvailableForProvisioning=True/Available Provisioned=False/NotProvisioned " +
		"Ready=False/NotProvisioned Progressing=False/NotProgressing Healthy=Unknown/Unknown"
	if got := conditionsOf(h); got != want {
		t.Errorf("available host:\n got %s\nwant %s", got, want)
	}
	if err := kubectlWaitReady(name, time.Second); err == nil {
		t.Error("kubectl wait --for=condition=Ready succeeded for an available host")
	} else if !strings.Contains(err.Error(), "timed out") {
		t.Errorf("kubectl wait failed otherwise than by timing out: %v", err)
	}
	if got := sys.WaitForHost(t, name, stepTimeout, "spec.architecture filled", func(h *metal3.BareMetalHost) bool {
		return h.Spec.Architecture != ""
	}).Spec.Architecture; got != "x86_64" {
		t.Errorf("spec.architecture %q, inspection found x86_64", got)
	}

	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage(); h.Spec.Online = true })
	if err := kubectlWaitReady(name, stepTimeout); err != nil {
		t.Fatal(err)
	}
	h = sys.Host(t, name)
	want = "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned " +
		"Ready=True/Provisioned Progressing=False/NotProgressing Healthy=Unknown/Unknown"
	if h.Status.Provisioning.State != metal3.StateProvisioned || conditionsOf(h) != want {
		t.Errorf("after kubectl wait: %s %s\nwant provisioned %s", h.Status.Provisioning.State, conditionsOf(h), want)
	}
	if ready := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionReady); ready.LastTransitionTime.Time.Before(h.Status.OperationHistory.Provision.Start.Time) {
		t.Errorf("Ready's lastTransitionTime %s is before provisioning started %s", ready.LastTransitionTime, h.Status.OperationHistory.Provision.Start)
	}

	versions := stop()
	progressing := map[string]bool{}
	for _, v := range versions {
		state, conds, _ := strings.Cut(v, ": ")
		state, _, _ = strings.Cut(state, "/")
		for reason, inState := range map[string]string{"Registering": "registering", "Inspecting": "inspecting", "Provisioning": "provisioning"} {
			if state == inState && strings.Contains(conds, "Progressing=True/"+reason) && strings.Contains(conds, "Ready=False/") {
				progressing[reason] = true
			}
		}
		if strings.Contains(conds, "Ready=True/") && state != "provisioned" {
			t.Errorf("Ready True in state %s: %s", state, conds)
		}
	}
	for _, reason := range []string{"Registering", "Inspecting", "Provisioning"} {
		if !progressing[reason] {
			t.Errorf("no stored version with Progressing=True/%s in its state; versions:\n%s", reason, strings.Join(versions, "\n"))
		}
	}
}

// An externally provisioned host is Ready as soon as it is adopted, as in metal3.
func TestKubectlWaitReadyForAnExternallyProvisionedHost(t *testing.T) {
	const name = "conditions-external"
	sys.Credentials(t, name+"-bmc", "admin", "pw")
	h := framework.FakeHost(name, "52:54:00:10:00:32")
	h.Spec.ExternallyProvisioned = true
	h.Spec.Online = true
	sys.CreateHost(t, h)
	if err := kubectlWaitReady(name, stepTimeout); err != nil {
		t.Fatal(err)
	}
	if h := sys.Host(t, name); h.Status.Provisioning.State != metal3.StateExternallyProvisioned ||
		!conditionIs(h, hoststate.ConditionProvisioned, metav1.ConditionTrue, "Provisioned") {
		t.Errorf("ready host: %s %s", h.Status.Provisioning.State, conditionsOf(h))
	}
}

// A host whose credentials cannot be used: metal3's conditions say registration failed, and
// the Settled condition still says why the host is stuck.
func TestConditionsOfAHostWithBadCredentials(t *testing.T) {
	const name = "conditions-no-secret"
	sys.CreateHost(t, framework.FakeHost(name, "52:54:00:10:00:33"))
	h := sys.WaitForHost(t, name, stepTimeout, "registration failed", func(h *metal3.BareMetalHost) bool {
		return conditionIs(h, hoststate.ConditionManageable, metav1.ConditionFalse, "RegistrationFailed")
	})
	if !conditionIs(h, hoststate.ConditionReady, metav1.ConditionFalse, "Error") ||
		!conditionIs(h, hoststate.ConditionProgressing, metav1.ConditionTrue, "Registering") {
		t.Errorf("conditions %s, want Ready=False/Error Progressing=True/Registering", conditionsOf(h))
	}
	settled := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
	if settled == nil || settled.Reason != hoststate.ReasonCredentialsProblem || !strings.Contains(settled.Message, name+"-bmc not found") {
		t.Errorf("Settled %+v, want %s naming the Secret", settled, hoststate.ReasonCredentialsProblem)
	}
}

// A host without BMC details is unmanaged with operationalStatus discovered, as in metal3, and
// registers (OK) once given them; the architecture its user set is kept (and registered as the
// node's cpu_arch, so inspection reports it back).
func TestAHostWithoutBMCDetailsIsDiscovered(t *testing.T) {
	const name = "conditions-no-bmc"
	preEnrollWithInventory(t, name, "52:54:00:10:00:34") // Ironic holds x86_64 until registration
	h := framework.FakeHost(name, "52:54:00:10:00:34")
	bmc := h.Spec.BMC
	h.Spec.BMC = metal3.BMCDetails{}
	sys.CreateHost(t, h)
	h = sys.WaitForHost(t, name, stepTimeout, "unmanaged", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateUnmanaged
	})
	if h.Status.OperationalStatus != metal3.OperationalStatusDiscovered ||
		!conditionIs(h, hoststate.ConditionManageable, metav1.ConditionFalse, "NotManaged") {
		t.Errorf("unmanaged host: operationalStatus %q, %s", h.Status.OperationalStatus, conditionsOf(h))
	}
	sys.Credentials(t, name+"-bmc", "admin", "pw")
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.BMC = bmc; h.Spec.Architecture = "aarch64" })
	h = sys.WaitForHost(t, name, stepTimeout, "available and OK", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.OperationalStatus == metal3.OperationalStatusOK
	})
	if h.Status.HardwareDetails == nil || h.Spec.Architecture != "aarch64" {
		t.Errorf("inspection found %+v; spec.architecture %q, want the user's aarch64 kept", h.Status.HardwareDetails, h.Spec.Architecture)
	}
}
