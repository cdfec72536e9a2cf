package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestTheDetachedAnnotationAsMetal3DefinesIt(t *testing.T) {
	det := func(state metal3.ProvisioningState, value string, opts ...hostOpt) *metal3.BareMetalHost {
		return host(state, append([]hostOpt{annotated(DetachedAnnotation, value)}, opts...)...)
	}
	detaching := func(state metal3.ProvisioningState) outcome {
		return outcome{Action: Action{Kind: ActionDelete}, State: state, Events: []string{"Detached"}}
	}
	runTable(t, []row{
		{"an available host is detached", det(stAvailable, ""), node(available), nil, detaching(stAvailable)},
		{"a provisioned host is detached", det(stProvisioned, "", running(imgA)), node(active), nil, detaching(stProvisioned)},
		{"an externally provisioned host is detached", det(stExternal, ""), node(active), nil, detaching(stExternal)},
		{"a value other programs write (their name) detaches too", det(stProvisioned, "assisted-service-controller", running(imgA)),
			node(active), nil, detaching(stProvisioned)},
		{"an inspecting host is not detached mid-operation", det(stInspecting, "", inspectionStartedAt(t0)), node(inspecting), nil,
			noActionIn(stInspecting)},
		{"a provisioning host is not detached mid-deploy", det(stProvisioning, "", running(imgA), online), node(deploying), nil,
			noActionIn(stProvisioning)},
		{"force detaches a provisioning host", det(stProvisioning, `{"force":true}`, running(imgA), online), node(deploying), nil,
			detaching(stProvisioning)},
		{"a deleted detached host goes without deprovisioning", det(stProvisioned, `{"deleteAction":"delete"}`, running(imgA), deleted),
			nil, nil, outcome{State: stProvisioned, Remove: true, Requeue: after(0)}},
		{"deleteAction delay holds a deleted detached host", det(stProvisioned, `{"deleteAction":"delay"}`, running(imgA), deleted),
			nil, nil, steadyIn(stProvisioned)},
		{"deleteAction delay still removes a node the host was deleted with", det(stProvisioned, `{"deleteAction":"delay"}`, running(imgA), deleted),
			node(active), nil, detaching(stProvisioned)},
		{"a locked node is waited for before detaching", det(stProvisioned, "", running(imgA)), node(active, locked), nil,
			noActionIn(stProvisioned)},
	})
}

// A host is reported detached only once its node is gone (or its removal was just accepted):
// never while the provisioner still holds a locked node.
func TestDetachedOnlyOnceTheNodeIsGone(t *testing.T) {
	h := host(stProvisioned, running(imgA), annotated(DetachedAnnotation, ""))
	for _, tc := range []struct {
		name string
		node *provisioner.Node
		want metal3.OperationalStatus
	}{
		{"a locked node", node(active, locked), metal3.OperationalStatusOK},
		{"a node being removed", node(active), metal3.OperationalStatusDetached},
		{"no node", nil, metal3.OperationalStatusDetached},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(input(h, tc.node)).Status.OperationalStatus; got != tc.want {
				t.Errorf("operationalStatus %q, want %q", got, tc.want)
			}
		})
	}
}
