package redfishsim

import (
	"net/http"
	"testing"
)

func TestInventory(t *testing.T) {
	sim := startSim(t, Options{Systems: 2})
	c := newClient(t, sim)
	sp := "/redfish/v1/Systems/sys-1"

	cpu := c.get(sp + "/Processors/CPU0")
	if cpu["ProcessorArchitecture"] != "x86" || cpu["TotalThreads"] != float64(8) || cpu["TotalCores"] != float64(4) {
		t.Errorf("processor %v", cpu)
	}
	if mac := c.get(sp + "/EthernetInterfaces/NIC0")["MACAddress"]; mac != "52:54:00:00:00:01" {
		t.Errorf("default MAC = %v", mac)
	}
	macs := []string{"aa:bb:cc:00:00:01", "aa:bb:cc:00:00:02"}
	sim.SetMACs("sys-1", macs)
	if n := c.get(sp + "/EthernetInterfaces")["Members@odata.count"]; n != float64(2) {
		t.Errorf("NIC count = %v", n)
	}
	for i, mac := range macs {
		nic := c.get(sp + "/EthernetInterfaces/NIC" + string(rune('0'+i)))
		if nic["MACAddress"] != mac || at(nic, "Status", "State") != "Enabled" {
			t.Errorf("NIC%d = %v", i, nic)
		}
	}
	if got := sim.MACs("sys-1"); len(got) != 2 || got[1] != macs[1] {
		t.Errorf("MACs = %v", got)
	}
	c.expect(http.StatusNotFound, http.MethodGet, sp+"/EthernetInterfaces/NIC2", nil)
	c.expect(http.StatusNotFound, http.MethodGet, sp+"/EthernetInterfaces/NIC01", nil)

	const disk = float64(100 << 30)
	if got := at(c.get(sp+"/SimpleStorage/1"), "Devices", 0, "CapacityBytes"); got != disk {
		t.Errorf("simple storage size %v", got)
	}
	if got := c.get(sp + "/Storage/1/Drives/0")["CapacityBytes"]; got != disk {
		t.Errorf("drive size %v", got)
	}
	if got := c.get(sp + "/Storage/1/Volumes/1")["CapacityBytes"]; got != disk {
		t.Errorf("volume size %v", got)
	}
}

func TestBIOSAndSecureBoot(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)
	sp := "/redfish/v1/Systems/sys-0"

	bios := c.get(sp + "/Bios")
	if at(bios, "Attributes", "ProcVirtualization") != "Enabled" ||
		at(bios, "@Redfish.Settings", "SettingsObject", "@odata.id") != sp+"/Bios/Settings" {
		t.Fatalf("bios %v", bios)
	}
	c.expect(http.StatusNoContent, http.MethodPatch, sp+"/Bios/Settings",
		map[string]any{"Attributes": map[string]any{"ProcVirtualization": "Disabled", "PowerOnDelaySec": 5}})
	for body, wantID := range map[string]string{
		`{"Attributes":{"NoSuchAttr":"x"}}`:      "Base.1.8.PropertyUnknown",
		`{"Attributes":{"PowerOnDelaySec":"5"}}`: "Base.1.8.PropertyValueTypeError",
		`{"Attributes":[]}`:                      "Base.1.8.PropertyValueTypeError",
	} {
		r := c.expect(http.StatusBadRequest, http.MethodPatch, sp+"/Bios/Settings", body)
		if id := errorID(t, r); id != wantID {
			t.Errorf("%s: error %s, want %s", body, id, wantID)
		}
	}
	if got := at(c.get(sp+"/Bios/Settings"), "Attributes", "ProcVirtualization"); got != "Disabled" {
		t.Errorf("pending = %v", got)
	}
	if got := at(c.get(sp+"/Bios"), "Attributes", "ProcVirtualization"); got != "Enabled" {
		t.Errorf("applied before boot: %v", got)
	}
	reset(c, "sys-0", "On")
	bios = c.get(sp + "/Bios")
	if at(bios, "Attributes", "ProcVirtualization") != "Disabled" || at(bios, "Attributes", "PowerOnDelaySec") != float64(5) {
		t.Errorf("after boot: %v", bios["Attributes"])
	}
	c.expect(http.StatusNoContent, http.MethodPost, sp+"/Bios/Actions/Bios.ResetBios", "{}")
	reset(c, "sys-0", "ForceRestart")
	if got := at(c.get(sp+"/Bios"), "Attributes", "ProcVirtualization"); got != "Enabled" {
		t.Errorf("after ResetBios and reboot: %v", got)
	}

	sb := c.get(sp + "/SecureBoot")
	if sb["SecureBootEnable"] != false || sb["SecureBootCurrentBoot"] != "Disabled" {
		t.Fatalf("secure boot %v", sb)
	}
	c.expect(http.StatusNoContent, http.MethodPatch, sp+"/SecureBoot", map[string]bool{"SecureBootEnable": true})
	if got := c.get(sp + "/SecureBoot"); got["SecureBootEnable"] != true || got["SecureBootCurrentBoot"] != "Disabled" {
		t.Errorf("before reboot %v", got)
	}
	reset(c, "sys-0", "GracefulRestart")
	if got := c.get(sp + "/SecureBoot")["SecureBootCurrentBoot"]; got != "Enabled" {
		t.Errorf("after reboot SecureBootCurrentBoot = %v", got)
	}
	c.expect(http.StatusNoContent, http.MethodPost, sp+"/SecureBoot/Actions/SecureBoot.ResetKeys",
		map[string]string{"ResetKeysType": "ResetAllKeysToDefault"})
	c.expect(http.StatusBadRequest, http.MethodPost, sp+"/SecureBoot/Actions/SecureBoot.ResetKeys",
		map[string]string{"ResetKeysType": "Everything"})

	// Secure boot needs UEFI.
	c.expect(http.StatusNoContent, http.MethodPatch, sp+"/SecureBoot", map[string]bool{"SecureBootEnable": false})
	c.expect(http.StatusNoContent, http.MethodPatch, sp, map[string]any{"Boot": map[string]string{"BootSourceOverrideMode": "Legacy"}})
	c.expect(http.StatusBadRequest, http.MethodPatch, sp+"/SecureBoot", map[string]bool{"SecureBootEnable": true})
}
