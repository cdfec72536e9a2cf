package redfishsim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestServiceRoot(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)

	for _, path := range []string{"/redfish/v1/", "/redfish/v1"} {
		root := c.get(path)
		want := map[string]string{
			"@odata.id":      "/redfish/v1/",
			"@odata.type":    "#ServiceRoot.v1_5_0.ServiceRoot",
			"RedfishVersion": "1.6.0",
		}
		for k, v := range want {
			if root[k] != v {
				t.Errorf("GET %s: %s = %v, want %q", path, k, root[k], v)
			}
		}
		for k, v := range map[string]string{
			"Systems":        "/redfish/v1/Systems",
			"Managers":       "/redfish/v1/Managers",
			"Chassis":        "/redfish/v1/Chassis",
			"SessionService": "/redfish/v1/SessionService",
		} {
			if got := at(root, k, "@odata.id"); got != v {
				t.Errorf("GET %s: %s = %v, want %q", path, k, got, v)
			}
		}
		if uuid, _ := root["UUID"].(string); len(uuid) != 36 {
			t.Errorf("UUID = %v", root["UUID"])
		}
	}
	if v1 := c.get("/redfish")["v1"]; v1 != "/redfish/v1/" {
		t.Errorf("/redfish v1 = %v", v1)
	}
}

func TestCollectionsAndIDs(t *testing.T) {
	sim := startSim(t, Options{Systems: 3})
	c := newClient(t, sim)
	if got, want := sim.SystemIDs(), []string{"sys-0", "sys-1", "sys-2"}; !slices.Equal(got, want) {
		t.Fatalf("SystemIDs = %v, want %v", got, want)
	}
	if got := sim.SystemPath("sys-1"); got != "/redfish/v1/Systems/sys-1" {
		t.Errorf("SystemPath = %q", got)
	}
	for _, kind := range []string{"Systems", "Managers", "Chassis"} {
		coll := c.get("/redfish/v1/" + kind)
		if n := coll["Members@odata.count"]; n != float64(3) {
			t.Errorf("%s count = %v", kind, n)
		}
		for i, id := range sim.SystemIDs() {
			if got, want := at(coll, "Members", i, "@odata.id"), "/redfish/v1/"+kind+"/"+id; got != want {
				t.Errorf("%s member %d = %v, want %s", kind, i, got, want)
			}
		}
	}
	if sim.CACertPEM() != nil {
		t.Error("CACertPEM without TLS should be nil")
	}
	if !strings.HasPrefix(sim.URL(), "http://127.0.0.1:") || sim.URL() != "http://"+sim.Host() {
		t.Errorf("URL %q, Host %q", sim.URL(), sim.Host())
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	sim := startSim(t, Options{Username: "admin", Password: "secret"})
	c := newClient(t, sim).withBasic("admin", "secret")

	for _, path := range []string{
		"/redfish/v1/Nope",
		"/redfish/v1/Systems/sys-9",
		"/redfish/v1/Systems/sys-9/Actions/ComputerSystem.Reset",
		"/redfish/v1/Systems/sys-0/Nope",
		"/redfish/v1/Systems/sys-0/EthernetInterfaces/NIC1",
		"/redfish/v1/Managers/sys-0/VirtualMedia/Floppy",
		"/redfish/v2/",
		"/",
	} {
		r := c.expect(http.StatusNotFound, http.MethodGet, path, nil)
		if id := errorID(t, r); id != "Base.1.8.ResourceMissingAtURI" {
			t.Errorf("GET %s: error %s", path, id)
		}
	}
	r := c.expect(http.StatusMethodNotAllowed, http.MethodPut, "/redfish/v1/Systems/sys-0", "{}")
	errorID(t, r)
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, PATCH" {
		t.Errorf("Allow = %q", allow)
	}
	c.expect(http.StatusMethodNotAllowed, http.MethodGet, "/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset", nil)
}

// TestLinksResolve crawls every @odata.id reachable from the service root
// and checks each resource names itself and has a type.
func TestLinksResolve(t *testing.T) {
	sim := startSim(t, Options{Systems: 2})
	c := newClient(t, sim)
	seen := map[string]bool{}
	queue := []string{"/redfish/v1/"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		doc := c.get(path)
		if doc["@odata.id"] != path {
			t.Errorf("%s: @odata.id = %v", path, doc["@odata.id"])
		}
		if typ, _ := doc["@odata.type"].(string); !strings.HasPrefix(typ, "#") {
			t.Errorf("%s: @odata.type = %v", path, doc["@odata.type"])
		}
		collectLinks(doc, func(link string) {
			if !strings.Contains(link, "#") && !seen[link] {
				queue = append(queue, link)
			}
		})
	}
	for _, must := range []string{
		"/redfish/v1/SessionService/Sessions",
		"/redfish/v1/Systems/sys-1/Processors/CPU0",
		"/redfish/v1/Systems/sys-1/EthernetInterfaces/NIC0",
		"/redfish/v1/Systems/sys-1/SimpleStorage/1",
		"/redfish/v1/Systems/sys-1/Storage/1/Drives/0",
		"/redfish/v1/Systems/sys-1/Storage/1/Volumes/1",
		"/redfish/v1/Systems/sys-1/Bios",
		"/redfish/v1/Systems/sys-1/Bios/Settings",
		"/redfish/v1/Systems/sys-1/SecureBoot",
		"/redfish/v1/Managers/sys-1/VirtualMedia/Cd",
		"/redfish/v1/Chassis/sys-1",
	} {
		if !seen[must] {
			t.Errorf("%s not reachable from the service root", must)
		}
	}
	if len(seen) < 40 {
		t.Errorf("only %d resources reachable", len(seen))
	}
}

func collectLinks(doc any, visit func(string)) {
	switch d := doc.(type) {
	case map[string]any:
		for k, v := range d {
			if s, isStr := v.(string); isStr && k == "@odata.id" {
				visit(s)
			} else {
				collectLinks(v, visit)
			}
		}
	case []any:
		for _, v := range d {
			collectLinks(v, visit)
		}
	}
}

func TestComputerSystemFields(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)
	sys := c.get("/redfish/v1/Systems/sys-0")
	for _, key := range []string{"Id", "Name", "UUID", "Manufacturer", "Model", "SerialNumber", "PowerState"} {
		if s, _ := sys[key].(string); s == "" {
			t.Errorf("%s = %v", key, sys[key])
		}
	}
	if sys["PowerState"] != "Off" {
		t.Errorf("initial PowerState = %v", sys["PowerState"])
	}
	for _, key := range []string{"BootSourceOverrideTarget", "BootSourceOverrideEnabled", "BootSourceOverrideMode"} {
		if at(sys, "Boot", key) == nil {
			t.Errorf("Boot.%s missing", key)
		}
	}
	if vals, _ := at(sys, "Boot", "BootSourceOverrideTarget@Redfish.AllowableValues").([]any); len(vals) < 5 {
		t.Errorf("Boot target allowable values = %v", vals)
	}
	if got := at(sys, "Actions", "#ComputerSystem.Reset", "target"); got != "/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset" {
		t.Errorf("reset target = %v", got)
	}
	var resetTypes []string
	for _, v := range at(sys, "Actions", "#ComputerSystem.Reset", "ResetType@Redfish.AllowableValues").([]any) {
		resetTypes = append(resetTypes, v.(string))
	}
	slices.Sort(resetTypes)
	if want := []string{"ForceOff", "ForceOn", "ForceRestart", "GracefulRestart", "GracefulShutdown", "Nmi", "On", "PushPowerButton"}; !slices.Equal(resetTypes, want) {
		t.Errorf("ResetType allowable values = %v", resetTypes)
	}
	if got := at(sys, "MemorySummary", "TotalSystemMemoryGiB"); got != float64(16) {
		t.Errorf("memory = %v", got)
	}
	if got := at(sys, "ProcessorSummary", "Count"); got != float64(1) {
		t.Errorf("processors = %v", got)
	}
	if got := at(sys, "Links", "ManagedBy", 0, "@odata.id"); got != "/redfish/v1/Managers/sys-0" {
		t.Errorf("ManagedBy = %v", got)
	}
	if got := at(sys, "Links", "Chassis", 0, "@odata.id"); got != "/redfish/v1/Chassis/sys-0" {
		t.Errorf("Chassis = %v", got)
	}
}
