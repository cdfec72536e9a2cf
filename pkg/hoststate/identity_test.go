package hoststate

import (
	"strings"
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// foundByMAC is a node FindNode found through the host's boot MAC, named name.
func foundByMAC(name string) nodeOpt {
	return func(n *provisioner.Node) {
		n.FoundByBootMAC, n.Name, n.ID = true, name, "7d1e0c55-1111-4a4a-9b9b-0c0c0c0c0c0c"
	}
}

func TestAHostNeverTakesOverAnotherHostsServer(t *testing.T) {
	conflict := outcome{State: stRegistering, ErrorType: metal3.RegistrationError, Count: 1, Events: []string{"RegistrationError"}}
	runTable(t, []row{
		{"a new host whose boot MAC is another host's node's port gets an error", host(stNone), node(active, foundByMAC("metal~host-1")),
			nil, conflict},
		{"the same for a node someone enrolled by hand under a name", host(stNone), node(available, foundByMAC("rack3-u12")), nil, conflict},
		{"an unnamed node found by MAC is taken over", host(stNone), node(enroll, foundByMAC(""), registeredAt(otherAddress)), nil,
			registerAndVerify(stRegistering)},
		{"a node found by MAC that already has the host's name is the host's", host(stNone), node(enroll, foundByMAC("metal~host-0")),
			nil, do(ActionManage, stRegistering)},
		{"a second host for a server another host came first for gets an error", host(stNone), nil,
			[]inputOpt{func(in *Input) { in.BMCOwner = "metal/first" }}, conflict},
		{"a deleted host with a conflicting MAC goes without touching the node", host(stNone, deleted), node(active, foundByMAC("metal~host-1")),
			nil, released()},
	})
	r := decide(t, input(host(stNone), node(active, foundByMAC("metal~host-1"))))
	if r.Status.Provisioning.ID != "" {
		t.Errorf("status.provisioning.ID %q: another host's node was recorded", r.Status.Provisioning.ID)
	}
	if !strings.Contains(r.Status.ErrorMessage, "metal~host-1") || !strings.Contains(r.Status.ErrorMessage, "52:54:00:12:34:56") {
		t.Errorf("error %q does not name the MAC and the node", r.Status.ErrorMessage)
	}
	r = decide(t, input(host(stNone), nil, func(in *Input) { in.BMCOwner = "metal/first" }))
	if !strings.Contains(r.Status.ErrorMessage, "metal/first") {
		t.Errorf("error %q does not name the host that came first", r.Status.ErrorMessage)
	}
}

func TestAHostNameTooLongForIronicIsReportedAsSuch(t *testing.T) {
	h := host(stNone, func(h *metal3.BareMetalHost) { h.Name = strings.Repeat("n", 250) })
	r := decide(t, input(h, nil))
	if r.Action.Kind != ActionNone || !strings.Contains(r.Status.ErrorMessage, "Ironic accepts at most 255") {
		t.Errorf("action %q error %q, want no action and an error about the node name's length", r.Action.Kind, r.Status.ErrorMessage)
	}
	if strings.Contains(r.Status.ErrorMessage, "BMC") {
		t.Errorf("error %q blames the BMC address", r.Status.ErrorMessage)
	}
}
