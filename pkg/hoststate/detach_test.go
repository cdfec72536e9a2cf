package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
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
	})
}
