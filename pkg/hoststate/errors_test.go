package hoststate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// feed writes a decided status back into the host as the controller does: only when it
// changed, stamping status.lastUpdated with the time of the write.
func feed(h *metal3.BareMetalHost, st metal3.BareMetalHostStatus, now time.Time) *metal3.BareMetalHost {
	h = h.DeepCopy()
	cmpSt := *st.DeepCopy()
	cmpSt.LastUpdated = h.Status.LastUpdated
	if !equality.Semantic.DeepEqual(h.Status, cmpSt) {
		lu := metav1.NewTime(now)
		st.LastUpdated = &lu
	}
	h.Status = st
	return h
}

// tick is one look at a host in a sequence: when, the node the controller finds, and what
// is decided. With fail set, the action Decide asked for (decided) fails, and want is the
// result of ActionFailed.
type tick struct {
	at      time.Duration
	node    *provisioner.Node
	decided ActionKind
	fail    error
	want    outcome
}

func runSequence(t *testing.T, h *metal3.BareMetalHost, ticks []tick) {
	t.Helper()
	for i, tk := range ticks {
		in := input(h, tk.node, now(at(tk.at)))
		r := decide(t, in)
		if tk.fail != nil {
			if r.Action.Kind != tk.decided {
				t.Fatalf("tick %d (t0+%v): Decide asked for %q, want %q", i, tk.at, r.Action.Kind, tk.decided)
			}
			r = ActionFailed(in, r.Action, tk.fail)
			checkErrorPairing(t, r)
		}
		got := observe(r, tk.want.Requeue != nil)
		if diff := cmp.Diff(tk.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("tick %d (t0+%v) (-want +got):\n%s", i, tk.at, diff)
		}
		h = feed(h, r.Status, at(tk.at))
	}
}

func TestNodeFailuresAreReportedOnceThenRetriedAfterBackoff(t *testing.T) {
	s := time.Second
	t.Run("a failed cleaning is reported, waited out, recovered, and backs off longer when it fails again", func(t *testing.T) {
		failedClean := node(cleanFail, lastError("erase failed"))
		runSequence(t, host(stPreparing), []tick{
			{at: 0, node: failedClean, want: failure(stPreparing, metal3.PreparationError)},
			{at: 2 * s, node: failedClean, want: outcome{State: stPreparing, ErrorType: metal3.PreparationError, Count: 1, Requeue: after(3 * s)}},
			{at: 4 * s, node: failedClean, want: outcome{State: stPreparing, ErrorType: metal3.PreparationError, Count: 1, Requeue: after(s)}},
			{at: 5 * s, node: failedClean, want: do(ActionRecover, stPreparing).count(1).requeue(s)},
			{at: 6 * s, node: node(manageable), want: provide(stPreparing).count(1)},
			{at: 7 * s, node: failedClean, want: failure(stPreparing, metal3.PreparationError).count(2).requeue(Backoff(2))},
			{at: 12 * s, node: failedClean, want: outcome{State: stPreparing, ErrorType: metal3.PreparationError, Count: 2, Requeue: after(5 * s)}},
			{at: 17 * s, node: failedClean, want: do(ActionRecover, stPreparing).count(2)},
			{at: 18 * s, node: node(available), want: steadyIn(stAvailable)},
		})
	})
	t.Run("a node that keeps failing BMC verification backs off exponentially", func(t *testing.T) {
		bad := node(enroll, lastError("authentication failed"))
		runSequence(t, registering(), []tick{
			{at: 0, node: bad, want: failure(stRegistering, metal3.RegistrationError)},
			{at: 5 * s, node: bad, want: do(ActionManage, stRegistering).count(1)},
			{at: 6 * s, node: node(verifying), want: noActionIn(stRegistering).count(1)},
			{at: 8 * s, node: bad, want: failure(stRegistering, metal3.RegistrationError).count(2).requeue(10 * s)},
			{at: 18 * s, node: bad, want: do(ActionManage, stRegistering).count(2)},
			{at: 20 * s, node: bad, want: failure(stRegistering, metal3.RegistrationError).count(3).requeue(20 * s)},
			{at: 40 * s, node: bad, want: do(ActionManage, stRegistering).count(3)},
			{at: 41 * s, node: node(manageable), want: do(ActionInspect, stInspecting, "BMCAccessValidated", "ProfileSet", "Registered", "InspectionStarted")},
		})
	})
	t.Run("a failed deployment is retried after its backoff", func(t *testing.T) {
		bad := node(deployFail, lastError("image download failed"))
		runSequence(t, host(stProvisioning, running(imgA)), []tick{
			{at: 0, node: bad, want: failure(stProvisioning, metal3.ProvisioningError)},
			{at: s, node: bad, want: outcome{State: stProvisioning, ErrorType: metal3.ProvisioningError, Count: 1, Requeue: after(4 * s)}},
			{at: 5 * s, node: bad, want: do(ActionDeploy, stProvisioning).count(1)},
			{at: 6 * s, node: node(deploying), want: noActionIn(stProvisioning).count(1)},
			{at: 9 * s, node: node(active), want: steadyIn(stProvisioned, "ProvisioningComplete")},
		})
	})
	t.Run("a power change that did not happen is a power management error retried after its backoff", func(t *testing.T) {
		stuck := node(active, lastError("IPMI timeout"))
		runSequence(t, host(stProvisioned, running(imgA), online), []tick{
			{at: 0, node: stuck, want: failure(stProvisioned, metal3.PowerManagementError)},
			{at: 2 * s, node: stuck, want: outcome{State: stProvisioned, ErrorType: metal3.PowerManagementError, Count: 1, Requeue: after(3 * s)}},
			{at: 5 * s, node: stuck, want: do(ActionPowerOn, stProvisioned, "PowerOn").count(1)},
			{at: 6 * s, node: node(active, poweredOn), want: steadyIn(stProvisioned)},
		})
	})
	t.Run("a failed registration is retried when the host is looked at again", func(t *testing.T) {
		runSequence(t, registering(), []tick{
			{at: 0, node: nil, decided: ActionRegister, fail: errors.New("HTTP 503"), want: failure(stRegistering, metal3.RegistrationError)},
			{at: 5 * s, node: nil, decided: ActionRegister, fail: errors.New("HTTP 503"),
				want: failure(stRegistering, metal3.RegistrationError).count(2).requeue(10 * s)},
			{at: 15 * s, node: nil, want: registerAndVerify(stRegistering).count(2)},
		})
	})
}

// TestRepeatedActionFailuresBackOff fails the action Decide asks for again and again, looking
// again when the result says: the backoff must grow, even when the action is the first one of
// a new state (the failed action leaves the host in the state it was in).
func TestRepeatedActionFailuresBackOff(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for _, c := range []struct {
		name string
		host *metal3.BareMetalHost
		node *provisioner.Node
		kind ActionKind
	}{
		{"a deploy retry that keeps failing backs off", host(stProvisioning, running(imgA)), node(available), ActionDeploy},
		{"an inspection that cannot be started as registration completes backs off", registering(), node(manageable), ActionInspect},
		{"a deprovisioning that cannot be started backs off", host(stDeprovisioning, provisioned(imgA)), node(active), ActionUndeploy},
		{"a registration that keeps failing backs off", host(stNone), nil, ActionRegister},
		{"a power-on that keeps failing backs off", host(stAvailable, online), node(available), ActionPowerOn},
		{"a delete that keeps failing backs off", host(stDeleting, deleted), node(manageable), ActionDelete},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, clock := c.host, t0
			var got []time.Duration
			for i := range want {
				in := input(h, c.node, now(clock))
				r := decide(t, in)
				if r.Action.Kind != c.kind {
					t.Fatalf("attempt %d: Decide asked for %q (state %q, error %q), want %q", i+1, r.Action.Kind,
						r.Status.Provisioning.State, r.Status.ErrorMessage, c.kind)
				}
				r = ActionFailed(in, r.Action, errors.New("HTTP 500 Internal Server Error"))
				got = append(got, r.RequeueAfter)
				h = feed(h, r.Status, clock)
				clock = clock.Add(r.RequeueAfter)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("backoff of consecutive failures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionFailed(t *testing.T) {
	for _, c := range []struct {
		name  string
		state metal3.ProvisioningState
		kind  ActionKind
		want  metal3.ErrorType
	}{
		{"a failed registration of a new host is a registration error", stRegistering, ActionRegister, metal3.RegistrationError},
		{"a failed manage while registering is a registration error", stRegistering, ActionManage, metal3.RegistrationError},
		{"a failed recover while registering is a registration error", stRegistering, ActionRecover, metal3.RegistrationError},
		{"a failed inspection start as registration completes is an inspection error", stRegistering, ActionInspect, metal3.InspectionError},
		{"a failed adoption as registration completes is a provisioned registration error", stRegistering, ActionAdopt, metal3.ProvisionedRegistrationError},
		{"a failed registration of a provisioned host is a provisioned registration error", stProvisioned, ActionRegister, metal3.ProvisionedRegistrationError},
		{"a failed manage of an externally provisioned host is a provisioned registration error", stExternal, ActionManage, metal3.ProvisionedRegistrationError},
		{"a failed inspection start is an inspection error", stInspecting, ActionInspect, metal3.InspectionError},
		{"a failed recover while inspecting is an inspection error", stInspecting, ActionRecover, metal3.InspectionError},
		{"a failed manage while inspecting is an inspection error", stInspecting, ActionManage, metal3.InspectionError},
		{"a failed provide while preparing is a preparation error", stPreparing, ActionProvide, metal3.PreparationError},
		{"a failed provide of an available host is a preparation error", stAvailable, ActionProvide, metal3.PreparationError},
		{"a failed deploy as provisioning starts is a provisioning error", stAvailable, ActionDeploy, metal3.ProvisioningError},
		{"a failed deploy is a provisioning error", stProvisioning, ActionDeploy, metal3.ProvisioningError},
		{"a failed provide while provisioning is a provisioning error", stProvisioning, ActionProvide, metal3.ProvisioningError},
		{"a failed undeploy as deprovisioning starts is a provisioning error", stProvisioned, ActionUndeploy, metal3.ProvisioningError},
		{"a failed undeploy is a provisioning error", stDeprovisioning, ActionUndeploy, metal3.ProvisioningError},
		{"a failed recover while deprovisioning is a provisioning error", stDeprovisioning, ActionRecover, metal3.ProvisioningError},
		{"a failed adoption is a provisioned registration error", stProvisioned, ActionAdopt, metal3.ProvisionedRegistrationError},
		{"a failed adoption of an externally provisioned host is a provisioned registration error", stExternal, ActionAdopt, metal3.ProvisionedRegistrationError},
		{"a failed power-on is a power management error", stAvailable, ActionPowerOn, metal3.PowerManagementError},
		{"a failed power-off is a power management error", stProvisioned, ActionPowerOff, metal3.PowerManagementError},
		{"a failed power-off before delete is a power management error", stPoweringOff, ActionPowerOff, metal3.PowerManagementError},
		{"a failed delete is a provisioning error", stDeleting, ActionDelete, metal3.ProvisioningError},
		{"a failed delete after powering off is a provisioning error", stPoweringOff, ActionDelete, metal3.ProvisioningError},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := host(c.state, errorCount(2), func(h *metal3.BareMetalHost) { h.Status.OperationalStatus = metal3.OperationalStatusOK })
			in := input(h, node(manageable, poweredOn))
			before := h.DeepCopy()
			r := ActionFailed(in, Action{Kind: c.kind}, errors.New("HTTP 503 Service Unavailable"))
			if diff := cmp.Diff(before, h); diff != "" {
				t.Errorf("ActionFailed modified the host (-before +after):\n%s", diff)
			}
			checkErrorPairing(t, r)
			want := outcome{State: c.state, ErrorType: c.want, Count: 3, Events: []string{eventReasonForError(c.want)}, Requeue: after(Backoff(3))}
			if diff := cmp.Diff(want, observe(r, true), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if msg := actionVerb[c.kind] + " failed: HTTP 503 Service Unavailable"; r.Status.ErrorMessage != msg {
				t.Errorf("error message %q, want %q", r.Status.ErrorMessage, msg)
			}
			if r.Status.Provisioning.ID != nodeID || !r.Status.PoweredOn {
				t.Errorf("provisioning ID %q, poweredOn %v: the node's view is not recorded", r.Status.Provisioning.ID, r.Status.PoweredOn)
			}
		})
	}
}

func TestActionFailedCountsAFailureOncePerBackoff(t *testing.T) {
	msg := "starting deployment failed: HTTP 503"
	h := host(stProvisioning, running(imgA), failed(metal3.ProvisioningError, msg, 1, t0))
	in := func(d time.Duration) Input { return input(h, node(available), now(at(d))) }
	err := errors.New("HTTP 503")

	within := ActionFailed(in(time.Second), Action{Kind: ActionDeploy}, err)
	want := outcome{State: stProvisioning, ErrorType: metal3.ProvisioningError, Count: 1, Requeue: after(Backoff(1))}
	if diff := cmp.Diff(want, observe(within, true), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the same failure within its backoff (-want +got):\n%s", diff)
	}
	later := ActionFailed(in(Backoff(1)), Action{Kind: ActionDeploy}, err)
	want = failure(stProvisioning, metal3.ProvisioningError).count(2).requeue(Backoff(2))
	if diff := cmp.Diff(want, observe(later, true), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the same failure after its backoff (-want +got):\n%s", diff)
	}
}

func TestBackoff(t *testing.T) {
	want := map[int]time.Duration{
		-1: 5 * time.Second, 0: 5 * time.Second, 1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second,
		4: 40 * time.Second, 5: 80 * time.Second, 6: 160 * time.Second, 7: 5 * time.Minute, 8: 5 * time.Minute,
		1000: 5 * time.Minute, 1 << 30: 5 * time.Minute,
	}
	for n, d := range want {
		if got := Backoff(n); got != d {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, d)
		}
	}
	prev := Backoff(0)
	for n := 1; n <= 200; n++ {
		d := Backoff(n)
		if d < prev || d > 5*time.Minute || d <= 0 {
			t.Fatalf("Backoff(%d) = %v after Backoff(%d) = %v: want monotonic, positive and at most 5m", n, d, n-1, prev)
		}
		prev = d
	}
}

func TestWaitingPollsLessOftenAsTheNodeTakesLonger(t *testing.T) {
	for _, c := range []struct {
		name  string
		since time.Duration
		want  time.Duration
	}{
		{"a node that just changed state is looked at every second", 3 * time.Second, time.Second},
		{"a node busy for half a minute is looked at every 5 seconds", 30 * time.Second, 5 * time.Second},
		{"a node busy for an hour is looked at every 15 seconds", time.Hour, 15 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := decide(t, input(host(stPreparing), node(cleaning, inStateSince(at(-c.since)))))
			if r.Action.Kind != ActionNone || r.RequeueAfter != c.want {
				t.Errorf("action %q, requeue %v, want none after %v", r.Action.Kind, r.RequeueAfter, c.want)
			}
		})
	}
}

func TestDecideIsDeterministic(t *testing.T) {
	in := input(host(stInspecting, inspectionStartedAt(at(-time.Minute))), node(manageable), hardware)
	a, b := Decide(in), Decide(in)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two decisions on the same input differ (-first +second):\n%s", diff)
	}
}

// A host being deleted whose node cannot be read is released after a bounded number of
// failures, with a Warning that says what Ironic may still hold; a host not being deleted,
// or one that has not failed often enough yet, is not.
func TestADeletedHostWhoseNodeCannotBeReadIsReleasedAfterBoundedFailures(t *testing.T) {
	lookup := errors.New(`GET /v1/nodes/metal~host-0 returned 400 Bad Request: invalid name`)
	const msg = `reading the node from the provisioner failed: GET /v1/nodes/metal~host-0 returned 400 Bad Request: invalid name`
	withID := func(h *metal3.BareMetalHost) { h.Status.Provisioning.ID = nodeID }
	for _, c := range []struct {
		name        string
		h           *metal3.BareMetalHost
		wantRelease bool
		wantLeft    string
	}{
		{"a first failure is retried", host(stProvisioned, deleted, withID), false, ""},
		{"a second failure is retried", host(stProvisioned, deleted, withID, failed(metal3.ProvisionedRegistrationError, msg, 1, t0)), false, ""},
		{"the third failure releases the host, naming its node",
			host(stProvisioned, deleted, withID, failed(metal3.ProvisionedRegistrationError, msg, 2, t0)), true, "node " + nodeID},
		{"a host without a node ID names the node Ironic would have",
			host(stRegistering, deleted, func(h *metal3.BareMetalHost) { h.Status.Provisioning.ID = "" }, failed(metal3.RegistrationError, msg, 2, t0)), true, "a node named metal~host-0"},
		{"earlier errors of another kind do not release a host on its first failed read",
			host(stProvisioned, deleted, withID, failed(metal3.ProvisioningError, "deploy failed: boom", 5, t0)), false, ""},
		{"a host not being deleted is never released",
			host(stProvisioned, withID, failed(metal3.ProvisionedRegistrationError, msg, 9, t0)), false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ObservationFailed(input(c.h, nil, now(at(time.Hour))), lookup)
			if r.RemoveFinalizer != c.wantRelease {
				t.Fatalf("RemoveFinalizer %v, want %v", r.RemoveFinalizer, c.wantRelease)
			}
			var warning *Event
			for i, e := range r.Events {
				if e.Reason == "DeletedWithoutNode" {
					warning = &r.Events[i]
				}
			}
			if !c.wantRelease {
				if warning != nil {
					t.Errorf("unexpected %+v", warning)
				}
				return
			}
			if warning == nil || warning.Type != "Warning" || !strings.Contains(warning.Message, c.wantLeft) ||
				!strings.Contains(warning.Message, "400 Bad Request") {
				t.Errorf("event %+v, want a Warning naming %q and the last error", warning, c.wantLeft)
			}
		})
	}
}

// TestFailuresThatAreNotTheHosts: a locked node and an unreachable provisioner, whether met
// while reading the node or acting on it, never record an error on the host.
func TestFailuresThatAreNotTheHosts(t *testing.T) {
	h := host(stProvisioning, errorCount(1))
	busy := fmt.Errorf("node n-1: %w", provisioner.ErrLocked)
	down := fmt.Errorf("%w: dial tcp 127.0.0.1:6385: connect: connection refused", provisioner.ErrUnavailable)
	for _, c := range []struct {
		name    string
		result  func(in Input) Result
		requeue time.Duration
		events  []string
	}{
		{"a locked node read", func(in Input) Result { return ObservationFailed(in, busy) }, busyRecheck, nil},
		{"a locked node acted on", func(in Input) Result { return ActionFailed(in, Action{Kind: ActionDeploy}, busy) }, busyRecheck, nil},
		{"an unreachable provisioner read", func(in Input) Result { return ObservationFailed(in, down) }, unavailableRecheck, []string{ReasonProvisionerUnavailable}},
		{"an unreachable provisioner acted on", func(in Input) Result { return ActionFailed(in, Action{Kind: ActionDeploy}, down) }, unavailableRecheck, []string{ReasonProvisionerUnavailable}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.result(input(h, node(available)))
			if r.Status.ErrorCount != 1 || r.Status.ErrorType != h.Status.ErrorType || r.Status.ProvisioningFailCount != h.Status.ProvisioningFailCount {
				t.Errorf("errorCount %d, errorType %q: the host's error fields changed", r.Status.ErrorCount, r.Status.ErrorType)
			}
			if r.Status.Provisioning.State != stProvisioning || r.Action.Kind != ActionNone || r.RequeueAfter != c.requeue {
				t.Errorf("state %q, action %q, requeue %s: want %q, none, %s", r.Status.Provisioning.State, r.Action.Kind, r.RequeueAfter, stProvisioning, c.requeue)
			}
			var reasons []string
			for _, e := range r.Events {
				reasons = append(reasons, e.Reason)
				if strings.Contains(e.Message, "password") {
					t.Errorf("event message %q", e.Message)
				}
			}
			if diff := cmp.Diff(c.events, reasons, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}
