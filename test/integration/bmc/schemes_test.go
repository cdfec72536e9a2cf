package bmc

import (
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/redfishsim"
)

// scheme is one BMC address scheme of pkg/bmc and what registering a host with it against the
// matching simulator must give.
type scheme struct {
	name string
	// address returns the host's BMC address, its boot MAC and its credentials.
	address func(t *testing.T) (address, mac, user, password string)
	// driver and boot are the Ironic hardware type and boot interface the node must get.
	driver, boot string
	// refused, when set, is text the registration error must contain: Ironic 21.4 cannot
	// register the scheme.
	refused string
}

func ipmiScheme(prefix string) func(t *testing.T) (string, string, string, string) {
	return ipmiSchemeWith(prefix, "")
}

// ipmiSchemeWith is ipmiScheme with text after host:port (a path, a query).
func ipmiSchemeWith(prefix, suffix string) func(t *testing.T) (string, string, string, string) {
	return func(t *testing.T) (string, string, string, string) {
		b := startIPMI(t)
		return prefix + b.HostPort() + suffix, bootMAC(), b.Username(), b.Password()
	}
}

func redfishScheme(scheme string) func(t *testing.T) (string, string, string, string) {
	return func(t *testing.T) (string, string, string, string) {
		sim := redfishHTTPS
		if strings.HasSuffix(scheme, "+http") {
			sim = redfishHTTP
		}
		id, macs := redfishSystem(t, sim)
		return redfishAddress(scheme, sim, id), macs[0], redfishUser, redfishPassword
	}
}

var schemes = []scheme{
	{name: "ipmi", address: ipmiScheme("ipmi://"), driver: "ipmi", boot: "ipxe"},
	{name: "bare host:port", address: ipmiScheme(""), driver: "ipmi", boot: "ipxe"},
	{name: "libvirt", address: ipmiScheme("libvirt://"), driver: "ipmi", boot: "ipxe"},
	// Forms metal3 accepts as well: no "//" after the scheme, query parameters it ignores.
	{name: "ipmi: without slashes", address: ipmiScheme("ipmi:"), driver: "ipmi", boot: "ipxe"},
	{name: "libvirt with a query", address: ipmiSchemeWith("libvirt://", "/?abc=def"), driver: "ipmi", boot: "ipxe"},
	{name: "redfish", address: redfishScheme("redfish"), driver: "redfish", boot: "ipxe"},
	{name: "redfish+http", address: redfishScheme("redfish+http"), driver: "redfish", boot: "ipxe"},
	{name: "redfish+https", address: redfishScheme("redfish+https"), driver: "redfish", boot: "ipxe"},
	{name: "redfish-virtualmedia", address: redfishScheme("redfish-virtualmedia"), driver: "redfish", boot: "redfish-virtual-media"},
	{name: "redfish-uefihttp", address: redfishScheme("redfish-uefihttp"), driver: "redfish", boot: "redfish-https",
		// Ironic 21.4 has no redfish-https boot interface (UEFI HTTP boot came later).
		refused: "redfish-https"},
	{name: "idrac-redfish", address: redfishScheme("idrac-redfish"), driver: "idrac", boot: "ipxe"},
	{name: "idrac-virtualmedia", address: redfishScheme("idrac-virtualmedia"), driver: "idrac", boot: "idrac-redfish-virtual-media"},
	{name: "ilo5-redfish", address: redfishScheme("ilo5-redfish"), driver: "redfish", boot: "ipxe"},
	{name: "ilo5-virtualmedia", address: redfishScheme("ilo5-virtualmedia"), driver: "redfish", boot: "redfish-virtual-media"},
}

// TestEveryBMCSchemeRegistersAgainstItsSimulator creates one host per scheme (ipmi ones against
// ipmi_sim, Redfish ones against the Redfish simulator, over HTTPS with
// disableCertificateVerification unless the scheme says +http) and waits until Ironic verified
// BMC access: good credentials and a state past registering.
func TestEveryBMCSchemeRegistersAgainstItsSimulator(t *testing.T) {
	for _, sc := range schemes {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			name := "scheme-" + strings.NewReplacer(" ", "-", ":", "", "+", "-").Replace(sc.name)
			address, mac, user, password := sc.address(t)
			createHost(t, name, address, mac, user, password, noInspection, skipVerification)
			if sc.refused != "" {
				h := sys.WaitForHost(t, name, registerTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
					return h.Status.ErrorType == metal3.RegistrationError
				})
				if !strings.Contains(h.Status.ErrorMessage, sc.refused) || h.Status.GoodCredentials.Reference != nil {
					t.Errorf("registration error %q (good credentials %+v), want one naming %q", h.Status.ErrorMessage, h.Status.GoodCredentials, sc.refused)
				}
				t.Logf("%s: refused as expected: %s", address, h.Status.ErrorMessage)
				return
			}
			h := waitRegistered(t, name)
			elapsed(t, address+" registered", start)
			n := node(t, h)
			if n.Driver != sc.driver || n.BootInterface != sc.boot {
				t.Errorf("node driver %q boot interface %q, want %q and %q", n.Driver, n.BootInterface, sc.driver, sc.boot)
			}
			switch n.ProvisionState {
			case "manageable", "cleaning", "available":
			default:
				t.Errorf("node is %q after registration; last error %q", n.ProvisionState, n.LastError)
			}
		})
	}
}

// TestARedfishAddressWithoutASystemPathNeedsABMCWithOneSystem registers redfish+http://host:port
// hosts: with no path, or a path that is only the service root (/redfish/v1, as metal3 allows),
// pkg/bmc leaves redfish_system_id out and Ironic uses the BMC's only system, which works
// against a one-system BMC and fails clearly against a BMC with several.
func TestARedfishAddressWithoutASystemPathNeedsABMCWithOneSystem(t *testing.T) {
	for _, form := range []struct{ name, host, prefix, path string }{
		{"one system", "nopath-one", "redfish+http://", ""},
		{"one system, service root without slashes", "nopath-root", "redfish+http:", "/redfish/v1/"},
	} {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			name := form.host
			single, err := redfishsim.Start(redfishsim.Options{Systems: 1, Username: redfishUser, Password: redfishPassword})
			if err != nil {
				t.Fatalf("starting a Redfish simulator: %v", err)
			}
			t.Cleanup(func() { _ = single.Close() })
			id, macs := redfishSystem(t, single)
			createHost(t, name, form.prefix+single.Host()+form.path, macs[0], redfishUser, redfishPassword, noInspection)
			h := waitRegistered(t, name)
			if sid, ok := node(t, h).DriverInfo["redfish_system_id"]; ok {
				t.Errorf("driver_info has redfish_system_id %v although the address names no system", sid)
			}
			if resets := single.ResetHistory(id); len(resets) != 0 {
				t.Errorf("registration reset the system: %q", resets)
			}
		})
	}
	t.Run("several systems", func(t *testing.T) {
		t.Parallel()
		const name = "nopath-several"
		_, macs := redfishSystem(t, redfishHTTP)
		createHost(t, name, "redfish+http://"+redfishHTTP.Host(), macs[0], redfishUser, redfishPassword, noInspection)
		h := sys.WaitForHost(t, name, registerTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
			return h.Status.ErrorType == metal3.RegistrationError
		})
		if !strings.Contains(h.Status.ErrorMessage, "System count is not exactly one") {
			t.Errorf("registration error %q does not say that the BMC has several systems", h.Status.ErrorMessage)
		}
	})
}

// TestWrongBMCCredentialsAreReportedAndFixedCredentialsAccepted registers a redfish host with a
// wrong password: the simulator refuses it, the host reports a registration error and has no
// good credentials; once the Secret holds the right password the host registers.
func TestWrongBMCCredentialsAreReportedAndFixedCredentialsAccepted(t *testing.T) {
	t.Parallel()
	const name = "wrong-password"
	id, macs := redfishSystem(t, redfishHTTP)
	createHost(t, name, redfishAddress("redfish+http", redfishHTTP, id), macs[0], redfishUser, "not-"+redfishPassword, noInspection)
	h := sys.WaitForHost(t, name, registerTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	if h.Status.GoodCredentials.Reference != nil || !strings.Contains(h.Status.ErrorMessage, "401") {
		t.Errorf("wrong password: error %q, good credentials %+v", h.Status.ErrorMessage, h.Status.GoodCredentials)
	}
	if strings.Contains(h.Status.ErrorMessage, "not-"+redfishPassword) {
		t.Errorf("the error message holds the password: %q", h.Status.ErrorMessage)
	}
	t.Logf("status.errorMessage: %s", h.Status.ErrorMessage)

	start := time.Now()
	sys.Credentials(t, name+"-bmc", redfishUser, redfishPassword)
	h = waitRegistered(t, name)
	elapsed(t, "fixed Secret to registered", start)
	if h.Status.ErrorType != "" || h.Status.GoodCredentials.Reference == nil || h.Status.GoodCredentials.Reference.Name != name+"-bmc" {
		t.Errorf("after fixing the password: error %q %q, good credentials %+v", h.Status.ErrorType, h.Status.ErrorMessage, h.Status.GoodCredentials)
	}
}
