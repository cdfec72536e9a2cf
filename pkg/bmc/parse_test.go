package bmc_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/bmc"
)

var creds = bmc.Credentials{Username: "admin", Password: "s3cr3t-Passw0rd"}

// observed is everything Parse's result exposes, so one cmp.Diff covers it.
type observed struct {
	Type               string
	Driver             string
	DriverInfo         map[string]interface{}
	Interfaces         bmc.Interfaces
	NeedsMAC           bool
	SupportsSecureBoot bool
	String             string
}

func observe(a *bmc.AccessDetails) observed {
	return observed{
		Type:               a.Type(),
		Driver:             a.Driver(),
		DriverInfo:         a.DriverInfo(creds),
		Interfaces:         a.Interfaces(),
		NeedsMAC:           a.NeedsMAC(),
		SupportsSecureBoot: a.SupportsSecureBoot(),
		String:             a.String(),
	}
}

var (
	ipmiInterfaces = bmc.Interfaces{Boot: "ipxe", Deploy: "direct", Management: "ipmitool", Power: "ipmitool"}
	fakeInterfaces = bmc.Interfaces{
		Boot: "fake", Deploy: "fake", Inspect: "fake", Management: "fake",
		Power: "fake", RAID: "fake", BIOS: "fake", Vendor: "fake",
	}
	fakeAgentInterfaces = bmc.Interfaces{
		Boot: "fake", Deploy: "direct", Inspect: "fake", Management: "fake",
		Power: "fake", RAID: "fake", BIOS: "fake", Vendor: "fake",
	}
)

func redfishInterfaces(boot string) bmc.Interfaces {
	return bmc.Interfaces{
		Boot: boot, Deploy: "direct", Inspect: "redfish", Management: "redfish",
		Power: "redfish", RAID: "redfish", BIOS: "redfish", Vendor: "redfish",
	}
}

func idracInterfaces(boot string) bmc.Interfaces {
	return bmc.Interfaces{
		Boot: boot, Deploy: "direct", Inspect: "idrac-redfish", Management: "idrac-redfish",
		Power: "idrac-redfish", RAID: "idrac-redfish", BIOS: "idrac-redfish", Vendor: "idrac-redfish",
	}
}

func ipmiInfo(address string, port int, priv string) map[string]interface{} {
	return map[string]interface{}{
		"ipmi_address":    address,
		"ipmi_port":       port,
		"ipmi_username":   creds.Username,
		"ipmi_password":   creds.Password,
		"ipmi_priv_level": priv,
	}
}

// redfishInfo builds redfish driver_info; an empty systemID is omitted and
// noVerify adds redfish_verify_ca=false.
func redfishInfo(address, systemID string, noVerify bool) map[string]interface{} {
	info := map[string]interface{}{
		"redfish_address":  address,
		"redfish_username": creds.Username,
		"redfish_password": creds.Password,
	}
	if systemID != "" {
		info["redfish_system_id"] = systemID
	}
	if noVerify {
		info["redfish_verify_ca"] = false
	}
	return info
}

func TestParseAcceptsEverySupportedScheme(t *testing.T) {
	const sys1 = "/redfish/v1/Systems/1"
	tests := []struct {
		name    string
		address string
		noCA    bool
		want    observed
	}{
		// ipmi and bare host[:port].
		{
			name:    "a bare IPv4 address is ipmi on the default port 623",
			address: "192.168.122.1",
			want: observed{"ipmi", "ipmi", ipmiInfo("192.168.122.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://192.168.122.1"},
		},
		{
			name:    "a bare hostname with a port is ipmi on that port",
			address: "bmc-0.example.com:6231",
			want: observed{"ipmi", "ipmi", ipmiInfo("bmc-0.example.com", 6231, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://bmc-0.example.com:6231"},
		},
		{
			name:    "a bare bracketed IPv6 address with a port is ipmi without brackets in driver_info",
			address: "[::1]:6230",
			want: observed{"ipmi", "ipmi", ipmiInfo("::1", 6230, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://[::1]:6230"},
		},
		{
			name:    "a bare bracketed IPv6 address without a port uses port 623",
			address: "[fd00::1]",
			want: observed{"ipmi", "ipmi", ipmiInfo("fd00::1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://[fd00::1]"},
		},
		{
			name:    "an ipmi URL without a port defaults to port 623",
			address: "ipmi://10.0.0.1",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1"},
		},
		{
			name:    "an ipmi URL keeps an explicit port",
			address: "ipmi://10.0.0.1:6232",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 6232, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1:6232"},
		},
		{
			name:    "an ipmi URL with an IPv6 literal drops the brackets from ipmi_address",
			address: "ipmi://[fe80::1]:623",
			want: observed{"ipmi", "ipmi", ipmiInfo("fe80::1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://[fe80::1]:623"},
		},
		{
			name:    "an ipmi URL with only a trailing slash is accepted",
			address: "ipmi://10.0.0.1/",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1"},
		},
		{
			name:    "an ipmi privilegelevel query sets ipmi_priv_level in upper case",
			address: "ipmi://10.0.0.1?privilegelevel=operator",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "OPERATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1?privilegelevel=OPERATOR"},
		},
		{
			name:    "an upper-case scheme is matched case-insensitively and reported in lower case",
			address: "IPMI://10.0.0.1",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1"},
		},
		{
			name:    "ipmi ignores disabled certificate verification",
			address: "ipmi://10.0.0.1",
			noCA:    true,
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1"},
		},
		// Forms metal3 accepts: a known scheme without "//", query parameters other than
		// privilegelevel on ipmi and libvirt (ignored), a Redfish path that is only the
		// service root (no system: Ironic uses the BMC's only one).
		{
			name:    "ipmi:host without slashes is an ipmi URL",
			address: "ipmi:192.168.122.1",
			want: observed{"ipmi", "ipmi", ipmiInfo("192.168.122.1", 623, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://192.168.122.1"},
		},
		{
			name:    "ipmi:host:port without slashes keeps its port",
			address: "ipmi:192.168.122.1:6233",
			want: observed{"ipmi", "ipmi", ipmiInfo("192.168.122.1", 6233, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "ipmi://192.168.122.1:6233"},
		},
		{
			name:    "redfish:host/path without slashes is a redfish URL",
			address: "Redfish:bmc.example.com/redfish/v1/Systems/1",
			want: observed{"redfish", "redfish", redfishInfo("https://bmc.example.com", "/redfish/v1/Systems/1", false),
				redfishInterfaces("ipxe"), true, true, "redfish://bmc.example.com/redfish/v1/Systems/1"},
		},
		{
			name:    "redfish:host without slashes or path names no system",
			address: "redfish:192.168.122.1",
			want: observed{"redfish", "redfish", redfishInfo("https://192.168.122.1", "", false),
				redfishInterfaces("ipxe"), true, true, "redfish://192.168.122.1"},
		},
		{
			name:    "a libvirt URL with query parameters ignores them",
			address: "libvirt://192.168.122.1:6233/?abc=def",
			want: observed{"libvirt", "ipmi", ipmiInfo("192.168.122.1", 6233, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "libvirt://192.168.122.1:6233"},
		},
		{
			name:    "an ipmi URL keeps privilegelevel among other query parameters",
			address: "ipmi://10.0.0.1?cipher=3&privilegelevel=user",
			want: observed{"ipmi", "ipmi", ipmiInfo("10.0.0.1", 623, "USER"),
				ipmiInterfaces, true, false, "ipmi://10.0.0.1?privilegelevel=USER"},
		},
		{
			name:    "a redfish path that is only the service root names no system",
			address: "redfish-virtualmedia://10.0.0.5/redfish/v1/",
			want: observed{"redfish-virtualmedia", "redfish", redfishInfo("https://10.0.0.5", "", false),
				redfishInterfaces("redfish-virtual-media"), false, true, "redfish-virtualmedia://10.0.0.5/redfish/v1/"},
		},
		// libvirt (virtualbmc).
		{
			name:    "a libvirt URL is ipmi to a virtualbmc on the default port 6230",
			address: "libvirt://192.168.122.1/",
			want: observed{"libvirt", "ipmi", ipmiInfo("192.168.122.1", 6230, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "libvirt://192.168.122.1"},
		},
		{
			name:    "a libvirt URL keeps an explicit virtualbmc port",
			address: "libvirt://192.168.122.1:6233/",
			want: observed{"libvirt", "ipmi", ipmiInfo("192.168.122.1", 6233, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "libvirt://192.168.122.1:6233"},
		},
		{
			name:    "a libvirt URL with an IPv6 literal drops the brackets from ipmi_address",
			address: "libvirt://[fd2e:6f44:5dd8::1]:6230",
			want: observed{"libvirt", "ipmi", ipmiInfo("fd2e:6f44:5dd8::1", 6230, "ADMINISTRATOR"),
				ipmiInterfaces, true, false, "libvirt://[fd2e:6f44:5dd8::1]:6230"},
		},
		// redfish.
		{
			name:    "a redfish URL uses https and the path as the system id",
			address: "redfish://bmc.example.com" + sys1,
			want: observed{"redfish", "redfish", redfishInfo("https://bmc.example.com", sys1, false),
				redfishInterfaces("ipxe"), true, true, "redfish://bmc.example.com" + sys1},
		},
		{
			name:    "a redfish URL without a path omits the system id",
			address: "redfish://10.0.0.1",
			want: observed{"redfish", "redfish", redfishInfo("https://10.0.0.1", "", false),
				redfishInterfaces("ipxe"), true, true, "redfish://10.0.0.1"},
		},
		{
			name:    "a redfish URL whose path is only a slash omits the system id",
			address: "redfish://10.0.0.1/",
			want: observed{"redfish", "redfish", redfishInfo("https://10.0.0.1", "", false),
				redfishInterfaces("ipxe"), true, true, "redfish://10.0.0.1/"},
		},
		{
			name:    "a redfish+http URL uses an http redfish_address",
			address: "redfish+http://10.0.0.1:8000" + sys1,
			want: observed{"redfish+http", "redfish", redfishInfo("http://10.0.0.1:8000", sys1, false),
				redfishInterfaces("ipxe"), true, true, "redfish+http://10.0.0.1:8000" + sys1},
		},
		{
			name:    "a redfish+https URL uses an https redfish_address with its port",
			address: "redfish+https://10.0.0.1:8443" + sys1,
			want: observed{"redfish+https", "redfish", redfishInfo("https://10.0.0.1:8443", sys1, false),
				redfishInterfaces("ipxe"), true, true, "redfish+https://10.0.0.1:8443" + sys1},
		},
		{
			name:    "redfish with certificate verification disabled sets redfish_verify_ca to false",
			address: "redfish://10.0.0.1" + sys1,
			noCA:    true,
			want: observed{"redfish", "redfish", redfishInfo("https://10.0.0.1", sys1, true),
				redfishInterfaces("ipxe"), true, true, "redfish://10.0.0.1" + sys1},
		},
		{
			name:    "a redfish URL with an IPv6 literal keeps the brackets in redfish_address",
			address: "redfish://[2001:db8::5]" + sys1,
			want: observed{"redfish", "redfish", redfishInfo("https://[2001:db8::5]", sys1, false),
				redfishInterfaces("ipxe"), true, true, "redfish://[2001:db8::5]" + sys1},
		},
		{
			name:    "a redfish+http URL with an IPv6 literal and a port keeps both",
			address: "redfish+http://[2001:db8::5]:8000" + sys1,
			want: observed{"redfish+http", "redfish", redfishInfo("http://[2001:db8::5]:8000", sys1, false),
				redfishInterfaces("ipxe"), true, true, "redfish+http://[2001:db8::5]:8000" + sys1},
		},
		{
			name:    "a redfish system id with percent escapes is passed on as written",
			address: "redfish://10.0.0.1/redfish/v1/Systems/System.Embedded%2D1",
			want: observed{"redfish", "redfish",
				redfishInfo("https://10.0.0.1", "/redfish/v1/Systems/System.Embedded%2D1", false),
				redfishInterfaces("ipxe"), true, true, "redfish://10.0.0.1/redfish/v1/Systems/System.Embedded%2D1"},
		},
		// redfish virtual media.
		{
			name:    "redfish-virtualmedia boots from virtual media and needs no MAC",
			address: "redfish-virtualmedia://10.0.0.1" + sys1,
			want: observed{"redfish-virtualmedia", "redfish", redfishInfo("https://10.0.0.1", sys1, false),
				redfishInterfaces("redfish-virtual-media"), false, true, "redfish-virtualmedia://10.0.0.1" + sys1},
		},
		{
			name:    "redfish-virtualmedia+http uses an http redfish_address",
			address: "redfish-virtualmedia+http://10.0.0.1:8000" + sys1,
			want: observed{"redfish-virtualmedia+http", "redfish", redfishInfo("http://10.0.0.1:8000", sys1, false),
				redfishInterfaces("redfish-virtual-media"), false, true, "redfish-virtualmedia+http://10.0.0.1:8000" + sys1},
		},
		{
			name:    "redfish-virtualmedia+https with certificate verification disabled sets redfish_verify_ca",
			address: "redfish-virtualmedia+https://[2001:db8::5]" + sys1,
			noCA:    true,
			want: observed{"redfish-virtualmedia+https", "redfish", redfishInfo("https://[2001:db8::5]", sys1, true),
				redfishInterfaces("redfish-virtual-media"), false, true, "redfish-virtualmedia+https://[2001:db8::5]" + sys1},
		},
		// redfish UEFI HTTP boot.
		{
			name:    "redfish-uefihttp boots over UEFI HTTP and needs no MAC",
			address: "redfish-uefihttp://10.0.0.1" + sys1,
			want: observed{"redfish-uefihttp", "redfish", redfishInfo("https://10.0.0.1", sys1, false),
				redfishInterfaces("redfish-https"), false, true, "redfish-uefihttp://10.0.0.1" + sys1},
		},
		{
			name:    "redfish-uefihttp+http uses an http redfish_address",
			address: "redfish-uefihttp+http://10.0.0.1" + sys1,
			want: observed{"redfish-uefihttp+http", "redfish", redfishInfo("http://10.0.0.1", sys1, false),
				redfishInterfaces("redfish-https"), false, true, "redfish-uefihttp+http://10.0.0.1" + sys1},
		},
		{
			name:    "redfish-uefihttp+https uses an https redfish_address",
			address: "redfish-uefihttp+https://10.0.0.1:443" + sys1,
			want: observed{"redfish-uefihttp+https", "redfish", redfishInfo("https://10.0.0.1:443", sys1, false),
				redfishInterfaces("redfish-https"), false, true, "redfish-uefihttp+https://10.0.0.1:443" + sys1},
		},
		// iLO 5 over Redfish: the generic redfish hardware type, as in metal3.
		{
			name:    "ilo5-redfish uses the generic redfish driver with iPXE boot",
			address: "ilo5-redfish://ilo.example.com" + sys1,
			want: observed{"ilo5-redfish", "redfish", redfishInfo("https://ilo.example.com", sys1, false),
				redfishInterfaces("ipxe"), true, true, "ilo5-redfish://ilo.example.com" + sys1},
		},
		{
			name:    "ilo5-redfish+http uses an http redfish_address",
			address: "ilo5-redfish+http://ilo.example.com" + sys1,
			want: observed{"ilo5-redfish+http", "redfish", redfishInfo("http://ilo.example.com", sys1, false),
				redfishInterfaces("ipxe"), true, true, "ilo5-redfish+http://ilo.example.com" + sys1},
		},
		{
			name:    "ilo5-virtualmedia uses the generic redfish driver with virtual media boot",
			address: "ilo5-virtualmedia://ilo.example.com" + sys1,
			noCA:    true,
			want: observed{"ilo5-virtualmedia", "redfish", redfishInfo("https://ilo.example.com", sys1, true),
				redfishInterfaces("redfish-virtual-media"), false, true, "ilo5-virtualmedia://ilo.example.com" + sys1},
		},
		{
			name:    "ilo5-virtualmedia+https uses an https redfish_address",
			address: "ilo5-virtualmedia+https://ilo.example.com" + sys1,
			want: observed{"ilo5-virtualmedia+https", "redfish", redfishInfo("https://ilo.example.com", sys1, false),
				redfishInterfaces("redfish-virtual-media"), false, true, "ilo5-virtualmedia+https://ilo.example.com" + sys1},
		},
		// iDRAC: the idrac hardware type with its Redfish interfaces, as in metal3.
		{
			name:    "idrac-redfish uses the idrac driver with idrac-redfish interfaces and iPXE boot",
			address: "idrac-redfish://idrac.example.com/redfish/v1/Systems/System.Embedded.1",
			want: observed{"idrac-redfish", "idrac",
				redfishInfo("https://idrac.example.com", "/redfish/v1/Systems/System.Embedded.1", false),
				idracInterfaces("ipxe"), true, true,
				"idrac-redfish://idrac.example.com/redfish/v1/Systems/System.Embedded.1"},
		},
		{
			name:    "idrac-redfish+http uses an http redfish_address",
			address: "idrac-redfish+http://10.0.0.1:8000" + sys1,
			want: observed{"idrac-redfish+http", "idrac", redfishInfo("http://10.0.0.1:8000", sys1, false),
				idracInterfaces("ipxe"), true, true, "idrac-redfish+http://10.0.0.1:8000" + sys1},
		},
		{
			name:    "idrac-virtualmedia boots from iDRAC virtual media and needs no MAC",
			address: "idrac-virtualmedia://10.0.0.1" + sys1,
			noCA:    true,
			want: observed{"idrac-virtualmedia", "idrac", redfishInfo("https://10.0.0.1", sys1, true),
				idracInterfaces("idrac-redfish-virtual-media"), false, true, "idrac-virtualmedia://10.0.0.1" + sys1},
		},
		{
			name:    "idrac-virtualmedia+https with an IPv6 literal keeps the brackets",
			address: "idrac-virtualmedia+https://[2001:db8::5]:443" + sys1,
			want: observed{"idrac-virtualmedia+https", "idrac", redfishInfo("https://[2001:db8::5]:443", sys1, false),
				idracInterfaces("idrac-redfish-virtual-media"), false, true, "idrac-virtualmedia+https://[2001:db8::5]:443" + sys1},
		},
		// fake.
		{
			name:    "a fake URL without a host uses fake-hardware with empty driver_info",
			address: "fake://",
			want: observed{"fake", "fake-hardware", map[string]interface{}{},
				fakeInterfaces, false, false, "fake://"},
		},
		{
			name:    "a fake URL with a host and path ignores both and disabled verification",
			address: "fake://host-0:1234/anything",
			noCA:    true,
			want: observed{"fake", "fake-hardware", map[string]interface{}{},
				fakeInterfaces, false, false, "fake://host-0:1234/anything"},
		},
		{
			name:    "a fake-agent URL is fake-hardware with the direct deploy interface",
			address: "fake-agent://host-1",
			want: observed{"fake-agent", "fake-hardware", map[string]interface{}{},
				fakeAgentInterfaces, false, false, "fake-agent://host-1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := bmc.Parse(tc.address, tc.noCA)
			if err != nil {
				t.Fatalf("Parse(%q) failed: %v", tc.address, err)
			}
			if diff := cmp.Diff(tc.want, observe(a)); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tc.address, diff)
			}
			// String is canonical: parsing it again gives the same result.
			again, err := bmc.Parse(a.String(), tc.noCA)
			if err != nil {
				t.Fatalf("re-parsing String() %q failed: %v", a.String(), err)
			}
			if diff := cmp.Diff(observe(a), observe(again)); diff != "" {
				t.Errorf("String() %q does not round-trip (-first +second):\n%s", a.String(), diff)
			}
		})
	}
}

func TestParseRejectsMalformedAddresses(t *testing.T) {
	tests := []struct {
		name    string
		address string
		reason  string
		// mention must appear in the message; secret must not.
		mention, secret string
	}{
		{name: "an empty address is rejected", address: "", reason: bmc.ReasonEmpty, mention: "empty"},
		{name: "a leading space is rejected", address: " ipmi://10.0.0.1", reason: bmc.ReasonInvalidCharacter, mention: "whitespace"},
		{name: "a trailing newline is rejected", address: "ipmi://10.0.0.1\n", reason: bmc.ReasonInvalidCharacter, mention: "whitespace"},
		{name: "a space inside the host is rejected", address: "ipmi://bmc example.com", reason: bmc.ReasonInvalidCharacter, mention: "whitespace"},
		{name: "a tab in a redfish path is rejected", address: "redfish://h/redfish/v1/\tSystems/1", reason: bmc.ReasonInvalidCharacter, mention: "whitespace"},
		{name: "a control character is rejected", address: "ipmi://10.0.0.1\x00", reason: bmc.ReasonInvalidCharacter, mention: "control character"},
		{name: "a non-ASCII hostname is rejected", address: "ipmi://bmç.example.com", reason: bmc.ReasonInvalidCharacter, mention: "non-ASCII"},

		{name: "user and password in a redfish URL are rejected without echoing them", address: "redfish://root:Hunter2Secret@10.0.0.1/redfish/v1/Systems/1",
			reason: bmc.ReasonUserInfo, mention: "user information", secret: "Hunter2Secret"},
		{name: "user and password in an ipmi URL are rejected without echoing them", address: "ipmi://admin:Hunter2Secret@10.0.0.1",
			reason: bmc.ReasonUserInfo, mention: "user information", secret: "Hunter2Secret"},
		{name: "user and password in a bare address are rejected without echoing them", address: "admin:Hunter2Secret@10.0.0.1:623",
			reason: bmc.ReasonUserInfo, mention: "user information", secret: "Hunter2Secret"},
		{name: "a password containing a slash is rejected without echoing it", address: "redfish://root:Hunt/er2Secret@10.0.0.1",
			reason: bmc.ReasonUserInfo, mention: "user information", secret: "er2Secret"},
		{name: "a user name alone is rejected without echoing it", address: "idrac-redfish://operator_jane@10.0.0.1",
			reason: bmc.ReasonUserInfo, mention: "user information", secret: "operator_jane"},
		{name: "user information with an unknown scheme is rejected without echoing it", address: "foo://root:Hunter2Secret@h",
			reason: bmc.ReasonUserInfo, secret: "Hunter2Secret"},

		{name: "an unknown scheme is rejected", address: "foo://10.0.0.1", reason: bmc.ReasonUnknownScheme, mention: `"foo"`},
		{name: "https is not a BMC scheme", address: "https://10.0.0.1/redfish/v1", reason: bmc.ReasonUnknownScheme, mention: `"https"`},
		{name: "ipmi does not take an https suffix", address: "ipmi+https://10.0.0.1", reason: bmc.ReasonUnknownScheme, mention: `"ipmi+https"`},
		{name: "redfish does not take an ftp suffix", address: "redfish+ftp://10.0.0.1", reason: bmc.ReasonUnknownScheme, mention: `"redfish+ftp"`},
		{name: "the proliantutils ilo5 scheme is not supported", address: "ilo5://10.0.0.1", reason: bmc.ReasonUnknownScheme, mention: `"ilo5"`},
		{name: "the ilo4 scheme is not supported", address: "ilo4://10.0.0.1", reason: bmc.ReasonUnknownScheme, mention: `"ilo4"`},
		{name: "a scheme starting with a digit is rejected", address: "1redfish://10.0.0.1", reason: bmc.ReasonInvalidScheme, mention: `"1redfish"`},
		{name: "an empty scheme is rejected", address: "://10.0.0.1", reason: bmc.ReasonInvalidScheme},
		{name: "a known scheme with a colon and nothing after it is rejected", address: "ipmi:", reason: bmc.ReasonInvalidScheme, mention: `"://"`},
		{name: "a scheme with one slash is rejected", address: "redfish:/10.0.0.1/redfish/v1", reason: bmc.ReasonInvalidScheme, mention: `"://"`},

		{name: "an ipmi URL without a host is rejected", address: "ipmi://", reason: bmc.ReasonMissingHost, mention: "no host"},
		{name: "a redfish URL without a host is rejected", address: "redfish://", reason: bmc.ReasonMissingHost, mention: "no host"},
		{name: "a redfish URL with only a path is rejected", address: "redfish:///redfish/v1/Systems/1", reason: bmc.ReasonMissingHost, mention: "no host"},
		{name: "a port without a host is rejected", address: "ipmi://:623", reason: bmc.ReasonMissingHost, mention: "no host"},
		{name: "empty IPv6 brackets are rejected", address: "[]:623", reason: bmc.ReasonMissingHost, mention: "[]"},

		{name: "a port above 65535 is rejected", address: "ipmi://h:99999", reason: bmc.ReasonInvalidPort, mention: "99999"},
		{name: "a non-numeric port is rejected", address: "ipmi://h:abc", reason: bmc.ReasonInvalidPort, mention: `"abc"`},
		{name: "an empty port is rejected", address: "ipmi://h:", reason: bmc.ReasonInvalidPort, mention: "empty"},
		{name: "port zero is rejected", address: "ipmi://h:0", reason: bmc.ReasonInvalidPort, mention: "out of range"},
		{name: "a negative port is rejected", address: "ipmi://h:-1", reason: bmc.ReasonInvalidPort, mention: "not a number"},
		{name: "a huge port is rejected", address: "ipmi://h:99999999999999999999999", reason: bmc.ReasonInvalidPort, mention: "out of range"},
		{name: "a redfish port above 65535 is rejected", address: "redfish://h:65536/redfish/v1/Systems/1", reason: bmc.ReasonInvalidPort, mention: "65536"},
		{name: "a bare IPv6 address with a bad port is rejected", address: "[::1]:99999", reason: bmc.ReasonInvalidPort, mention: "99999"},
		{name: "a bare host with a bad port is rejected", address: "bmc.example.com:ipmi", reason: bmc.ReasonInvalidPort, mention: `"ipmi"`},

		{name: "an ipmi URL with a path is rejected", address: "ipmi://10.0.0.1/some/path", reason: bmc.ReasonUnexpectedPath, mention: `"/some/path"`},
		{name: "a bare address with a path is rejected", address: "10.0.0.1/redfish/v1", reason: bmc.ReasonUnexpectedPath, mention: "no path"},
		{name: "a libvirt URL with a path is rejected", address: "libvirt://10.0.0.1:6230/domain", reason: bmc.ReasonUnexpectedPath, mention: `"/domain"`},
		{name: "a redfish path with angle brackets is rejected", address: "redfish://h/redfish/v1/Systems/<1>", reason: bmc.ReasonInvalidPath, mention: `"<"`},
		{name: "a redfish path with a broken percent escape is rejected", address: "redfish://h/redfish/v1/Systems/%zz", reason: bmc.ReasonInvalidPath, mention: `"%"`},

		{name: "an unbracketed IPv6 address in a URL is rejected", address: "ipmi://fe80::1", reason: bmc.ReasonInvalidHost, mention: "square brackets"},
		{name: "an unbracketed bare IPv6 address is rejected", address: "fe80::1:623", reason: bmc.ReasonInvalidHost, mention: "square brackets"},
		{name: "an IPv6 address without its closing bracket is rejected", address: "ipmi://[fe80::1:623", reason: bmc.ReasonInvalidHost, mention: `"]"`},
		{name: "junk after an IPv6 address is rejected", address: "ipmi://[fe80::1]623", reason: bmc.ReasonInvalidHost, mention: `"623"`},
		{name: "an IPv4 address in brackets is rejected", address: "ipmi://[10.0.0.1]", reason: bmc.ReasonInvalidHost, mention: "IPv6"},
		{name: "an IPv6 zone is rejected", address: "redfish://[fe80::1%25eth0]/redfish/v1", reason: bmc.ReasonInvalidHost, mention: "zone"},
		{name: "a non-address in brackets is rejected", address: "ipmi://[bmc.example.com]:623", reason: bmc.ReasonInvalidHost, mention: "IPv6"},
		{name: "a hostname starting with a hyphen is rejected", address: "ipmi://-bmc.example.com", reason: bmc.ReasonInvalidHost, mention: `"-bmc.example.com"`},
		{name: "a hostname with an underscore is rejected", address: "redfish://bmc_0.example.com", reason: bmc.ReasonInvalidHost, mention: `"bmc_0.example.com"`},
		{name: "a hostname with an empty label is rejected", address: "ipmi://bmc..example.com", reason: bmc.ReasonInvalidHost, mention: "hostname"},
		{name: "an out-of-range IPv4 address is rejected", address: "ipmi://10.0.0.256", reason: bmc.ReasonInvalidHost, mention: `"10.0.0.256"`},
		{name: "an IPv4 address with a leading zero is rejected", address: "10.0.0.01", reason: bmc.ReasonInvalidHost, mention: `"10.0.0.01"`},
		{name: "an overlong hostname label is rejected", address: "ipmi://" + strings.Repeat("a", 64) + ".example.com", reason: bmc.ReasonInvalidHost, mention: "hostname"},
		{name: "a backslash in the host is rejected", address: `ipmi://bmc\example`, reason: bmc.ReasonInvalidHost, mention: "hostname"},

		{name: "a query on a redfish URL is rejected", address: "redfish://h/redfish/v1/Systems/1?expand=1", reason: bmc.ReasonInvalidQuery, mention: "query"},
		{name: "an unknown ipmi privilege level is rejected", address: "ipmi://h?privilegelevel=root", reason: bmc.ReasonInvalidQuery, mention: `"root"`},
		{name: "a repeated ipmi privilege level is rejected", address: "ipmi://h?privilegelevel=USER&privilegelevel=USER", reason: bmc.ReasonInvalidQuery, mention: "more than once"},
		{name: "a fragment is rejected", address: "redfish://h/redfish/v1/Systems/1#top", reason: bmc.ReasonUnexpectedFragment, mention: "fragment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := bmc.Parse(tc.address, false)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.address, a)
			}
			if a != nil {
				t.Errorf("Parse(%q) returned %v alongside its error", tc.address, a)
			}
			var addrErr *bmc.AddressError
			if !errors.As(err, &addrErr) {
				t.Fatalf("Parse(%q) error %v (%T) is not an *AddressError", tc.address, err, err)
			}
			if diff := cmp.Diff(tc.reason, addrErr.Reason); diff != "" {
				t.Errorf("Parse(%q) reason mismatch (-want +got):\n%s\nerror: %v", tc.address, diff, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "invalid BMC address: ") {
				t.Errorf("error %q lacks the common prefix", msg)
			}
			if !strings.Contains(msg, tc.mention) {
				t.Errorf("error %q does not mention %q", msg, tc.mention)
			}
			if tc.secret != "" && strings.Contains(msg, tc.secret) {
				t.Errorf("error %q leaks %q", msg, tc.secret)
			}
		})
	}
}

func TestUnknownSchemeErrorNamesTheSchemeAndListsSupportedOnes(t *testing.T) {
	_, err := bmc.Parse("bogus://10.0.0.1", false)
	if err == nil {
		t.Fatal("Parse succeeded, want an error")
	}
	for _, want := range []string{
		`"bogus"`, "ipmi", "libvirt", "fake", "redfish[+http|+https]",
		"redfish-virtualmedia[+http|+https]", "redfish-uefihttp[+http|+https]",
		"idrac-redfish[+http|+https]", "idrac-virtualmedia[+http|+https]",
		"ilo5-redfish[+http|+https]", "ilo5-virtualmedia[+http|+https]",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestDriverInfoReturnsAMapTheCallerOwns(t *testing.T) {
	a, err := bmc.Parse("redfish://10.0.0.1/redfish/v1/Systems/1", false)
	if err != nil {
		t.Fatal(err)
	}
	first := a.DriverInfo(creds)
	first["deploy_kernel"] = "http://images/ipa.kernel"
	delete(first, "redfish_address")
	want := redfishInfo("https://10.0.0.1", "/redfish/v1/Systems/1", false)
	if diff := cmp.Diff(want, a.DriverInfo(creds)); diff != "" {
		t.Errorf("DriverInfo changed after the caller edited a previous result (-want +got):\n%s", diff)
	}
}

func TestFormattingCredentialsNeverShowsThePassword(t *testing.T) {
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, creds)
		if strings.Contains(got, creds.Password) {
			t.Errorf("Sprintf(%q, creds) = %q leaks the password", verb, got)
		}
		if !strings.Contains(got, creds.Username) {
			t.Errorf("Sprintf(%q, creds) = %q hides the username", verb, got)
		}
	}
}

func TestAZeroAccessDetailsDoesNotPanic(t *testing.T) {
	var zero bmc.AccessDetails
	var nilDetails *bmc.AccessDetails
	for _, a := range []*bmc.AccessDetails{&zero, nilDetails} {
		got := observe(a)
		want := observed{DriverInfo: map[string]interface{}{}, String: "<nil>"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("zero AccessDetails mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestAddressesOfTheSameServerShareAnEndpoint(t *testing.T) {
	endpoint := func(address string) string {
		t.Helper()
		a, err := bmc.Parse(address, false)
		if err != nil {
			t.Fatalf("Parse(%q): %v", address, err)
		}
		return a.Endpoint()
	}
	same := [][2]string{
		{"ipmi://10.0.0.5", "ipmi://10.0.0.5:623"},
		{"10.0.0.5", "ipmi://10.0.0.5"},
		{"redfish://bmc.example.com/redfish/v1/Systems/1", "redfish-virtualmedia://BMC.example.com:443/redfish/v1/Systems/1/"},
		{"redfish+http://10.0.0.5/redfish/v1/Systems/1", "redfish-virtualmedia+http://10.0.0.5:80/redfish/v1/Systems/1"},
		{"redfish://10.0.0.5", "redfish://10.0.0.5/redfish/v1"},
		{"ipmi:10.0.0.5", "ipmi://10.0.0.5:623"},
	}
	for _, p := range same {
		if a, b := endpoint(p[0]), endpoint(p[1]); a != b {
			t.Errorf("%s -> %s and %s -> %s: the same server, want one endpoint", p[0], a, p[1], b)
		}
	}
	different := [][2]string{
		{"ipmi://10.0.0.5", "ipmi://10.0.0.5:6230"},
		{"redfish://10.0.0.5/redfish/v1/Systems/1", "redfish://10.0.0.5/redfish/v1/Systems/2"},
		{"redfish+http://10.0.0.5/redfish/v1/Systems/1", "redfish://10.0.0.5/redfish/v1/Systems/1"},
		{"ipmi://10.0.0.5", "ipmi://10.0.0.6"},
	}
	for _, p := range different {
		if a, b := endpoint(p[0]), endpoint(p[1]); a == b {
			t.Errorf("%s and %s both -> %s: different servers, want different endpoints", p[0], p[1], a)
		}
	}
}
