package hoststate

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestInspecting(t *testing.T) {
	started := inspectionStartedAt(at(-time.Minute))
	runTable(t, []row{
		{"an inspecting host whose node is gone registers it again", host(stInspecting), nil, nil, do(ActionRegister, stInspecting)},
		{"an inspecting host whose node is enrolled again manages it", host(stInspecting), node(enroll), nil, do(ActionManage, stInspecting)},
		{"an inspecting host waits while its node is verified", host(stInspecting), node(verifying), nil, noActionIn(stInspecting)},
		{"a manageable node is inspected", host(stInspecting), node(manageable), nil, do(ActionInspect, stInspecting, "InspectionStarted")},
		{"a node being inspected is waited for", host(stInspecting, started), node(inspecting), nil, noActionIn(stInspecting)},
		{"a node in inspect wait is waited for", host(stInspecting, started), node(inspectWait), nil, noActionIn(stInspecting)},
		{"a node that finished inspection waits for its hardware details", host(stInspecting, started), node(manageable), nil,
			waitAfter(stInspecting, time.Second)},
		{"a node that finished inspection, with hardware details, is prepared", host(stInspecting, started), node(manageable), []inputOpt{hardware},
			provide(stPreparing, "InspectionComplete")},
		{"a node that finished inspection but still settles is waited for", host(stInspecting, started), node(manageable, settling), []inputOpt{hardware},
			noActionIn(stInspecting)},
		{"a failed inspection is an inspection error", host(stInspecting, started), node(inspectFail, lastError("no agent call-back")), nil,
			failure(stInspecting, metal3.InspectionError)},
		{"an inspecting host whose node is available recovers it", host(stInspecting), node(available), nil, do(ActionRecover, stInspecting)},
		{"an inspecting host whose node failed cleaning recovers it", host(stInspecting), node(cleanFail), nil, do(ActionRecover, stInspecting)},
		{"an inspecting host whose node failed adoption recovers it", host(stInspecting), node(adoptFail), nil, do(ActionRecover, stInspecting)},
		{"an inspecting host waits while its node cleans", host(stInspecting), node(cleaning), nil, noActionIn(stInspecting)},
	})
}

func TestInspectionDetails(t *testing.T) {
	t.Run("completed inspection records the hardware and when it ended", func(t *testing.T) {
		r := decide(t, input(host(stInspecting, inspectionStartedAt(at(-time.Minute))), node(manageable), hardware))
		want := &metal3.HardwareDetails{Hostname: "host-0", RAMMebibytes: 65536}
		if diff := cmp.Diff(want, r.Status.HardwareDetails); diff != "" {
			t.Errorf("hardware (-want +got):\n%s", diff)
		}
		if got := r.Status.OperationHistory.Inspect.End.Time; !got.Equal(t0) {
			t.Errorf("inspect end = %v, want %v", got, t0)
		}
	})
	t.Run("a failed inspection starts over once the node is recovered", func(t *testing.T) {
		r := decide(t, input(host(stInspecting, inspectionStartedAt(at(-time.Minute))), node(inspectFail, lastError("timeout"))))
		if !r.Status.OperationHistory.Inspect.Start.IsZero() {
			t.Errorf("inspect start = %v after a failed inspection, want it cleared", r.Status.OperationHistory.Inspect.Start)
		}
	})
}

func TestInspectionStartsOverOnANewNode(t *testing.T) {
	s := time.Second
	t.Run("an inspection started on a node that was lost starts over once it is registered again", func(t *testing.T) {
		h := host(stInspecting, inspectionStartedAt(at(-time.Minute)))
		runSequence(t, h, []tick{
			{at: 0, node: nil, want: do(ActionRegister, stInspecting)},
			{at: s, node: node(verifying), want: noActionIn(stInspecting)},
			{at: 3 * s, node: node(manageable), want: do(ActionInspect, stInspecting, "InspectionStarted")},
		})
	})
	t.Run("an inspection started on a node that was enrolled again starts over", func(t *testing.T) {
		h := host(stInspecting, inspectionStartedAt(at(-time.Minute)))
		runSequence(t, h, []tick{
			{at: 0, node: node(enroll), want: do(ActionManage, stInspecting)},
			{at: 3 * s, node: node(manageable), want: do(ActionInspect, stInspecting, "InspectionStarted")},
		})
	})
	t.Run("a node registered again with new credentials keeps its inspection", func(t *testing.T) {
		h := host(stInspecting, inspectionStartedAt(at(-time.Minute)))
		r := decide(t, input(h, node(inspectWait), secretAt("1002")))
		if r.Action.Kind != ActionRegister || r.Status.OperationHistory.Inspect.Start.IsZero() {
			t.Errorf("action %q, inspect start %v: want Register keeping the inspection of the same node", r.Action.Kind, r.Status.OperationHistory.Inspect.Start)
		}
	})
}

func TestNeedsHardware(t *testing.T) {
	started := inspectionStartedAt(at(-time.Minute))
	for _, c := range []struct {
		name string
		host *metal3.BareMetalHost
		node *provisioner.Node
		want bool
	}{
		{"a node that finished inspection needs its hardware read", host(stInspecting, started), node(manageable), true},
		{"a node still inspecting does not", host(stInspecting, started), node(inspecting), false},
		{"a node that settles does not yet", host(stInspecting, started), node(manageable, settling), false},
		{"a host whose inspection has not started does not", host(stInspecting), node(manageable), false},
		{"a host being deleted does not", host(stInspecting, started, deleted), node(manageable), false},
		{"a host without a node does not", host(stInspecting, started), nil, false},
		{"a host past inspection does not", host(stPreparing, started), node(manageable), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := NeedsHardware(c.host, c.node, false); got != c.want {
				t.Errorf("NeedsHardware = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPreparing(t *testing.T) {
	runTable(t, []row{
		{"a manageable node is cleaned and made available", host(stPreparing), node(manageable), nil, provide(stPreparing)},
		{"a manageable node of a host without automated cleaning is made available without cleaning", host(stPreparing, noCleaning), node(manageable), nil,
			outcome{Action: Action{Kind: ActionProvide}, State: stPreparing}},
		{"a node being cleaned is waited for", host(stPreparing), node(cleaning), nil, noActionIn(stPreparing)},
		{"a node in clean wait is waited for", host(stPreparing), node(cleanWait), nil, noActionIn(stPreparing)},
		{"a failed cleaning is a preparation error", host(stPreparing), node(cleanFail, lastError("erase failed")), nil,
			failure(stPreparing, metal3.PreparationError)},
		{"an available node makes the host available", host(stPreparing), node(available), nil, steadyIn(stAvailable)},
		{"an available node with an image set starts provisioning", host(stPreparing, image(imgA)), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
		{"an available node that still settles is waited for", host(stPreparing), node(available, settling), nil, noActionIn(stPreparing)},
		{"a preparing host whose node failed inspection recovers it", host(stPreparing), node(inspectFail), nil, do(ActionRecover, stPreparing)},
		{"a preparing host whose node failed adoption recovers it", host(stPreparing), node(adoptFail), nil, do(ActionRecover, stPreparing)},
		{"a preparing host whose node is gone registers it again", host(stPreparing), nil, nil, do(ActionRegister, stPreparing)},
		{"a preparing host whose node is enrolled again manages it", host(stPreparing), node(enroll), nil, do(ActionManage, stPreparing)},
		{"a preparing host waits while its node is verified", host(stPreparing), node(verifying), nil, noActionIn(stPreparing)},
	})
}
