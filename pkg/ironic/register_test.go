package ironic

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func parseBMC(t *testing.T, address string) *bmc.AccessDetails {
	t.Helper()
	a, err := bmc.Parse(address, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fakeRegisterRequest(t *testing.T) provisioner.RegisterRequest {
	return provisioner.RegisterRequest{
		Host:               testHost,
		BMC:                parseBMC(t, "fake://x"),
		CredentialsVersion: "1",
		BMCAddress:         "fake://x",
		BootMode:           metal3.BootModeUEFI,
		AutomatedClean:     true,
	}
}

func TestRegisteringANewHostCreatesTheNodeAndItsBootPort(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"POST /v1/nodes":                reply(http.StatusCreated, nodeDocument(withoutBootMAC)),
		"POST /v1/ports":                reply(http.StatusCreated, map[string]any{"uuid": "p-1", "address": testMAC, "node_uuid": testNodeID}),
		"PATCH /v1/nodes/" + testNodeID: reply(http.StatusOK, nodeDocument()),
	})
	req := fakeRegisterRequest(t)
	req.Architecture = "x86_64"
	node, err := f.provisioner(t).Register(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if node.ID != testNodeID || node.ProvisionState != provisioner.StateEnroll {
		t.Errorf("node = %+v", node)
	}
	got := f.take()
	// The boot MAC is recorded in extra only once its port exists: a registration cut short
	// in between leaves a node that says it has no port, and the next one creates it.
	if diff := cmp.Diff([]string{"GET /", "POST /v1/nodes", "POST /v1/ports", "PATCH /v1/nodes/" + testNodeID}, lines(got)); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	if node.BootMACAddress != testMAC {
		t.Errorf("node.BootMACAddress = %q after the port was recorded, want %q", node.BootMACAddress, testMAC)
	}
	wantNode := map[string]any{
		"name": "ns~host-0", "driver": "fake-hardware", "automated_clean": true,
		"boot_interface": "fake", "deploy_interface": "fake", "inspect_interface": "fake",
		"management_interface": "fake", "power_interface": "fake", "raid_interface": "fake",
		"bios_interface": "fake", "vendor_interface": "fake",
		"properties": map[string]any{"capabilities": "boot_mode:uefi", "cpu_arch": "x86_64"},
		"extra":      map[string]any{extraBMCAddress: "fake://x", extraCredentialsVersion: "1"},
	}
	if diff := cmp.Diff(wantNode, got[1].Body); diff != "" {
		t.Errorf("node body (-want +got):\n%s", diff)
	}
	wantPort := map[string]any{"node_uuid": testNodeID, "address": testMAC, "pxe_enabled": true}
	if diff := cmp.Diff(wantPort, got[2].Body); diff != "" {
		t.Errorf("port body (-want +got):\n%s", diff)
	}
	wantPatch := []any{map[string]any{"op": "add", "path": "/extra/" + extraBootMAC, "value": testMAC}}
	if diff := cmp.Diff(wantPatch, got[3].Body); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}

func withoutBootMAC(n map[string]any) { delete(n["extra"].(map[string]any), extraBootMAC) }

// TestANodeLeftWithoutItsBootPortGetsItOnTheNextRegistration: a controller killed between
// creating the node and its port left a node without metalkube_boot_mac; registering again
// creates the port and records it.
func TestANodeLeftWithoutItsBootPortGetsItOnTheNextRegistration(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /v1/nodes/" + testNodeID:   reply(http.StatusOK, nodeDocument(withoutBootMAC)),
		"POST /v1/ports":                reply(http.StatusCreated, map[string]any{"uuid": "p-1", "address": testMAC, "node_uuid": testNodeID}),
		"PATCH /v1/nodes/" + testNodeID: reply(http.StatusOK, nodeDocument()),
	})
	p := f.provisioner(t)
	ctx := context.Background()
	existing, err := p.FindNode(ctx, provisioner.HostRef{Namespace: "ns", Name: "host-0", NodeID: testNodeID, BootMACAddress: testMAC})
	if err != nil || existing == nil {
		t.Fatalf("FindNode = %v, %v", existing, err)
	}
	if existing.BootMACAddress != "" {
		t.Fatalf("a node without metalkube_boot_mac reports boot MAC %q", existing.BootMACAddress)
	}
	f.take()
	node, err := p.Register(ctx, fakeRegisterRequest(t), existing)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"POST /v1/ports", "PATCH /v1/nodes/" + testNodeID}, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if node.BootMACAddress != testMAC {
		t.Errorf("node.BootMACAddress = %q, want %q", node.BootMACAddress, testMAC)
	}
}

func TestRegisteringAnIPMIHostSendsItsDriverInfoAndInterfaces(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{"POST /v1/nodes": reply(http.StatusCreated, nodeDocument())})
	req := provisioner.RegisterRequest{
		Host:        provisioner.HostRef{Namespace: "ns", Name: "host-0"},
		BMC:         parseBMC(t, "ipmi://192.0.2.10:6230"),
		Credentials: bmc.Credentials{Username: "admin", Password: "password"},
		BootMode:    metal3.BootModeUEFISecureBoot,
		BMCAddress:  "ipmi://192.0.2.10:6230",
	}
	if _, err := f.provisioner(t).Register(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	body := f.take()[1].Body.(map[string]any)
	want := map[string]any{
		"ipmi_address": "192.0.2.10", "ipmi_port": float64(6230), "ipmi_username": "admin",
		"ipmi_password": "password", "ipmi_priv_level": "ADMINISTRATOR",
	}
	if diff := cmp.Diff(want, body["driver_info"]); diff != "" {
		t.Errorf("driver_info (-want +got):\n%s", diff)
	}
	for field, want := range map[string]any{
		"driver": "ipmi", "boot_interface": "ipxe", "deploy_interface": "direct", "management_interface": "ipmitool",
		"power_interface": "ipmitool", "inspect_interface": nil, "automated_clean": false,
		"properties": map[string]any{"capabilities": "boot_mode:uefi,secure_boot:true"},
	} {
		if diff := cmp.Diff(want, body[field]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", field, diff)
		}
	}
}

func TestABootPortThatAlreadyBelongsToTheNodeIsFine(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"POST /v1/nodes":                reply(http.StatusCreated, nodeDocument(withoutBootMAC)),
		"POST /v1/ports":                ironicError(http.StatusConflict, "A port with MAC address "+testMAC+" already exists."),
		"GET /v1/ports":                 reply(http.StatusOK, map[string]any{"ports": []any{map[string]any{"node_uuid": testNodeID}}}),
		"PATCH /v1/nodes/" + testNodeID: reply(http.StatusOK, nodeDocument()),
	})
	if _, err := f.provisioner(t).Register(context.Background(), fakeRegisterRequest(t), nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /", "POST /v1/nodes", "POST /v1/ports", "GET /v1/ports?address=52%3A54%3A00%3Aaa%3Abb%3Acc&fields=node_uuid",
		"PATCH /v1/nodes/" + testNodeID}
	if diff := cmp.Diff(want, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestABootMACOfAnotherNodeFailsTheRegistrationAndRemovesTheNewNode(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"POST /v1/nodes":                 reply(http.StatusCreated, nodeDocument()),
		"POST /v1/ports":                 ironicError(http.StatusConflict, "A port with MAC address "+testMAC+" already exists."),
		"GET /v1/ports":                  reply(http.StatusOK, map[string]any{"ports": []any{map[string]any{"node_uuid": "other-node"}}}),
		"DELETE /v1/nodes/" + testNodeID: reply(http.StatusNoContent, nil),
	})
	_, err := f.provisioner(t).Register(context.Background(), fakeRegisterRequest(t), nil)
	if err == nil || !strings.Contains(err.Error(), "already a port of node other-node") {
		t.Errorf("error = %v, want one naming the other node", err)
	}
	got := f.lines()
	if last := got[len(got)-1]; last != "DELETE /v1/nodes/"+testNodeID {
		t.Errorf("last request %q, want the new node deleted; all: %v", last, got)
	}
}

func TestRegisteringAnUnchangedNodeCostsNoRequest(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	p := f.provisioner(t)
	ctx := context.Background()
	existing, err := p.FindNode(ctx, testHost)
	if err != nil {
		t.Fatal(err)
	}
	f.take()
	node, err := p.Register(ctx, fakeRegisterRequest(t), existing)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.lines(); len(got) != 0 {
		t.Errorf("Register sent %v", got)
	}
	if node.ID != testNodeID {
		t.Errorf("node = %+v", node)
	}
}

func TestRegisteringAChangedNodeSendsOnePatchWithTheDifferences(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	f.route("PATCH /v1/nodes/"+testNodeID, reply(http.StatusOK, nodeDocument()))
	p := f.provisioner(t)
	ctx := context.Background()
	existing, err := p.FindNode(ctx, testHost)
	if err != nil {
		t.Fatal(err)
	}
	f.take()
	req := fakeRegisterRequest(t)
	req.AutomatedClean = false
	req.BootMode = metal3.BootModeLegacy
	if _, err := p.Register(ctx, req, existing); err != nil {
		t.Fatal(err)
	}
	got := f.take()
	if diff := cmp.Diff([]string{"PATCH /v1/nodes/" + testNodeID}, lines(got)); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	want := []any{
		map[string]any{"op": "replace", "path": "/automated_clean", "value": false},
		map[string]any{"op": "add", "path": "/properties/capabilities", "value": "boot_mode:bios"},
	}
	if diff := cmp.Diff(want, got[0].Body); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}

func TestRegisteringANodeThatWasNotSeenReadsItFirst(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	p := f.provisioner(t)
	if _, err := p.Register(context.Background(), fakeRegisterRequest(t), testNode()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GET /", nodeRead(testNodeID)}, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestANameTakenByARacingRegistrationUpdatesThatNode(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	f.route("POST /v1/nodes", ironicError(http.StatusConflict, "A node with name ns~host-0 already exists."))
	node, err := f.provisioner(t).Register(context.Background(), fakeRegisterRequest(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if node.ID != testNodeID {
		t.Errorf("node = %+v", node)
	}
	if diff := cmp.Diff([]string{"GET /", "POST /v1/nodes", nodeRead("ns~host-0")}, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestRegisterPatchesOnlyWhatDiffers(t *testing.T) {
	ipmiNode := func(edit ...func(map[string]any)) map[string]any {
		return nodeDocument(append([]func(map[string]any){func(n map[string]any) {
			n["driver"] = "ipmi"
			n["boot_interface"], n["deploy_interface"], n["management_interface"], n["power_interface"] = "ipxe", "direct", "ipmitool", "ipmitool"
			n["inspect_interface"], n["raid_interface"], n["bios_interface"], n["vendor_interface"] = "no-inspect", "no-raid", "no-bios", "ipmitool"
			n["driver_info"] = map[string]any{
				"ipmi_address": "192.0.2.10", "ipmi_port": 623, "ipmi_username": "admin",
				"ipmi_password": "******", "ipmi_priv_level": "ADMINISTRATOR",
			}
			n["extra"] = map[string]any{extraBMCAddress: "ipmi://192.0.2.10", extraCredentialsVersion: "1", extraBootMAC: testMAC}
		}}, edit...)...)
	}
	ipmiRequest := func(edit ...func(*provisioner.RegisterRequest)) provisioner.RegisterRequest {
		r := provisioner.RegisterRequest{
			Host:               testHost,
			BMC:                parseBMC(t, "ipmi://192.0.2.10"),
			Credentials:        bmc.Credentials{Username: "admin", Password: "password"},
			CredentialsVersion: "1",
			BMCAddress:         "ipmi://192.0.2.10",
			AutomatedClean:     true,
		}
		for _, e := range edit {
			e(&r)
		}
		return r
	}
	newInfo := map[string]any{
		"ipmi_address": "192.0.2.10", "ipmi_port": 623, "ipmi_username": "admin2",
		"ipmi_password": "password2", "ipmi_priv_level": "ADMINISTRATOR",
	}
	tests := []struct {
		name string
		node map[string]any
		req  provisioner.RegisterRequest
		v    microversion
		want []patchOp
	}{
		{
			name: "an unchanged node with a masked password needs nothing",
			node: ipmiNode(),
			req:  ipmiRequest(),
		},
		{
			name: "new credentials rewrite the driver_info and record their version",
			node: ipmiNode(),
			req: ipmiRequest(func(r *provisioner.RegisterRequest) {
				r.Credentials = bmc.Credentials{Username: "admin2", Password: "password2"}
				r.CredentialsVersion = "2"
			}),
			want: []patchOp{add(newInfo, "driver_info"), add("2", "extra", extraCredentialsVersion)},
		},
		{
			name: "capabilities set by inspection are kept when the boot mode changes",
			node: ipmiNode(func(n map[string]any) {
				n["properties"] = map[string]any{"capabilities": "cpu_vt:true,boot_mode:uefi,secure_boot:true"}
			}),
			req:  ipmiRequest(func(r *provisioner.RegisterRequest) { r.BootMode = metal3.BootModeUEFI }),
			want: []patchOp{add("cpu_vt:true,boot_mode:uefi", "properties", "capabilities")},
		},
		{
			name: "a new architecture is recorded in the properties",
			node: ipmiNode(),
			req:  ipmiRequest(func(r *provisioner.RegisterRequest) { r.Architecture = "aarch64" }),
			want: []patchOp{add("aarch64", "properties", "cpu_arch")},
		},
		{
			name: "a new boot MAC is recorded in the extra data",
			node: ipmiNode(),
			req:  ipmiRequest(func(r *provisioner.RegisterRequest) { r.Host.BootMACAddress = "52:54:00:00:00:01" }),
			want: []patchOp{add("52:54:00:00:00:01", "extra", extraBootMAC)},
		},
		{
			name: "a stale BMC key is dropped by rewriting the driver_info",
			node: ipmiNode(func(n map[string]any) {
				n["driver_info"].(map[string]any)["ipmi_cipher_suite"] = 3
			}),
			req: ipmiRequest(),
			want: []patchOp{add(map[string]any{
				"ipmi_address": "192.0.2.10", "ipmi_port": 623, "ipmi_username": "admin",
				"ipmi_password": "password", "ipmi_priv_level": "ADMINISTRATOR",
			}, "driver_info")},
		},
		{
			name: "moving to Redfish changes the driver, its interfaces and the driver_info",
			node: ipmiNode(),
			req: ipmiRequest(func(r *provisioner.RegisterRequest) {
				r.BMC = parseBMC(t, "redfish+http://192.0.2.10/redfish/v1/Systems/1")
				r.BMCAddress = "redfish+http://192.0.2.10/redfish/v1/Systems/1"
			}),
			want: []patchOp{
				replace("redfish", "driver"),
				replace("redfish", "bios_interface"),
				replace("ipxe", "boot_interface"),
				replace("direct", "deploy_interface"),
				replace("redfish", "inspect_interface"),
				replace("redfish", "management_interface"),
				replace("redfish", "power_interface"),
				replace("redfish", "raid_interface"),
				replace("redfish", "vendor_interface"),
				add(map[string]any{
					"redfish_address": "http://192.0.2.10", "redfish_system_id": "/redfish/v1/Systems/1",
					"redfish_username": "admin", "redfish_password": "password",
				}, "driver_info"),
				add("redfish+http://192.0.2.10/redfish/v1/Systems/1", "extra", extraBMCAddress),
			},
		},
		{
			name: "a node found by its MAC gets the host's name",
			node: ipmiNode(func(n map[string]any) { n["name"] = "old-name" }),
			req:  ipmiRequest(),
			want: []patchOp{replace("ns~host-0", "name")},
		},
		{
			name: "preprovisioning network data becomes network_data, with its version",
			node: ipmiNode(),
			req: ipmiRequest(func(r *provisioner.RegisterRequest) {
				r.NetworkData, r.NetworkDataVersion = map[string]any{"links": []any{}}, "nd@7"
			}),
			want: []patchOp{replace(map[string]any{"links": []any{}}, "network_data"), add("nd@7", "extra", extraNetworkDataVersion)},
		},
		{
			name: "network data of the version the node has needs nothing",
			node: ipmiNode(func(n map[string]any) { n["extra"].(map[string]any)[extraNetworkDataVersion] = "nd@7" }),
			req: ipmiRequest(func(r *provisioner.RegisterRequest) {
				r.NetworkData, r.NetworkDataVersion = map[string]any{"links": []any{}}, "nd@7"
			}),
		},
		{
			name: "removed network data empties network_data",
			node: ipmiNode(func(n map[string]any) { n["extra"].(map[string]any)[extraNetworkDataVersion] = "nd@7" }),
			req:  ipmiRequest(),
			want: []patchOp{replace(map[string]any{}, "network_data"), add("", "extra", extraNetworkDataVersion)},
		},
		{
			name: "disable_power_off is left alone on an Ironic that lacks it",
			node: ipmiNode(),
			req:  ipmiRequest(func(r *provisioner.RegisterRequest) { r.DisablePowerOff = true }),
		},
		{
			name: "disable_power_off is set on an Ironic that has it",
			node: ipmiNode(),
			req:  ipmiRequest(func(r *provisioner.RegisterRequest) { r.DisablePowerOff = true }),
			v:    microversion{1, 95},
			want: []patchOp{replace(true, "disable_power_off")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := decodeNode(t, tt.node)
			v := tt.v
			if !v.known() {
				v = microversion{1, 82}
			}
			got := registerPatch(cur, desiredNode(tt.req, nodeDefaults{}), v)
			if diff := cmp.Diff(normalizeOps(tt.want), normalizeOps(got)); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

func decodeNode(t *testing.T, doc map[string]any) *nodeDoc {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var n nodeDoc
	if err := json.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

// normalizeOps makes patches comparable as JSON (ints and float64s alike).
func normalizeOps(ops []patchOp) []any {
	var out []any
	for _, op := range ops {
		out = append(out, normalize(op.asMap()))
	}
	return out
}

func lines(rs []request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func TestAFakeAgentNodeIsALenovoWithTheDirectDeploy(t *testing.T) {
	req := fakeRegisterRequest(t)
	req.BMC, req.BMCAddress = parseBMC(t, "fake-agent://x"), "fake-agent://x"
	w := desiredNode(req, nodeDefaults{})
	if w.vendor != "Lenovo" || w.interfaces["deploy_interface"] != "direct" {
		t.Errorf("wanted node: vendor %q deploy interface %q", w.vendor, w.interfaces["deploy_interface"])
	}
	// A fake:// node whose address becomes fake-agent:// switches its deploy interface and gets
	// the vendor.
	cur := decodeNode(t, nodeDocument())
	want := []patchOp{
		replace("direct", "deploy_interface"),
		add("fake-agent://x", "extra", extraBMCAddress),
		add("Lenovo", "properties", "vendor"),
	}
	if diff := cmp.Diff(normalizeOps(want), normalizeOps(registerPatch(cur, w, microversion{1, 82}))); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}
