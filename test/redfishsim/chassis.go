package redfishsim

import "net/http"

// Chassis: one per system, with the same id. Its PowerState mirrors the
// system's; IndicatorLED can be PATCHed.

func (s *Simulator) routeChassis(mux *http.ServeMux) {
	s.handle(mux, chassisPattern, methods{
		http.MethodGet:   s.getChassis,
		http.MethodPatch: s.patchChassis,
	})
}

func (s *Simulator) getChassis(rq *request) response {
	sys := rq.sys
	body := resource("#Chassis.v1_10_0.Chassis", chassisPath+"/"+sys.id, sys.id, "Simulated chassis "+sys.id)
	body["ChassisType"] = "RackMount"
	body["Manufacturer"] = manufacturer
	body["Model"] = model
	body["SerialNumber"] = sys.serial
	body["PowerState"] = sys.power
	body["IndicatorLED"] = sys.chassisLED
	body["Status"] = statusOK()
	body["Links"] = obj{
		"ComputerSystems": links(sysPath(sys)),
		"ManagedBy":       links(managerPath(sys)),
	}
	return ok(body)
}

func (s *Simulator) patchChassis(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, property, "IndicatorLED"); err != nil {
		return fail(err)
	}
	raw, present := doc["IndicatorLED"]
	if !present {
		return noOperation()
	}
	led, err := stringField("IndicatorLED", raw, property, indicatorLEDs...)
	if err != nil {
		return fail(err)
	}
	rq.sys.chassisLED = led
	return noContent()
}
