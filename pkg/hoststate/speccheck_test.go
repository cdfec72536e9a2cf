package hoststate

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

func TestValidateBootSettings(t *testing.T) {
	mac := func(m string) hostOpt { return func(h *metal3.BareMetalHost) { h.Spec.BootMACAddress = m } }
	secureBoot := func(h *metal3.BareMetalHost) { h.Spec.BootMode = metal3.BootModeUEFISecureBoot }
	inspectAnnotation := func(h *metal3.BareMetalHost) {
		h.Annotations = map[string]string{InspectAnnotation: "disabled"}
	}
	for _, tc := range []struct {
		name    string
		address string
		opts    []hostOpt
		want    string
	}{
		{"ipmi with a boot MAC", "ipmi://10.0.0.1", nil, ""},
		{"ipmi without a boot MAC", "ipmi://10.0.0.1", []hostOpt{mac("")}, "BMC driver ipmi requires a BootMACAddress value"},
		{"a bare host is ipmi", "10.0.0.1:623", []hostOpt{mac(" ")}, "BMC driver ipmi requires a BootMACAddress value"},
		{"redfish (iPXE) without a boot MAC", "redfish+http://10.0.0.1/redfish/v1/Systems/1", []hostOpt{mac("")},
			"BMC driver redfish+http requires a BootMACAddress value"},
		{"virtual media without a boot MAC", "redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1", []hostOpt{mac("")}, ""},
		{"virtual media, inspection disabled, no boot MAC", "redfish-virtualmedia://10.0.0.1/redfish/v1/Systems/1",
			[]hostOpt{mac(""), noInspection}, "BMC driver redfish-virtualmedia requires a BootMACAddress value"},
		{"virtual media, inspect annotation disabled, no boot MAC", "idrac-virtualmedia://10.0.0.1/redfish/v1/Systems/1",
			[]hostOpt{mac(""), inspectAnnotation}, "BMC driver idrac-virtualmedia requires a BootMACAddress value"},
		{"secure boot with redfish", "redfish://10.0.0.1/redfish/v1/Systems/1", []hostOpt{secureBoot}, ""},
		{"secure boot with ipmi", "ipmi://10.0.0.1", []hostOpt{secureBoot}, "BMC driver ipmi does not support secure boot"},
		{"secure boot with libvirt", "libvirt://10.0.0.1", []hostOpt{secureBoot}, "BMC driver libvirt does not support secure boot"},
		{"secure boot with fake hardware", "fake://x", []hostOpt{secureBoot}, "BMC driver fake does not support secure boot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := host(stNone, append([]hostOpt{bmcAt(tc.address)}, tc.opts...)...)
			access, err := bmc.Parse(tc.address, false)
			if err != nil {
				t.Fatal(err)
			}
			assertError(t, ValidateBootSettings(h, access), tc.want)
		})
	}
}

func TestValidateRootDeviceHints(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hints *metal3.RootDeviceHints
		want  string
	}{
		{"no hints", nil, ""},
		{"no device name", &metal3.RootDeviceHints{MinSizeGigabytes: 10}, ""},
		{"a device in /dev", &metal3.RootDeviceHints{DeviceName: "/dev/sda"}, ""},
		{"a by-path link", &metal3.RootDeviceHints{DeviceName: "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"}, ""},
		{"a bare name", &metal3.RootDeviceHints{DeviceName: "sda"}, `device name of root device hint must be a /dev/ path, not "sda"`},
		{"a by-id link", &metal3.RootDeviceHints{DeviceName: "/dev/disk/by-id/wwn-0x5"},
			`device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "/dev/disk/by-id/wwn-0x5"`},
	} {
		t.Run(tc.name, func(t *testing.T) { assertError(t, ValidateRootDeviceHints(tc.hints), tc.want) })
	}
}

func assertError(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected error %v", err)
	case want != "" && (err == nil || err.Error() != want):
		t.Errorf("error %v, want %q", err, want)
	}
}

// A host stored before the API server's rules existed: the controller refuses it with the same
// words, and leaves an existing node alone.
func TestHostsTheAdmissionRulesWouldRefuse(t *testing.T) {
	noMAC := func(h *metal3.BareMetalHost) { h.Spec.BootMACAddress = "" }
	ipmi := bmcAt("ipmi://10.0.0.6")
	badHint := func(h *metal3.BareMetalHost) { h.Spec.RootDeviceHints = &metal3.RootDeviceHints{DeviceName: "sda"} }
	runTable(t, []row{
		{"a new ipmi host without a boot MAC is a registration error", host(stNone, ipmi, noMAC), nil, nil,
			failure(stRegistering, metal3.RegistrationError)},
		{"a registered ipmi host without a boot MAC keeps its node", host(stRegistering, ipmi, noMAC), node(enroll, registeredAt("ipmi://10.0.0.6"), withoutBootPort), nil,
			do(ActionManage, stRegistering)},
		{"an available host with a bare device name hint is a provisioning error", host(stAvailable, image(imgA), badHint), node(available), nil,
			failure(stAvailable, metal3.ProvisioningError)},
	})
	r := decide(t, input(host(stNone, ipmi, noMAC), nil))
	c := findCondition(r.Status.Conditions, ConditionSettled)
	if c == nil || c.Reason != ReasonInvalidSpec || r.Status.ErrorMessage != "BMC driver ipmi requires a BootMACAddress value" {
		t.Errorf("condition %+v, errorMessage %q", c, r.Status.ErrorMessage)
	}
}

func findCondition(cs []metav1.Condition, typ string) *metav1.Condition {
	for i := range cs {
		if cs[i].Type == typ {
			return &cs[i]
		}
	}
	return nil
}
