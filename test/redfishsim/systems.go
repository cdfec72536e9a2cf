package redfishsim

import (
	"encoding/json"
	"net/http"
	"time"
)

// Values accepted in the Boot object and for IndicatorLED.
var (
	bootTargets     = []string{"None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "UefiShell", "UefiHttp"}
	bootEnabledVals = []string{"Disabled", "Once", "Continuous"}
	bootModes       = []string{"UEFI", "Legacy"}
	indicatorLEDs   = []string{"Lit", "Blinking", "Off"}
)

func (s *Simulator) routeSystems(mux *http.ServeMux) {
	s.handle(mux, systemPattern, methods{
		http.MethodGet:   s.getSystem,
		http.MethodPatch: s.patchSystem,
	})
	s.handle(mux, systemPattern+"/Actions/ComputerSystem.Reset", methods{http.MethodPost: s.resetSystem})
}

func (s *Simulator) getSystem(rq *request) response {
	sys := rq.sys
	p := systemsPath + "/" + sys.id
	body := resource("#ComputerSystem.v1_10_0.ComputerSystem", p, sys.id, "Simulated system "+sys.id)
	body["SystemType"] = "Physical"
	body["UUID"] = sys.uuid
	body["Manufacturer"] = manufacturer
	body["Model"] = model
	body["SerialNumber"] = sys.serial
	body["SKU"] = "RFSIM"
	body["BiosVersion"] = "1.0.0"
	body["PowerState"] = sys.power
	body["IndicatorLED"] = sys.systemLED
	body["Status"] = statusOK()
	body["Boot"] = obj{
		"BootSourceOverrideTarget":                         sys.bootTarget,
		"BootSourceOverrideEnabled":                        sys.bootEnabled,
		"BootSourceOverrideMode":                           sys.bootMode,
		"BootSourceOverrideTarget@Redfish.AllowableValues": bootTargets,
		"BootSourceOverrideMode@Redfish.AllowableValues":   bootModes,
	}
	body["ProcessorSummary"] = obj{
		"Count":                 1,
		"LogicalProcessorCount": cpuThreads,
		"Model":                 cpuModel,
		"Status":                statusOK(),
	}
	body["MemorySummary"] = obj{
		"TotalSystemMemoryGiB": memoryGiB,
		"Status":               statusOK(),
	}
	body["Processors"] = link(p + "/Processors")
	body["EthernetInterfaces"] = link(p + "/EthernetInterfaces")
	body["SimpleStorage"] = link(p + "/SimpleStorage")
	body["Storage"] = link(p + "/Storage")
	body["Bios"] = link(p + "/Bios")
	body["SecureBoot"] = link(p + "/SecureBoot")
	body["Links"] = obj{
		"ManagedBy": links(managersPath + "/" + sys.id),
		"Chassis":   links(chassisPath + "/" + sys.id),
	}
	body["Actions"] = obj{"#ComputerSystem.Reset": obj{
		"target":                            p + "/Actions/ComputerSystem.Reset",
		"ResetType@Redfish.AllowableValues": resetTypes,
	}}
	return ok(body)
}

// patchSystem accepts Boot.{BootSourceOverrideTarget, BootSourceOverrideEnabled,
// BootSourceOverrideMode} and IndicatorLED. The whole request is validated
// before anything changes.
func (s *Simulator) patchSystem(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if len(doc) == 0 {
		return noOperation()
	}
	if err := checkKnown(doc, property, "Boot", "IndicatorLED"); err != nil {
		return fail(err)
	}
	sys := rq.sys
	target, enabled, mode, led := sys.bootTarget, sys.bootEnabled, sys.bootMode, sys.systemLED
	if raw, present := doc["Boot"]; present {
		var boot map[string]json.RawMessage
		if err := json.Unmarshal(raw, &boot); err != nil || boot == nil {
			return fail(typeError("Boot", raw, property))
		}
		if err := checkKnown(boot, property, "BootSourceOverrideTarget", "BootSourceOverrideEnabled", "BootSourceOverrideMode"); err != nil {
			return fail(err)
		}
		fields := []struct {
			name    string
			allowed []string
			dst     *string
		}{
			{"BootSourceOverrideTarget", bootTargets, &target},
			{"BootSourceOverrideEnabled", bootEnabledVals, &enabled},
			{"BootSourceOverrideMode", bootModes, &mode},
		}
		for _, f := range fields {
			if raw, present := boot[f.name]; present {
				if *f.dst, err = stringField(f.name, raw, property, f.allowed...); err != nil {
					return fail(err)
				}
			}
		}
	}
	if raw, present := doc["IndicatorLED"]; present {
		if led, err = stringField("IndicatorLED", raw, property, indicatorLEDs...); err != nil {
			return fail(err)
		}
	}
	sys.bootTarget, sys.bootEnabled, sys.bootMode, sys.systemLED = target, enabled, mode, led
	return noContent()
}

// resetSystem implements ComputerSystem.Reset. The reset is recorded at
// once; its effect is delayed by Options.PowerDelay. A later reset replaces
// a pending one.
func (s *Simulator) resetSystem(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, parameter, "ResetType"); err != nil {
		return fail(err)
	}
	raw, err := requireParameter(doc, "ResetType")
	if err != nil {
		return fail(err)
	}
	resetType, err := stringField("ResetType", raw, parameter, resetTypes...)
	if err != nil {
		return fail(err)
	}
	sys := rq.sys
	sys.resetHistory = append(sys.resetHistory, resetType)
	if resetType == "Nmi" {
		return noContent()
	}
	state, boots := resetOutcome(sys.eventualPower(), resetType)
	sys.cancelPendingPower()
	if s.opts.PowerDelay <= 0 || s.closed {
		sys.applyPower(state, boots)
		return noContent()
	}
	p := &pendingPower{state: state, boots: boots}
	p.timer = time.AfterFunc(s.opts.PowerDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sys.pending != p { // replaced or cancelled meanwhile
			return
		}
		sys.pending = nil
		sys.applyPower(p.state, p.boots)
	})
	sys.pending = p
	return noContent()
}
