package redfishsim

import (
	"encoding/json"
	"maps"
	"net/http"
)

// BIOS: the Bios resource shows the current attributes; changes PATCHed to
// its settings object (@Redfish.Settings) are pending until the next boot,
// like on real hardware. SecureBoot works the same way: SecureBootEnable
// is the request, SecureBootCurrentBoot what the last boot used.

var secureBootResetTypes = []string{"ResetAllKeysToDefault", "DeleteAllKeys", "DeletePK"}

func (s *Simulator) routeBIOS(mux *http.ServeMux) {
	s.handle(mux, systemPattern+"/Bios", methods{http.MethodGet: s.getBIOS})
	s.handle(mux, systemPattern+"/Bios/Settings", methods{
		http.MethodGet:   s.getBIOSSettings,
		http.MethodPatch: s.patchBIOSSettings,
	})
	s.handle(mux, systemPattern+"/Bios/Actions/Bios.ResetBios", methods{http.MethodPost: s.resetBIOS})
	s.handle(mux, systemPattern+"/Bios/Actions/Bios.ChangePassword", methods{http.MethodPost: s.changeBIOSPassword})
	s.handle(mux, systemPattern+"/SecureBoot", methods{
		http.MethodGet:   s.getSecureBoot,
		http.MethodPatch: s.patchSecureBoot,
	})
	s.handle(mux, systemPattern+"/SecureBoot/Actions/SecureBoot.ResetKeys", methods{http.MethodPost: s.resetSecureBootKeys})
}

func (s *Simulator) getBIOS(rq *request) response {
	p := sysPath(rq.sys) + "/Bios"
	body := resource("#Bios.v1_1_0.Bios", p, "BIOS", "BIOS Configuration Current Settings")
	body["AttributeRegistry"] = "BiosAttributeRegistry.v1_0_0"
	body["Attributes"] = rq.sys.bios
	body["@Redfish.Settings"] = obj{
		"@odata.type":         "#Settings.v1_3_0.Settings",
		"SettingsObject":      link(p + "/Settings"),
		"SupportedApplyTimes": []string{"OnReset"},
	}
	body["Actions"] = obj{
		"#Bios.ResetBios":      obj{"target": p + "/Actions/Bios.ResetBios"},
		"#Bios.ChangePassword": obj{"target": p + "/Actions/Bios.ChangePassword"},
	}
	return ok(body)
}

// getBIOSSettings shows the pending attribute changes.
func (s *Simulator) getBIOSSettings(rq *request) response {
	body := resource("#Bios.v1_1_0.Bios", sysPath(rq.sys)+"/Bios/Settings", "Settings", "BIOS Configuration Pending Settings")
	body["AttributeRegistry"] = "BiosAttributeRegistry.v1_0_0"
	body["Attributes"] = rq.sys.biosPending
	return ok(body)
}

// patchBIOSSettings accepts {"Attributes": {...}} for known attributes with
// values of the same JSON type as the current ones.
func (s *Simulator) patchBIOSSettings(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, property, "Attributes"); err != nil {
		return fail(err)
	}
	raw, present := doc["Attributes"]
	if !present {
		return noOperation()
	}
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil || attrs == nil {
		return fail(typeError("Attributes", raw, property))
	}
	for name, value := range attrs {
		current, known := rq.sys.bios[name]
		if !known {
			return apiErrorf(http.StatusBadRequest, "PropertyUnknown",
				"The property %s is not in the list of valid properties for the resource.", name).response()
		}
		if jsonKind(current) != jsonKind(value) {
			b, _ := json.Marshal(value)
			return fail(typeError(name, b, property))
		}
	}
	maps.Copy(rq.sys.biosPending, attrs)
	return noContent()
}

// jsonKind classifies a decoded or default attribute value.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, int:
		return "number"
	default:
		return "other"
	}
}

// resetBIOS schedules the factory defaults for the next boot.
func (s *Simulator) resetBIOS(rq *request) response {
	clear(rq.sys.biosPending)
	maps.Copy(rq.sys.biosPending, defaultBIOS)
	return noContent()
}

func (s *Simulator) changeBIOSPassword(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	names := []string{"PasswordName", "OldPassword", "NewPassword"}
	if err := checkKnown(doc, parameter, names...); err != nil {
		return fail(err)
	}
	for _, name := range names {
		raw, err := requireParameter(doc, name)
		if err != nil {
			return fail(err)
		}
		if _, err := stringField(name, raw, parameter); err != nil {
			return fail(err)
		}
	}
	return noContent()
}

func enabledString(on bool) string {
	if on {
		return "Enabled"
	}
	return "Disabled"
}

func (s *Simulator) getSecureBoot(rq *request) response {
	p := sysPath(rq.sys) + "/SecureBoot"
	body := resource("#SecureBoot.v1_1_0.SecureBoot", p, "SecureBoot", "UEFI Secure Boot")
	body["SecureBootEnable"] = rq.sys.secureBootEnable
	body["SecureBootCurrentBoot"] = enabledString(rq.sys.secureBootCurrent)
	body["SecureBootMode"] = "DeployedMode"
	body["Actions"] = obj{"#SecureBoot.ResetKeys": obj{
		"target":                                p + "/Actions/SecureBoot.ResetKeys",
		"ResetKeysType@Redfish.AllowableValues": secureBootResetTypes,
	}}
	return ok(body)
}

// patchSecureBoot accepts SecureBootEnable; enabling it needs UEFI boot
// mode.
func (s *Simulator) patchSecureBoot(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, property, "SecureBootEnable"); err != nil {
		return fail(err)
	}
	raw, present := doc["SecureBootEnable"]
	if !present {
		return noOperation()
	}
	enable, err := boolField("SecureBootEnable", raw, property)
	if err != nil {
		return fail(err)
	}
	if enable && rq.sys.bootMode != "UEFI" {
		return apiErrorf(http.StatusBadRequest, "PropertyValueConflict",
			"The property SecureBootEnable could not be written because its value would conflict with the value of the BootSourceOverrideMode property (%s).",
			rq.sys.bootMode).response()
	}
	rq.sys.secureBootEnable = enable
	return noContent()
}

func (s *Simulator) resetSecureBootKeys(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, parameter, "ResetKeysType"); err != nil {
		return fail(err)
	}
	raw, err := requireParameter(doc, "ResetKeysType")
	if err != nil {
		return fail(err)
	}
	if _, err := stringField("ResetKeysType", raw, parameter, secureBootResetTypes...); err != nil {
		return fail(err)
	}
	return noContent()
}
