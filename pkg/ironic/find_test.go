package ironic

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestFindNodeLooksByIDThenNameThenBootMAC(t *testing.T) {
	const otherID = "9e0fa5a4-2ad6-4d6b-b2b4-8f5a0d6f0000"
	doc := nodeDocument()
	byMAC := nodeDocument(func(n map[string]any) { n["uuid"] = otherID; n["name"] = "old-name" })
	portList := reply(http.StatusOK, map[string]any{"ports": []any{map[string]any{"node_uuid": otherID}}})
	noPorts := reply(http.StatusOK, map[string]any{"ports": []any{}})
	tests := []struct {
		name     string
		host     provisioner.HostRef
		routes   map[string]http.HandlerFunc
		wantID   string
		requests []string
	}{
		{
			name:     "a node with the recorded ID is found by ID",
			host:     testHost,
			routes:   map[string]http.HandlerFunc{"GET /v1/nodes/" + testNodeID: reply(http.StatusOK, doc)},
			wantID:   testNodeID,
			requests: []string{nodeRead(testNodeID)},
		},
		{
			name:     "a node whose ID is gone is found by name",
			host:     testHost,
			routes:   map[string]http.HandlerFunc{"GET /v1/nodes/ns~host-0": reply(http.StatusOK, doc)},
			wantID:   testNodeID,
			requests: []string{nodeRead(testNodeID), nodeRead("ns~host-0")},
		},
		{
			name:     "a host without a recorded ID is looked up by name first",
			host:     provisioner.HostRef{Namespace: "ns", Name: "host-0"},
			routes:   map[string]http.HandlerFunc{"GET /v1/nodes/ns~host-0": reply(http.StatusOK, doc)},
			wantID:   testNodeID,
			requests: []string{nodeRead("ns~host-0")},
		},
		{
			name: "a node known neither by ID nor by name is found by its boot MAC port",
			host: testHost,
			routes: map[string]http.HandlerFunc{
				"GET /v1/ports":            portList,
				"GET /v1/nodes/" + otherID: reply(http.StatusOK, byMAC),
			},
			wantID: otherID,
			requests: []string{
				nodeRead(testNodeID), nodeRead("ns~host-0"),
				"GET /v1/ports?address=52%3A54%3A00%3Aaa%3Abb%3Acc&fields=node_uuid", nodeRead(otherID),
			},
		},
		{
			name:   "no node at all is nil without an error",
			host:   testHost,
			routes: map[string]http.HandlerFunc{"GET /v1/ports": noPorts},
			requests: []string{
				nodeRead(testNodeID), nodeRead("ns~host-0"),
				"GET /v1/ports?address=52%3A54%3A00%3Aaa%3Abb%3Acc&fields=node_uuid",
			},
		},
		{
			name:     "a name too long for Ironic is not asked for; the MAC still is",
			host:     provisioner.HostRef{Namespace: "ns", Name: strings.Repeat("n", 253), BootMACAddress: testMAC},
			routes:   map[string]http.HandlerFunc{"GET /v1/ports": noPorts},
			requests: []string{"GET /v1/ports?address=52%3A54%3A00%3Aaa%3Abb%3Acc&fields=node_uuid"},
		},
		{
			name: "a name Ironic refuses (400) is a node not found",
			host: provisioner.HostRef{Namespace: "ns", Name: "host-0"},
			routes: map[string]http.HandlerFunc{"GET /v1/nodes/ns~host-0": reply(http.StatusBadRequest,
				map[string]any{"error_message": "Expected UUID or name for node"})},
			requests: []string{nodeRead("ns~host-0")},
		},
		{
			name:     "a host without a boot MAC stops after the name",
			host:     provisioner.HostRef{Namespace: "ns", Name: "host-0"},
			requests: []string{nodeRead("ns~host-0")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIronic(t, tt.routes)
			p := f.provisioner(t)
			if err := p.Ready(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.take()
			node, err := p.FindNode(context.Background(), tt.host)
			if err != nil {
				t.Fatal(err)
			}
			gotID := ""
			if node != nil {
				gotID = node.ID
			}
			if gotID != tt.wantID {
				t.Errorf("found node %q, want %q", gotID, tt.wantID)
			}
			if diff := cmp.Diff(tt.requests, f.lines()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindNodeFillsTheNodeFromIronicsDocument(t *testing.T) {
	doc := nodeDocument(func(n map[string]any) {
		n["provision_state"] = "deploying"
		n["target_provision_state"] = "active"
		n["power_state"] = "power on"
		n["reservation"] = "ironic-conductor-1"
		n["maintenance"] = true
		n["maintenance_reason"] = "testing"
		n["last_error"] = "it broke"
		n["instance_info"] = map[string]any{"image_source": "http://images/os.qcow2"}
	})
	f := newFakeIronic(t, nodeRoutes(doc))
	node, err := f.provisioner(t).FindNode(context.Background(), testHost)
	if err != nil {
		t.Fatal(err)
	}
	want := &provisioner.Node{
		ID:                   testNodeID,
		Name:                 "ns~host-0",
		ProvisionState:       provisioner.StateDeploying,
		TargetProvisionState: provisioner.StateActive,
		PowerState:           provisioner.PowerOn,
		LastError:            "it broke",
		Maintenance:          true,
		MaintenanceReason:    "testing",
		Locked:               true,
		BMCAddress:           "fake://x",
		CredentialsVersion:   "1",
		BootMACAddress:       testMAC,
		ImageURL:             "http://images/os.qcow2",
		ProvisionUpdatedAt:   time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	if diff := cmp.Diff(want, node, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("node (-want +got):\n%s", diff)
	}
}

func TestALiveISONodeReportsTheISOAsItsImage(t *testing.T) {
	doc := nodeDocument(func(n map[string]any) { n["instance_info"] = map[string]any{"boot_iso": "http://images/live.iso"} })
	f := newFakeIronic(t, nodeRoutes(doc))
	node, err := f.provisioner(t).FindNode(context.Background(), testHost)
	if err != nil {
		t.Fatal(err)
	}
	if node.ImageURL != "http://images/live.iso" {
		t.Errorf("ImageURL = %q", node.ImageURL)
	}
}
