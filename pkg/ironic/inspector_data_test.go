package ironic

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
)

// TestHardwareDetailsFromIronicInspector: with Config.InspectorURL the details of a node
// inspected by ironic-inspector come from its processed data, also when Ironic's inventory
// API fails (Ironic 21.4 answers 500 after a second in-band inspection); when the inspector
// has none, Ironic's inventory is read.
func TestHardwareDetailsFromIronicInspector(t *testing.T) {
	inspectorData := map[string]any{
		"inventory": map[string]any{
			"interfaces": []any{map[string]any{"name": "eth0", "mac_address": "aa:bb:cc:00:00:01", "ipv4_address": "192.0.2.9"}},
			"hostname":   "from-inspector",
		},
		"all_interfaces": map[string]any{"eth0": map[string]any{"mac": "aa:bb:cc:00:00:01", "pxe": true}},
		"root_disk":      map[string]any{"name": "/dev/sda"},
	}
	ironicInventory := map[string]any{"inventory": map[string]any{
		"interfaces": []any{map[string]any{"name": "eth0", "mac_address": "aa:bb:cc:00:00:01"}}, "hostname": "from-ironic"},
		"plugin_data": map[string]any{}}
	const dataPath = "GET /inspector/v1/introspection/" + testNodeID + "/data"
	for _, tc := range []struct {
		name          string
		inspector     http.HandlerFunc
		ironic        http.HandlerFunc
		inspectIface  string
		wantHost      string
		wantPXE       bool
		wantInspector bool
	}{
		{"the inspector's data wins over a failing Ironic", reply(http.StatusOK, inspectorData),
			reply(http.StatusInternalServerError, map[string]any{}), inspectorInterface, "from-inspector", true, true},
		{"no data at the inspector: Ironic's inventory", reply(http.StatusNotFound, map[string]any{}),
			reply(http.StatusOK, ironicInventory), inspectorInterface, "from-ironic", false, true},
		{"a node inspected out of band: only Ironic is asked", reply(http.StatusOK, inspectorData),
			reply(http.StatusOK, ironicInventory), "redfish", "from-ironic", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeIronic(t, map[string]http.HandlerFunc{dataPath: tc.inspector, "GET /v1/nodes/" + testNodeID + "/inventory": tc.ironic})
			p, err := New(Config{Endpoint: f.srv.URL, InspectorURL: f.srv.URL + "/inspector"})
			if err != nil {
				t.Fatal(err)
			}
			if !p.InBandInspection() {
				t.Error("an inspector URL does not turn in-band inspection on")
			}
			p.remember(&nodeDoc{UUID: testNodeID, InspectInterface: tc.inspectIface})
			hw, err := p.HardwareDetails(context.Background(), testNode())
			if err != nil {
				t.Fatal(err)
			}
			if hw.Hostname != tc.wantHost || len(hw.NIC) != 1 || hw.NIC[0].PXE != tc.wantPXE {
				t.Errorf("hostname %q, NICs %+v; want %q, PXE %v", hw.Hostname, hw.NIC, tc.wantHost, tc.wantPXE)
			}
			asked := false
			for _, l := range f.lines() {
				asked = asked || l == dataPath
			}
			if asked != tc.wantInspector {
				t.Errorf("inspector asked: %v, want %v (requests %q)", asked, tc.wantInspector, f.lines())
			}
		})
	}
}

// TestInventoryOfAnInBandNodeIsWaitedFor: Ironic 21.4 moves a node to manageable a moment
// before it stores the inventory ironic-inspector gathered; without an inspector URL a 404 for
// such a node is asked again until the inventory is there, not taken as "no inventory".
func TestInventoryOfAnInBandNodeIsWaitedFor(t *testing.T) {
	var calls atomic.Int32
	inv := map[string]any{"inventory": map[string]any{
		"interfaces": []any{map[string]any{"name": "eth0", "mac_address": "aa:bb:cc:00:00:01"}}, "hostname": "late"}}
	f := newFakeIronic(t, map[string]http.HandlerFunc{"GET /v1/nodes/" + testNodeID + "/inventory": func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			reply(http.StatusNotFound, map[string]any{})(w, r)
			return
		}
		reply(http.StatusOK, inv)(w, r)
	}})
	p := f.provisioner(t)
	p.remember(&nodeDoc{UUID: testNodeID, InspectInterface: inspectorInterface})
	hw, err := p.HardwareDetails(context.Background(), testNode())
	if err != nil {
		t.Fatal(err)
	}
	if hw.Hostname != "late" || calls.Load() != 3 {
		t.Errorf("hostname %q after %d reads, want the inventory of the third read", hw.Hostname, calls.Load())
	}
}
