package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// The values remediation controllers write: CAPM3's Metal3Remediation and OpenShift's external
// remediation use a keyed annotation with {"mode":"hard","force":false}.
const (
	remediationKey   = RebootAnnotation + "/metal3-remediation-3b1f"
	remediationValue = `{"mode":"hard","force":false}`
)

func hardPowerOff(state metal3.ProvisioningState, events ...string) outcome {
	return outcome{Action: Action{Kind: ActionPowerOff}, State: state, Events: append(events, "PowerOff")}
}

func TestRebootAnnotationsAsRemediationControllersWriteThem(t *testing.T) {
	prov := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stProvisioned, append([]hostOpt{running(imgA), online}, opts...)...)
	}
	avail := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stAvailable, append([]hostOpt{online}, opts...)...)
	}
	heldOff := outcome{State: stProvisioned, Requeue: after(0)}
	runTable(t, []row{
		{"a remediation key powers a provisioned host off, hard", prov(annotated(remediationKey, remediationValue)),
			node(active, poweredOn), nil, hardPowerOff(stProvisioned)},
		{"a remediation key holds a provisioned host off", prov(annotated(remediationKey, remediationValue)),
			node(active), nil, heldOff},
		{"unknown keys in the value are ignored", prov(annotated(remediationKey, `{"mode":"soft","force":false,"reason":"node unhealthy"}`)),
			node(active, poweredOn), nil, softPowerOff(stProvisioned)},
		{"an empty value is a soft power-off", prov(annotated(remediationKey, "")), node(active, poweredOn), nil, softPowerOff(stProvisioned)},
		{"a hard request among soft ones makes the power-off hard",
			prov(annotated(remediationKey, remediationValue), annotated(RebootAnnotation+"/other", `{"mode":"soft"}`)),
			node(active, poweredOn), nil, hardPowerOff(stProvisioned)},
		{"a plain reboot of an externally provisioned host powers it off", host(stExternal, externallyProvisioned, online, annotated(RebootAnnotation, "")),
			node(active, poweredOn), nil, softPowerOff(stExternal)},
		{"an available host ignores a request without force", avail(annotated(remediationKey, remediationValue)),
			node(available, poweredOn), nil, steadyIn(stAvailable)},
		{"an available host obeys a forced request", avail(annotated(remediationKey, `{"mode":"hard","force":true}`)),
			node(available, poweredOn), nil, hardPowerOff(stAvailable)},
		{"an invalid mode is a clear error", prov(annotated(remediationKey, `{"mode":"sideways"}`)),
			node(active, poweredOn), nil, failure(stProvisioned, metal3.PowerManagementError)},
		{"a value that is not JSON is a clear error", prov(annotated(remediationKey, `hard please`)),
			node(active, poweredOn), nil, failure(stProvisioned, metal3.PowerManagementError)},
	})
}

func TestRemovingTheRemediationKeyPowersTheHostBackOn(t *testing.T) {
	h := host(stProvisioned, running(imgA), online)
	r := decide(t, input(h, node(active)))
	if r.Action.Kind != ActionPowerOn {
		t.Errorf("action %q once the key is gone, want PowerOn", r.Action.Kind)
	}
}
