package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func mode(m metal3.InspectionMode) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Spec.InspectionMode = m }
}

func TestInspectionModes(t *testing.T) {
	const ipmi, redfish = "ipmi://192.0.2.1", "redfish://192.0.2.1/redfish/v1/Systems/1"
	registered := []string{"BMCAccessValidated", "ProfileSet", "Registered"}
	inspected := append(append([]string{}, registered...), "InspectionStarted")
	runTable(t, []row{
		{"fast on redfish inspects out of band", registering(bmcAt(redfish), mode(metal3.InspectionModeFast)),
			node(manageable, registeredAt(redfish)), nil, do(ActionInspect, stInspecting, inspected...)},
		{"agent on redfish inspects", registering(bmcAt(redfish), mode(metal3.InspectionModeAgent)),
			node(manageable, registeredAt(redfish)), nil, do(ActionInspect, stInspecting, inspected...)},
		{"disabled on redfish skips inspection", registering(bmcAt(redfish), mode(metal3.InspectionModeDisabled)),
			node(manageable, registeredAt(redfish)), nil, provide(stPreparing, registered...)},
		{"agent on ipmi skips the inspection its driver cannot do", registering(bmcAt(ipmi), mode(metal3.InspectionModeAgent)),
			node(manageable, registeredAt(ipmi)), nil, provide(stPreparing, registered...)},
		{"fast on ipmi is an inspection error, nothing asked of Ironic", registering(bmcAt(ipmi), mode(metal3.InspectionModeFast)),
			node(manageable, registeredAt(ipmi)), nil, outcome{State: stInspecting, ErrorType: metal3.InspectionError, Count: 1,
				Events: append(append([]string{}, registered...), "InspectionError"), Requeue: after(Backoff(1))}},
		{"fast on ipmi still refused while inspecting", host(stInspecting, bmcAt(ipmi), mode(metal3.InspectionModeFast)),
			node(manageable, registeredAt(ipmi)), nil, failure(stInspecting, metal3.InspectionError)},
		{"fast changed to agent on ipmi skips inspection", host(stInspecting, bmcAt(ipmi), mode(metal3.InspectionModeAgent)),
			node(manageable, registeredAt(ipmi)), nil, provide(stPreparing)},
		{"an inspection asked for by annotation on ipmi is still tried (no loop back to preparing)",
			host(stInspecting, bmcAt(ipmi), annotated(InspectAnnotation, "")), node(manageable, registeredAt(ipmi)), nil,
			do(ActionInspect, stInspecting, "InspectionStarted")},
	})
	r := decide(t, input(registering(bmcAt("libvirt://192.0.2.1:6233/"), mode(metal3.InspectionModeFast)), node(manageable, registeredAt("libvirt://192.0.2.1:6233/"))))
	if want := "BMC driver libvirt does not support fast (out-of-band) inspection"; r.Status.ErrorMessage != want {
		t.Errorf("error message %q, want metal3's %q", r.Status.ErrorMessage, want)
	}
}

func inBand(in *Input) { in.InBandInspection = true }

// TestInBandInspection: with ironic-inspector (Input.InBandInspection) hosts whose BMC driver
// cannot inspect out of band are inspected in band like the others; fast and disabled keep
// their meaning.
func TestInBandInspection(t *testing.T) {
	const ipmi, libvirt, redfish = "ipmi://192.0.2.1", "libvirt://192.0.2.1:6233/", "redfish://192.0.2.1/redfish/v1/Systems/1"
	registered := []string{"BMCAccessValidated", "ProfileSet", "Registered"}
	inspected := append(append([]string{}, registered...), "InspectionStarted")
	runTable(t, []row{
		{"default mode on ipmi inspects in band", registering(bmcAt(ipmi)),
			node(manageable, registeredAt(ipmi)), []inputOpt{inBand}, do(ActionInspect, stInspecting, inspected...)},
		{"agent on libvirt inspects in band", registering(bmcAt(libvirt), mode(metal3.InspectionModeAgent)),
			node(manageable, registeredAt(libvirt)), []inputOpt{inBand}, do(ActionInspect, stInspecting, inspected...)},
		{"default mode on redfish inspects", registering(bmcAt(redfish)),
			node(manageable, registeredAt(redfish)), []inputOpt{inBand}, do(ActionInspect, stInspecting, inspected...)},
		{"disabled on ipmi still skips inspection", registering(bmcAt(ipmi), mode(metal3.InspectionModeDisabled)),
			node(manageable, registeredAt(ipmi)), []inputOpt{inBand}, provide(stPreparing, registered...)},
		{"fast on ipmi is still an inspection error", registering(bmcAt(ipmi), mode(metal3.InspectionModeFast)),
			node(manageable, registeredAt(ipmi)), []inputOpt{inBand}, outcome{State: stInspecting, ErrorType: metal3.InspectionError, Count: 1,
				Events: append(append([]string{}, registered...), "InspectionError"), Requeue: after(Backoff(1))}},
		{"fast changed to agent on ipmi inspects in band", host(stInspecting, bmcAt(ipmi), mode(metal3.InspectionModeAgent)),
			node(manageable, registeredAt(ipmi)), []inputOpt{inBand}, do(ActionInspect, stInspecting, "InspectionStarted")},
	})
}

func TestNeedsHardwareInBand(t *testing.T) {
	h := registering(bmcAt("ipmi://192.0.2.1"))
	n := node(manageable, registeredAt("ipmi://192.0.2.1"))
	n.Inspected = true
	if Decide(input(h, n)).NeedsHardware {
		t.Error("an ipmi host without in-band inspection needs no hardware details")
	}
	if !Decide(input(h, n, inBand)).NeedsHardware {
		t.Error("an ipmi host whose node was inspected in band needs its hardware details")
	}
}
