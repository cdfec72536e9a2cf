package ironic

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

const listQuery = "?fields=uuid,name,provision_state,target_provision_state,power_state,target_power_state," +
	"last_error,maintenance,maintenance_reason,fault,reservation,extra,instance_info,provision_updated_at,inspection_finished_at," +
	"driver,driver_info,boot_interface&limit=1000"

func TestListNodesFollowsIronicsPagesWithAMarker(t *testing.T) {
	const (
		id2 = "2be26c0b-03f2-4d2e-ae87-c02d7f33c123"
		id3 = "3be26c0b-03f2-4d2e-ae87-c02d7f33c123"
	)
	redfish := nodeDocument(func(n map[string]any) {
		n["uuid"], n["name"], n["driver"], n["boot_interface"] = id2, "ns~host-1", "redfish", "redfish-virtual-media"
		n["driver_info"] = map[string]any{
			"redfish_address": "https://192.0.2.20", "redfish_system_id": "/redfish/v1/Systems/1",
			"redfish_username": "root", "redfish_password": "******",
		}
	})
	ipmi := nodeDocument(func(n map[string]any) {
		n["uuid"], n["name"], n["driver"], n["provision_state"] = id3, "", "ipmi", "active"
		n["driver_info"] = map[string]any{"ipmi_address": "192.0.2.30", "ipmi_port": 6230, "ipmi_password": "******"}
	})
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /v1/nodes": func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("marker") {
			case "":
				reply(http.StatusOK, map[string]any{"nodes": []any{nodeDocument(), redfish}, "next": "http://ironic.internal/v1/nodes?limit=2&marker=" + id2})(w, r)
			case id2:
				reply(http.StatusOK, map[string]any{"nodes": []any{ipmi}})(w, r)
			default:
				ironicError(http.StatusBadRequest, "bad marker")(w, r)
			}
		},
	})
	p := f.provisioner(t)
	got, err := p.ListNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []provisioner.Node{
		{ID: testNodeID, Name: "ns~host-0", ProvisionState: provisioner.StateEnroll, Driver: "fake-hardware", BMCHint: "fake://" + testNodeID,
			BMCAddress: "fake://x", CredentialsVersion: "1", BootMACAddress: testMAC},
		{ID: id2, Name: "ns~host-1", ProvisionState: provisioner.StateEnroll, Driver: "redfish", BMCHint: "redfish-virtualmedia://192.0.2.20/redfish/v1/Systems/1",
			BMCAddress: "fake://x", CredentialsVersion: "1", BootMACAddress: testMAC},
		{ID: id3, ProvisionState: provisioner.StateActive, Driver: "ipmi", BMCHint: "ipmi://192.0.2.30:6230",
			BMCAddress: "fake://x", CredentialsVersion: "1", BootMACAddress: testMAC},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(provisioner.Node{}, "ProvisionUpdatedAt")); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	wantRequests := []string{"GET /", "GET /v1/nodes" + listQuery, "GET /v1/nodes" + listQuery + "&marker=" + id2}
	if diff := cmp.Diff(wantRequests, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := p.cached(testNodeID); n != nil {
		t.Errorf("the list filled the cache with %+v", n)
	}
}
