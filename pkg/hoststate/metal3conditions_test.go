package hoststate

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// conditionsLine shows metal3's conditions as "Type=Status/Reason" in metal3ConditionOrder.
func conditionsLine(c map[string]conditionValue) string {
	var parts []string
	for _, t := range metal3ConditionOrder {
		parts = append(parts, t+"="+string(c[t].status)+"/"+c[t].reason)
	}
	return strings.Join(parts, " ")
}

// metal3's conditions per provisioning state and operational status, as its computeConditions
// sets them.
func TestMetal3ConditionsFollowStateAndOperationalStatus(t *testing.T) {
	const (
		unmanaged    = "Manageable=False/NotManaged AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=False/NotProgressing"
		available    = "Manageable=True/Manageable AvailableForProvisioning=True/Available Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=False/NotProgressing"
		provisioned  = "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=True/Provisioned Ready=True/Provisioned Progressing=False/NotProgressing"
		progressing  = "Manageable=True/Manageable AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=True/"
		registering  = "Manageable=False/Registering AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/NotProvisioned Progressing=True/Registering"
		registerFail = "Manageable=False/RegistrationFailed AvailableForProvisioning=False/NotAvailable Provisioned=False/NotProvisioned Ready=False/Error Progressing=True/Registering"
	)
	powerFault := func(n *provisioner.Node) { n.Fault = "power failure" }
	cases := []struct {
		state metal3.ProvisioningState
		op    metal3.OperationalStatus
		node  *provisioner.Node
		want  string
	}{
		{stNone, metal3.OperationalStatusOK, nil, unmanaged},
		{stUnmanaged, metal3.OperationalStatusDiscovered, nil, unmanaged},
		{stRegistering, metal3.OperationalStatusOK, nil, registering},
		{stRegistering, metal3.OperationalStatusError, nil, registerFail},
		{stRegistering, metal3.OperationalStatusOK, node(enroll, powerFault), registering},
		{stInspecting, metal3.OperationalStatusOK, node(inspecting), progressing + "Inspecting"},
		{metal3.StateMatchProfile, metal3.OperationalStatusOK, node(manageable), progressing + "Inspecting"},
		{stPreparing, metal3.OperationalStatusOK, node(cleaning), progressing + "Preparing"},
		{stAvailable, metal3.OperationalStatusOK, node(available), available},
		{metal3.StateReady, metal3.OperationalStatusOK, node(available), available},
		{stAvailable, metal3.OperationalStatusDelayed, node(available), available},
		{stAvailable, metal3.OperationalStatusOK, node(available, powerFault),
			strings.Replace(available, "Manageable=True/Manageable", "Manageable=False/PowerFailure", 1)},
		{stProvisioning, metal3.OperationalStatusOK, node(deploying), progressing + "Provisioning"},
		{stProvisioning, metal3.OperationalStatusError, node(deployFail),
			strings.Replace(progressing, "Ready=False/NotProvisioned", "Ready=False/Error", 1) + "Provisioning"},
		{stProvisioned, metal3.OperationalStatusOK, node(active), provisioned},
		{stExternal, metal3.OperationalStatusOK, node(active), provisioned},
		{stProvisioned, metal3.OperationalStatusError, node(active), strings.Replace(provisioned, "Ready=True/Provisioned", "Ready=False/Error", 1)},
		{stProvisioned, metal3.OperationalStatusDetached, nil,
			strings.NewReplacer("Ready=True/Provisioned", "Ready=False/Detached", "Progressing=False/NotProgressing", "Progressing=False/Detached").Replace(provisioned)},
		{stProvisioned, metal3.OperationalStatusDetached, node(active, powerFault),
			strings.NewReplacer("Ready=True/Provisioned", "Ready=False/Detached", "Progressing=False/NotProgressing", "Progressing=False/Detached").Replace(provisioned)},
		{stProvisioned, metal3.OperationalStatusOK, node(active, powerFault), strings.Replace(provisioned, "Manageable=True/Manageable", "Manageable=False/PowerFailure", 1)},
		{stDeprovisioning, metal3.OperationalStatusOK, node(cleaning), progressing + "Deprovisioning"},
		{stPoweringOff, metal3.OperationalStatusOK, node(active), progressing + "PoweringOffBeforeDelete"},
		{stDeleting, metal3.OperationalStatusOK, node(active, powerFault), progressing + "Deleting"},
	}
	for _, tc := range cases {
		st := metal3.BareMetalHostStatus{OperationalStatus: tc.op, Provisioning: metal3.ProvisionStatus{State: tc.state}}
		fault := tc.node != nil && tc.node.Fault != ""
		if got := conditionsLine(metal3Conditions(&st, tc.node)); got != tc.want {
			t.Errorf("%s/%s (power fault %v):\n got %s\nwant %s", tc.state, tc.op, fault, got, tc.want)
		}
	}
}

// Every decision writes metal3's six conditions next to Settled; looking again without a
// change leaves them as they were, lastTransitionTime included, so they cause no status write.
func TestDecisionsCarryMetal3ConditionsWithoutChurn(t *testing.T) {
	cases := []struct {
		name        string
		in          Input
		ready, prog string
	}{
		{"available", input(host(stAvailable), node(available)), "False/NotProvisioned", "False/NotProgressing"},
		{"provisioned", input(host(stProvisioned, running(imgA), online), node(active, poweredOn)), "True/Provisioned", "False/NotProgressing"},
		{"externally provisioned", input(host(stExternal, externallyProvisioned, online), node(active, poweredOn)), "True/Provisioned", "False/NotProgressing"},
		{"deploying", input(host(stProvisioning, running(imgA)), node(deploying, inStateSince(t0))), "False/NotProvisioned", "True/Provisioning"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := Decide(tc.in)
			for typ, want := range map[string]string{ConditionReady: tc.ready, ConditionProgressing: tc.prog, ConditionHealthy: "Unknown/Unknown"} {
				c := meta.FindStatusCondition(first.Status.Conditions, typ)
				if c == nil || string(c.Status)+"/"+c.Reason != want {
					t.Errorf("%s = %+v, want %s", typ, c, want)
				}
			}
			if meta.FindStatusCondition(first.Status.Conditions, ConditionSettled) == nil {
				t.Error("no Settled condition")
			}
			again := tc.in
			h := tc.in.Host.DeepCopy()
			h.Status = first.Status
			again.Host, again.Now = h, tc.in.Now.Add(time.Minute)
			second := Decide(again)
			if !equalConditions(first.Status.Conditions, second.Status.Conditions) {
				t.Errorf("conditions changed on a second look:\n%+v\n%+v", first.Status.Conditions, second.Status.Conditions)
			}
		})
	}
}

func equalConditions(a, b []metav1.Condition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
