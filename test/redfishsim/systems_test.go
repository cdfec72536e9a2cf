package redfishsim

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

func reset(c *client, id, resetType string) {
	c.t.Helper()
	c.expect(http.StatusNoContent, http.MethodPost, "/redfish/v1/Systems/"+id+"/Actions/ComputerSystem.Reset",
		map[string]string{"ResetType": resetType})
}

func TestPowerActions(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)
	steps := []struct{ resetType, want string }{
		{"On", "On"},
		{"On", "On"},
		{"ForceRestart", "On"},
		{"GracefulRestart", "On"},
		{"Nmi", "On"},
		{"ForceOff", "Off"},
		{"ForceRestart", "On"},
		{"GracefulShutdown", "Off"},
		{"ForceOn", "On"},
		{"PushPowerButton", "Off"},
		{"PushPowerButton", "On"},
	}
	var history []string
	for _, st := range steps {
		reset(c, "sys-0", st.resetType)
		history = append(history, st.resetType)
		if got := sim.PowerState("sys-0"); got != st.want {
			t.Fatalf("after %s: PowerState() = %s, want %s", st.resetType, got, st.want)
		}
		if got := c.get("/redfish/v1/Systems/sys-0")["PowerState"]; got != st.want {
			t.Fatalf("after %s: GET PowerState = %v, want %s", st.resetType, got, st.want)
		}
		if got := c.get("/redfish/v1/Chassis/sys-0")["PowerState"]; got != st.want {
			t.Fatalf("after %s: chassis PowerState = %v, want %s", st.resetType, got, st.want)
		}
	}
	if got := sim.ResetHistory("sys-0"); !slices.Equal(got, history) {
		t.Errorf("ResetHistory = %v, want %v", got, history)
	}

	// Rejected resets change nothing and are not recorded.
	path := "/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset"
	for body, wantID := range map[string]string{
		`{"ResetType":"PowerCycle"}`:      "Base.1.8.ActionParameterValueNotInList",
		`{"ResetType":1}`:                 "Base.1.8.ActionParameterValueTypeError",
		`{}`:                              "Base.1.8.ActionParameterMissing",
		`{"ResetType":"On","Force":true}`: "Base.1.8.ActionParameterUnknown",
		`{"ResetType":`:                   "Base.1.8.MalformedJSON",
	} {
		r := c.expect(http.StatusBadRequest, http.MethodPost, path, body)
		if id := errorID(t, r); id != wantID {
			t.Errorf("%s: error %s, want %s", body, id, wantID)
		}
	}
	if got := sim.ResetHistory("sys-0"); len(got) != len(history) {
		t.Errorf("rejected resets were recorded: %v", got)
	}

	sim.SetPowerState("sys-0", "Off")
	if sim.PowerState("sys-0") != "Off" || len(sim.ResetHistory("sys-0")) != len(history) {
		t.Error("SetPowerState should change the state without recording a reset")
	}
}

func TestPowerDelay(t *testing.T) {
	sim := startSim(t, Options{PowerDelay: 100 * time.Millisecond})
	c := newClient(t, sim)
	start := time.Now()
	reset(c, "sys-0", "On")
	if got := sim.ResetHistory("sys-0"); !slices.Equal(got, []string{"On"}) {
		t.Fatalf("history = %v", got)
	}
	if time.Since(start) < 100*time.Millisecond && sim.PowerState("sys-0") != "Off" {
		t.Fatal("power changed before the delay")
	}
	eventually(t, "power on", func() bool { return sim.PowerState("sys-0") == "On" })
	if time.Since(start) < 100*time.Millisecond {
		t.Error("power changed before the delay")
	}

	// A second reset replaces a pending one.
	reset(c, "sys-0", "ForceOff")
	reset(c, "sys-0", "On")
	time.Sleep(250 * time.Millisecond)
	if got := sim.PowerState("sys-0"); got != "On" {
		t.Errorf("after ForceOff+On: %s", got)
	}
}

func TestBootOverride(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)
	path := "/redfish/v1/Systems/sys-0"
	if tg, en, mode := sim.BootOverride("sys-0"); tg != "None" || en != "Disabled" || mode != "UEFI" {
		t.Fatalf("default boot override %s/%s/%s", tg, en, mode)
	}

	c.expect(http.StatusNoContent, http.MethodPatch, path, map[string]any{"Boot": map[string]string{
		"BootSourceOverrideTarget": "Pxe", "BootSourceOverrideEnabled": "Continuous",
	}})
	c.expect(http.StatusNoContent, http.MethodPatch, path, map[string]any{"Boot": map[string]string{
		"BootSourceOverrideMode": "Legacy",
	}})
	if tg, en, mode := sim.BootOverride("sys-0"); tg != "Pxe" || en != "Continuous" || mode != "Legacy" {
		t.Fatalf("boot override %s/%s/%s", tg, en, mode)
	}
	boot := c.get(path)["Boot"]
	if at(boot, "BootSourceOverrideTarget") != "Pxe" || at(boot, "BootSourceOverrideEnabled") != "Continuous" ||
		at(boot, "BootSourceOverrideMode") != "Legacy" {
		t.Errorf("GET Boot = %v", boot)
	}

	// Bad requests change nothing, even when part of them is valid.
	for body, wantID := range map[string]string{
		`{"Boot":{"BootSourceOverrideTarget":"Floppy"}}`:                                     "Base.1.8.PropertyValueNotInList",
		`{"Boot":{"BootSourceOverrideTarget":"Cd","BootSourceOverrideEnabled":"Sometimes"}}`: "Base.1.8.PropertyValueNotInList",
		`{"Boot":{"BootSourceOverrideMode":"uefi"}}`:                                         "Base.1.8.PropertyValueNotInList",
		`{"Boot":{"BootSourceOverrideTarget":5}}`:                                            "Base.1.8.PropertyValueTypeError",
		`{"Boot":"Pxe"}`:                 "Base.1.8.PropertyValueTypeError",
		`{"Boot":{"BootOrder":["Pxe"]}}`: "Base.1.8.PropertyUnknown",
		`{"AssetTag":"x"}`:               "Base.1.8.PropertyUnknown",
		`{}`:                             "Base.1.8.NoOperation",
		`not json`:                       "Base.1.8.MalformedJSON",
	} {
		r := c.expect(http.StatusBadRequest, http.MethodPatch, path, body)
		if id := errorID(t, r); id != wantID {
			t.Errorf("%s: error %s, want %s", body, id, wantID)
		}
	}
	if tg, en, mode := sim.BootOverride("sys-0"); tg != "Pxe" || en != "Continuous" || mode != "Legacy" {
		t.Fatalf("boot override changed by rejected PATCHes: %s/%s/%s", tg, en, mode)
	}

	// A one-time override is consumed when the system boots.
	c.expect(http.StatusNoContent, http.MethodPatch, path, map[string]any{"Boot": map[string]string{
		"BootSourceOverrideTarget": "Cd", "BootSourceOverrideEnabled": "Once", "BootSourceOverrideMode": "UEFI",
	}})
	reset(c, "sys-0", "ForceOff")
	if _, en, _ := sim.BootOverride("sys-0"); en != "Once" {
		t.Errorf("powering off consumed the one-time override")
	}
	reset(c, "sys-0", "On")
	if tg, en, _ := sim.BootOverride("sys-0"); tg != "Cd" || en != "Disabled" {
		t.Errorf("after boot: %s/%s, want Cd/Disabled", tg, en)
	}

	c.expect(http.StatusNoContent, http.MethodPatch, path, map[string]string{"IndicatorLED": "Blinking"})
	if got := c.get(path)["IndicatorLED"]; got != "Blinking" {
		t.Errorf("IndicatorLED = %v", got)
	}
}

func TestSystemsIndependent(t *testing.T) {
	sim := startSim(t, Options{Systems: 3})
	c := newClient(t, sim)
	reset(c, "sys-1", "On")
	c.expect(http.StatusNoContent, http.MethodPatch, "/redfish/v1/Systems/sys-2", map[string]any{"Boot": map[string]string{
		"BootSourceOverrideTarget": "Hdd", "BootSourceOverrideEnabled": "Continuous",
	}})
	c.expect(http.StatusNoContent, http.MethodPost, "/redfish/v1/Managers/sys-0/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia",
		map[string]string{"Image": "http://example.test/a.iso"})

	want := map[string]struct {
		power, target string
		inserted      bool
		history       int
	}{
		"sys-0": {"Off", "None", true, 0},
		"sys-1": {"On", "None", false, 1},
		"sys-2": {"Off", "Hdd", false, 0},
	}
	for id, w := range want {
		tg, _, _ := sim.BootOverride(id)
		_, ins := sim.VirtualMedia(id)
		if sim.PowerState(id) != w.power || tg != w.target || ins != w.inserted || len(sim.ResetHistory(id)) != w.history {
			t.Errorf("%s: power %s target %s inserted %v history %v", id, sim.PowerState(id), tg, ins, sim.ResetHistory(id))
		}
		if got := c.get("/redfish/v1/Systems/" + id)["PowerState"]; got != w.power {
			t.Errorf("%s: GET PowerState %v", id, got)
		}
	}

	uuids := map[any]bool{}
	macs := map[any]bool{}
	for _, id := range sim.SystemIDs() {
		uuids[c.get("/redfish/v1/Systems/" + id)["UUID"]] = true
		macs[c.get("/redfish/v1/Systems/" + id + "/EthernetInterfaces/NIC0")["MACAddress"]] = true
	}
	if len(uuids) != 3 || len(macs) != 3 {
		t.Errorf("UUIDs %v, MACs %v: not distinct", uuids, macs)
	}
	if sim.PowerState("sys-7") != "" || sim.ResetHistory("sys-7") != nil {
		t.Error("unknown ids should give zero values")
	}
}
