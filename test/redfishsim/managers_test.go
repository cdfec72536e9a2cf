package redfishsim

import (
	"net/http"
	"testing"
)

func TestManagerAndChassis(t *testing.T) {
	sim := startSim(t, Options{Systems: 2})
	c := newClient(t, sim)
	mgr := c.get("/redfish/v1/Managers/sys-1")
	if mgr["ManagerType"] != "BMC" || at(mgr, "VirtualMedia", "@odata.id") != "/redfish/v1/Managers/sys-1/VirtualMedia" ||
		at(mgr, "Links", "ManagerForServers", 0, "@odata.id") != "/redfish/v1/Systems/sys-1" {
		t.Errorf("manager %v", mgr)
	}
	ch := c.get("/redfish/v1/Chassis/sys-1")
	if at(ch, "Links", "ComputerSystems", 0, "@odata.id") != "/redfish/v1/Systems/sys-1" {
		t.Errorf("chassis %v", ch)
	}
	c.expect(http.StatusNoContent, http.MethodPatch, "/redfish/v1/Chassis/sys-1", map[string]string{"IndicatorLED": "Lit"})
	if got := c.get("/redfish/v1/Chassis/sys-1")["IndicatorLED"]; got != "Lit" {
		t.Errorf("chassis IndicatorLED = %v", got)
	}
	c.expect(http.StatusBadRequest, http.MethodPatch, "/redfish/v1/Chassis/sys-1", map[string]string{"IndicatorLED": "On"})
}

func TestVirtualMedia(t *testing.T) {
	sim := startSim(t, Options{Username: "admin", Password: "secret"})
	c := newClient(t, sim).withBasic("admin", "secret")
	base := "/redfish/v1/Managers/sys-0/VirtualMedia"

	coll := c.get(base)
	if at(coll, "Members", 0, "@odata.id") != base+"/Cd" || coll["Members@odata.count"] != float64(1) {
		t.Fatalf("collection %v", coll)
	}
	cd := c.get(base + "/Cd")
	if types, _ := cd["MediaTypes"].([]any); len(types) != 2 || types[0] != "CD" || types[1] != "DVD" {
		t.Errorf("MediaTypes = %v", cd["MediaTypes"])
	}
	if cd["Inserted"] != false || cd["Image"] != nil {
		t.Errorf("initial media %v", cd)
	}
	insert := at(cd, "Actions", "#VirtualMedia.InsertMedia", "target").(string)
	eject := at(cd, "Actions", "#VirtualMedia.EjectMedia", "target").(string)

	// What sushy 4.3.3 sends.
	image := "http://127.0.0.1:6180/boot.iso"
	c.expect(http.StatusNoContent, http.MethodPost, insert, map[string]any{"Image": image})
	if img, ins := sim.VirtualMedia("sys-0"); img != image || !ins {
		t.Fatalf("after insert: %q %v", img, ins)
	}
	cd = c.get(base + "/Cd")
	if cd["Image"] != image || cd["Inserted"] != true || cd["ImageName"] != "boot.iso" || cd["ConnectedVia"] != "URI" {
		t.Errorf("after insert: %v", cd)
	}

	// Eject, with sushy's empty body.
	c.expect(http.StatusNoContent, http.MethodPost, eject, nil)
	if img, ins := sim.VirtualMedia("sys-0"); img != "" || ins {
		t.Fatalf("after eject: %q %v", img, ins)
	}
	c.expect(http.StatusNoContent, http.MethodPost, eject, "{}")

	for body, wantID := range map[string]string{
		`{}`:                                 "Base.1.8.ActionParameterMissing",
		`{"Image":"boot.iso"}`:               "Base.1.8.ActionParameterValueFormatError",
		`{"Image":true}`:                     "Base.1.8.ActionParameterValueTypeError",
		`{"Image":"http://x/a.iso","Foo":1}`: "Base.1.8.ActionParameterUnknown",
		`{"Image":"http://x/a.iso","Inserted":"yes"}`:        "Base.1.8.ActionParameterValueTypeError",
		`{"Image":"http://x/a.iso","TransferMethod":"Copy"}`: "Base.1.8.ActionParameterValueNotInList",
	} {
		r := c.expect(http.StatusBadRequest, http.MethodPost, insert, body)
		if id := errorID(t, r); id != wantID {
			t.Errorf("%s: error %s, want %s", body, id, wantID)
		}
	}
	if _, ins := sim.VirtualMedia("sys-0"); ins {
		t.Fatal("a rejected insert inserted media")
	}

	// The PATCH variant.
	c.expect(http.StatusNoContent, http.MethodPatch, base+"/Cd", map[string]any{"Image": "https://x/b.iso", "Inserted": true, "WriteProtected": true})
	if img, ins := sim.VirtualMedia("sys-0"); img != "https://x/b.iso" || !ins {
		t.Fatalf("after PATCH insert: %q %v", img, ins)
	}
	c.expect(http.StatusNoContent, http.MethodPatch, base+"/Cd", map[string]any{"Image": nil, "Inserted": false})
	if img, ins := sim.VirtualMedia("sys-0"); img != "" || ins {
		t.Fatalf("after PATCH eject: %q %v", img, ins)
	}
}
