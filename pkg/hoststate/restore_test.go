package hoststate

import (
	"slices"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// capm3Status is a status annotation as Cluster API Provider Metal3 writes it before a
// clusterctl move: metal3's v0.14 status marshalled whole (provisioningFailCount, null times,
// empty credentials), with "hardware" removed (it travels in the HardwareData), plus a field
// no version of ours knows.
const capm3Status = `{"errorCount":0,"errorMessage":"","goodCredentials":{"credentials":{"name":"host-0-bmc-secret","namespace":"metal"},"credentialsVersion":"1001"},` +
	`"hardwareProfile":"unknown","lastUpdated":"2025-03-14T09:00:00Z","operationHistory":{"deprovision":{"end":null,"start":null},` +
	`"inspect":{"end":"2025-03-14T08:10:00Z","start":"2025-03-14T08:05:00Z"},"provision":{"end":"2025-03-14T08:30:00Z","start":"2025-03-14T08:20:00Z"},` +
	`"register":{"end":"2025-03-14T08:05:00Z","start":"2025-03-14T08:00:00Z"}},"operationalStatus":"OK","poweredOn":true,` +
	`"provisioning":{"ID":"3f1c2a7e-0d5b-4c61-9a3e-7b2f4d8e9c10","bootMode":"UEFI","image":{"checksum":"` + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" +
	`","format":"qcow2","url":"http://images.example.com/a.qcow2"},"raid":{"softwareRAIDVolumes":[]},"rootDeviceHints":{"deviceName":"/dev/sda"},"state":"provisioned"},` +
	`"provisioningFailCount":0,"triedCredentials":{"credentials":{"name":"host-0-bmc-secret","namespace":"metal"},"credentialsVersion":"1001"},"aFieldOfATomorrowsMetal3":true}`

// moved is a host just recreated by clusterctl move: no status, the status annotation set.
func moved(value string, opts ...hostOpt) *metal3.BareMetalHost {
	return host(stNone, append([]hostOpt{running(imgA), online, annotated(StatusAnnotation, value)}, opts...)...)
}

func TestAStatusWrittenByCAPM3IsRestoredAndTheRunningHostAdopted(t *testing.T) {
	hw := &metal3.HardwareDetails{Hostname: "moved-host", NIC: []metal3.NIC{{Name: "eth0", MAC: "52:54:00:12:34:56", IP: "192.0.2.10"}}}
	r := decide(t, input(moved(capm3Status), node(active, poweredOn), func(in *Input) { in.HardwareData = hw }))
	if r.Action.Kind != ActionNone {
		t.Errorf("action %s on a moved running host, want none", r.Action.Kind)
	}
	if got := r.Status.Provisioning.State; got != stProvisioned {
		t.Errorf("state %q, want provisioned", got)
	}
	if r.Status.HardwareDetails == nil || r.Status.HardwareDetails.Hostname != "moved-host" || len(r.Status.HardwareDetails.NIC) != 1 {
		t.Errorf("status.hardware %+v, want the HardwareData's", r.Status.HardwareDetails)
	}
	if r.Status.Provisioning.Image.URL != imgA.URL || r.Status.Provisioning.RAID == nil {
		t.Errorf("provisioning %+v, want the annotation's image and raid", r.Status.Provisioning)
	}
	if !slices.Contains(r.RemoveAnnotations, StatusAnnotation) {
		t.Errorf("annotation not consumed: %v", r.RemoveAnnotations)
	}
	if !hasEvent(r, "StatusRestored") {
		t.Errorf("events %v, want StatusRestored", eventReasons(r))
	}
}

func TestTheHardwareDataWinsOverTheAnnotationsHardware(t *testing.T) {
	withHW := `{"provisioning":{"state":"available","ID":"` + nodeID + `"},"hardware":{"hostname":"from-annotation"},"operationalStatus":"OK"}`
	r := decide(t, input(moved(withHW), node(available, poweredOn), func(in *Input) {
		in.HardwareData = &metal3.HardwareDetails{Hostname: "from-hardwaredata"}
	}))
	if r.Status.HardwareDetails == nil || r.Status.HardwareDetails.Hostname != "from-hardwaredata" {
		t.Errorf("status.hardware %+v, want the HardwareData's", r.Status.HardwareDetails)
	}
	r = decide(t, input(moved(withHW), node(available, poweredOn)))
	if r.Status.HardwareDetails == nil || r.Status.HardwareDetails.Hostname != "from-annotation" {
		t.Errorf("without HardwareData status.hardware %+v, want the annotation's", r.Status.HardwareDetails)
	}
}

func TestAnUndecodableStatusAnnotationNeverMakesTheHostNew(t *testing.T) {
	const bad = `{"provisioning":{"state":"provisioned"`
	h := moved(bad)
	r := decide(t, input(h, node(active, poweredOn)))
	if r.Action.Kind != ActionNone {
		t.Fatalf("action %s, want none until the annotation is fixed", r.Action.Kind)
	}
	if r.Status.Provisioning.State != stNone || r.Status.ErrorType == "" || !contains(r.Status.ErrorMessage, StatusAnnotation) {
		t.Errorf("status %q / %q: %q; want no state and an error naming the annotation",
			r.Status.Provisioning.State, r.Status.ErrorType, r.Status.ErrorMessage)
	}
	if slices.Contains(r.RemoveAnnotations, StatusAnnotation) {
		t.Error("the undecodable annotation was removed")
	}
	if !hasEvent(r, eventReasonForError(r.Status.ErrorType)) {
		t.Errorf("events %v, want a warning", eventReasons(r))
	}
	// The error status was written (lastUpdated set): the host is still not new.
	h.Status = r.Status
	for _, later := range []Input{input(h, node(active, poweredOn), now(at(10*time.Minute))), input(h, nil, now(at(20*time.Minute)))} {
		r = decide(t, later)
		if r.Action.Kind != ActionNone || r.Status.Provisioning.State != stNone {
			t.Errorf("after the error was written: action %q state %q, want none and no state", r.Action.Kind, r.Status.Provisioning.State)
		}
	}
}

func TestADeletedHostWithAnUndecodableStatusAnnotationGoesWithoutTouchingItsNode(t *testing.T) {
	r := decide(t, input(moved("not json", deleted), node(active, poweredOn)))
	if r.Action.Kind != ActionNone || !r.RemoveFinalizer {
		t.Errorf("action %q remove %v, want no action and the finalizer removed", r.Action.Kind, r.RemoveFinalizer)
	}
}

func TestAStaleStatusAnnotationOnAHostWithAStateIsDropped(t *testing.T) {
	h := host(stAvailable, annotated(StatusAnnotation, capm3Status))
	r := decide(t, input(h, node(available)))
	if r.Status.Provisioning.State != stAvailable || !slices.Contains(r.RemoveAnnotations, StatusAnnotation) {
		t.Errorf("state %q, removed %v; want available kept and the annotation dropped", r.Status.Provisioning.State, r.RemoveAnnotations)
	}
}

func TestNeedsHardwareDataOnlyBeforeARestore(t *testing.T) {
	if !NeedsHardwareData(moved(capm3Status)) {
		t.Error("a moved host about to be restored does not ask for its HardwareData")
	}
	if NeedsHardwareData(host(stAvailable, annotated(StatusAnnotation, capm3Status))) || NeedsHardwareData(host(stNone)) {
		t.Error("a host with a state, or without the annotation, asks for its HardwareData")
	}
}

func eventReasons(r Result) []string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Reason)
	}
	return out
}

func hasEvent(r Result, reason string) bool { return slices.Contains(eventReasons(r), reason) }
