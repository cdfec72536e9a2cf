package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func slotsFull(in *Input) { in.ProvisioningSlotsFull = true }

func TestAFullProvisioningLimitHoldsHostsBeforeTheyStartWork(t *testing.T) {
	waiting := func(state metal3.ProvisioningState) outcome { return waitAfter(state, slotRecheck) }
	runTable(t, []row{
		{"an available host with an image waits for a slot", host(stAvailable, image(imgA)), node(available),
			[]inputOpt{slotsFull}, waiting(stAvailable)},
		{"a provisioned host whose image was removed waits for a slot", host(stProvisioned, provisioned(imgA), image(nil)), node(active, poweredOn),
			[]inputOpt{slotsFull}, waiting(stProvisioned)},
		{"a registered host waits for a slot before inspection", registering(), node(manageable),
			[]inputOpt{slotsFull}, waiting(stRegistering).with("BMCAccessValidated", "ProfileSet")},
		{"a host already provisioning keeps going", host(stProvisioning, running(imgA)), node(available),
			[]inputOpt{slotsFull}, do(ActionDeploy, stProvisioning)},
		{"a host already inspecting keeps going", host(stInspecting, inspectionStartedAt(t0)), node(inspecting),
			[]inputOpt{slotsFull}, noActionIn(stInspecting)},
		{"with a free slot an available host with an image starts provisioning", host(stAvailable, image(imgA)), node(available),
			nil, startsProvisioning("ProvisioningStarted")},
	})
	if !HoldsSlot(metal3.StateProvisioning) || HoldsSlot(metal3.StateProvisioned) {
		t.Error("HoldsSlot must count provisioning and not provisioned")
	}
}

func TestAnIPMIHostSkipsInspectionItsDriverCannotDo(t *testing.T) {
	runTable(t, []row{
		{"a registered ipmi host goes straight to preparing", registering(bmcAt("ipmi://192.0.2.1")), node(manageable, registeredAt("ipmi://192.0.2.1")),
			nil, provide(stPreparing, "BMCAccessValidated", "ProfileSet", "Registered")},
		{"a registered redfish host is inspected", registering(bmcAt("redfish://192.0.2.1/redfish/v1/Systems/1")), node(manageable, registeredAt("redfish://192.0.2.1/redfish/v1/Systems/1")),
			nil, do(ActionInspect, stInspecting, "BMCAccessValidated", "ProfileSet", "Registered", "InspectionStarted")},
	})
}

func TestImageErrorsNeverQuoteAPasswordFromTheURL(t *testing.T) {
	for _, raw := range []string{"ftp://user:hunter2@images.example/os.qcow2", "http://user:hunter2@/os.qcow2", "http://user:hunter2@exa mple/%zz"} {
		err := ValidateImage(&metal3.Image{URL: raw, Checksum: "d41d8cd98f00b204e9800998ecf8427e"}, nil)
		if err == nil {
			t.Errorf("%q accepted", raw)
			continue
		}
		if contains(err.Error(), "hunter2") {
			t.Errorf("error %q quotes the password", err)
		}
	}
}

func TestOnlyHostsHeldBackBySlotsSayTheyWaitForOne(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want bool
	}{
		{"an available host with an image and no slot", input(host(stAvailable, image(imgA)), node(available), slotsFull), true},
		{"an available host with an image and a slot", input(host(stAvailable, image(imgA)), node(available)), false},
		{"a provisioned host with no slot free", input(host(stProvisioned, provisioned(imgA), image(imgA)), node(active, poweredOn), slotsFull), false},
		{"a host already provisioning with no slot free", input(host(stProvisioning, running(imgA)), node(deploying), slotsFull), false},
	}
	for _, c := range cases {
		if got := decide(t, c.in).WaitingForSlot; got != c.want {
			t.Errorf("%s: WaitingForSlot %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHostsWaitingOnTheirNodeSaySo(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want bool
	}{
		{"a host whose deploy is requested", input(host(stProvisioning, running(imgA)), node(available)), true},
		{"a host that just enters provisioning (no action yet)", input(host(stAvailable, image(imgA)), node(available)), false},
		{"a host whose node is deploying", input(host(stProvisioning, running(imgA)), node(deploying)), true},
		{"a provisioned steady host", input(host(stProvisioned, running(imgA), online), node(active, poweredOn)), false},
		{"a provisioned host being powered off", input(host(stProvisioned, running(imgA)), node(active, poweredOn)), true},
		{"a host waiting for a slot", input(host(stAvailable, image(imgA)), node(available), slotsFull), false},
		{"a host that registers its node (acted on again at once)", input(registering(), nil), false},
	}
	for _, c := range cases {
		if got := decide(t, c.in).WatchNode; got != c.want {
			t.Errorf("%s: WatchNode %v, want %v", c.name, got, c.want)
		}
	}
}
