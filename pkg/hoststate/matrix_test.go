package hoststate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// TestEveryStateAndNodeStateKeepsTheInvariants decides for every host state × every Ironic
// provision state (and no node) × spec and status variations, and checks what must hold for
// any decision: the invariants of the property test, purity, and determinism. The tables in
// the other files say what each combination should do; this one says that none of them does
// something it must never do.
func TestEveryStateAndNodeStateKeepsTheInvariants(t *testing.T) {
	hostStates := []metal3.ProvisioningState{stNone, stUnmanaged, stRegistering, metal3.StateMatchProfile, stInspecting,
		stPreparing, stAvailable, metal3.StateReady, stProvisioning, stProvisioned, stDeprovisioning, stExternal, stPoweringOff, stDeleting}
	nodeStates := []provisioner.ProvisionState{"", enroll, verifying, manageable, inspecting, inspectWait, inspectFail,
		cleaning, cleanWait, cleanFail, available, deploying, waitCallBack, deployFail, active, deletingNode, errorNode,
		adopting, adoptFail}
	specs := map[string]hostOpt{
		"no image":       func(h *metal3.BareMetalHost) {},
		"the image":      image(imgA),
		"another image":  image(imgB),
		"a bad image":    image(imgNoSum),
		"a custom step":  custom("install_coreos"),
		"a live ISO":     image(imgLiveISO),
		"an ftp image":   image(imgFTP),
		"online, image":  func(h *metal3.BareMetalHost) { image(imgA)(h); online(h) },
		"ext. provision": externallyProvisioned,
	}
	nodeVariants := map[string]nodeOpt{
		"":            func(*provisioner.Node) {},
		", settling":  settling,
		", on, error": func(n *provisioner.Node) { poweredOn(n); n.LastError = "it failed" },
	}
	statuses := map[string]hostOpt{
		"":              func(*metal3.BareMetalHost) {},
		", fresh error": failed(metal3.ProvisioningError, "deploy failed: it failed", 2, at(-time.Second)),
		", old error":   failed(metal3.PowerManagementError, "power change failed: it failed", 3, at(-time.Hour)),
	}
	inputs := map[string][]inputOpt{
		"":              nil,
		", new secret":  {secretAt("1002")},
		", bad secret":  {credentialProblem("no password")},
		", hardware in": {hardware},
	}

	checked, failures := 0, 0
	for _, state := range hostStates {
		for _, ps := range nodeStates {
			for specName, spec := range specs {
				for nodeName, nodeVariant := range nodeVariants {
					for statusName, status := range statuses {
						for inName, inOpts := range inputs {
							for _, del := range []bool{false, true} {
								if !del && (state == stPoweringOff || state == stDeleting) {
									continue // only a deleted host gets there, and a deletion is never undone
								}
								opts := []hostOpt{spec, status, inspectionStartedAt(at(-time.Minute))}
								if state == stProvisioning || state == stProvisioned || state == stDeprovisioning {
									opts = append(opts, provisioned(imgA))
								}
								if del {
									opts = append(opts, deleted)
								}
								h := host(state, opts...)
								var n *provisioner.Node
								if ps != "" {
									n = node(ps, nodeVariant)
								} else if nodeName != "" {
									continue
								}
								in := input(h, n, inOpts...)
								name := fmt.Sprintf("host %q (%s%s, deleted %v), node %q%s%s", state, specName, statusName, del, ps, nodeName, inName)
								checked++
								if v := decideKeepsInvariants(in); len(v) > 0 {
									failures++
									if failures <= 20 {
										t.Errorf("%s:\n\t%s", name, strings.Join(v, "\n\t"))
									}
								}
							}
						}
					}
				}
			}
		}
	}
	if failures > 20 {
		t.Errorf("... and %d more", failures-20)
	}
	t.Logf("%d combinations checked", checked)
}

func decideKeepsInvariants(in Input) []string {
	hostBefore, nodeBefore := in.Host.DeepCopy(), cloneNode(in.Node)
	r := Decide(in)
	v := violations(in, r, "Decide", false)
	if !reflect.DeepEqual(hostBefore, in.Host) || !sameNode(nodeBefore, in.Node) {
		v = append(v, "Decide modified its input")
	}
	if again := Decide(in); !reflect.DeepEqual(r, again) {
		v = append(v, "Decide is not deterministic")
	}
	if r.Action.Kind != ActionNone && r.Action.Kind != ActionDelete && in.Host.DeletionTimestamp != nil {
		switch r.Action.Kind {
		case ActionUndeploy, ActionPowerOff, ActionRegister, ActionManage, ActionProvide, ActionRecover:
			// on the way out: deprovisioning (which may need the node back first) or powering off
		default:
			v = append(v, fmt.Sprintf("a deleted host asks for %s", r.Action.Kind))
		}
	}
	if in.Host.DeletionTimestamp == nil && (r.RemoveFinalizer || r.Action.Kind == ActionDelete) {
		v = append(v, "a host that is not deleted is released or its node deleted")
	}
	if in.Host.Spec.ExternallyProvisioned && (r.Action.Kind == ActionDeploy || r.Action.Kind == ActionProvide && in.Host.Status.Provisioning.State == stExternal) {
		v = append(v, fmt.Sprintf("an externally provisioned host asks for %s", r.Action.Kind))
	}
	if r.Action.Kind == ActionPowerOn && in.Node != nil && in.Node.TargetPowerState != provisioner.PowerUnknown {
		v = append(v, "PowerOn while a power change is in progress")
	}
	return v
}
