package bmc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/bmc"
)

// credentialKeys returns the driver_info keys that may carry credentials.
func credentialKeys(driver string) (user, password string) {
	switch driver {
	case "ipmi":
		return "ipmi_username", "ipmi_password"
	case "redfish", "idrac":
		return "redfish_username", "redfish_password"
	default:
		return "", ""
	}
}

// cannotBeInAddress reports whether s contains a byte that Parse never
// accepts, so s cannot have come from a successfully parsed address.
func cannotBeInAddress(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '@' }) >= 0
}

func FuzzParse(f *testing.F) {
	for _, address := range []string{
		"", "10.0.0.1", "bmc:623", "[::1]:6230", "fe80::1", "ipmi://10.0.0.1",
		"ipmi://[fe80::1]:623", "ipmi://h?privilegelevel=user", "libvirt://192.168.122.1:6230/",
		"redfish://bmc/redfish/v1/Systems/1", "redfish+http://[2001:db8::5]:8000/redfish/v1/Systems/1",
		"redfish-virtualmedia+https://h/x", "redfish-uefihttp://h/", "idrac-redfish://h/s",
		"idrac-virtualmedia+http://h:1/s", "ilo5-redfish://h/s", "ilo5-virtualmedia://h",
		"fake://", "fake://h:1/p", "redfish://user:pw@host", "ipmi://h:99999", "ipmi://h:abc",
		"redfish:host", "ipmi:h:6230", "libvirt://h:6233/?abc=def", "redfish://h/redfish/v1", "ipmi://h/p", "redfish://h/%zz", "redfish://h/x#y", "IPMI://H",
	} {
		f.Add(address, false, "admin", "s3cr3t")
		f.Add(address, true, "root", "\x00p@ss word\xff")
	}

	f.Fuzz(func(t *testing.T, address string, noVerify bool, username, password string) {
		a, err := bmc.Parse(address, noVerify)
		if err != nil {
			if a != nil {
				t.Fatalf("Parse(%q) returned both %v and error %v", address, a, err)
			}
			var addrErr *bmc.AddressError
			if !errors.As(err, &addrErr) || addrErr.Reason == "" || addrErr.Detail == "" {
				t.Fatalf("Parse(%q) error %#v is not a complete *AddressError", address, err)
			}
			// Addresses with user information must be rejected before
			// any part of the address can be quoted in the message.
			if strings.Contains(address, "@") {
				switch addrErr.Reason {
				case bmc.ReasonUserInfo, bmc.ReasonInvalidCharacter:
				default:
					t.Fatalf("Parse(%q) with user information failed with reason %q: %v", address, addrErr.Reason, err)
				}
			}
			return
		}

		if a.Driver() == "" || a.Type() == "" {
			t.Fatalf("Parse(%q) succeeded with Driver()=%q Type()=%q", address, a.Driver(), a.Type())
		}

		userKey, passwordKey := credentialKeys(a.Driver())
		info := a.DriverInfo(bmc.Credentials{Username: username, Password: password})
		baseline := a.DriverInfo(bmc.Credentials{})
		if len(info) != len(baseline) {
			t.Fatalf("DriverInfo keys depend on the credentials: %v vs %v", info, baseline)
		}
		for key, value := range info {
			switch key {
			case passwordKey:
				if value != password {
					t.Fatalf("DriverInfo[%q] = %q, want the password", key, value)
				}
			case userKey:
				if value != username {
					t.Fatalf("DriverInfo[%q] = %q, want the username", key, value)
				}
			default:
				// Every other value comes from the address alone, so
				// the password can only be there by coincidence with
				// the address, never because it was copied in.
				if diff := cmp.Diff(baseline[key], value); diff != "" {
					t.Fatalf("DriverInfo[%q] depends on the credentials (-without +with):\n%s", key, diff)
				}
				if s, ok := value.(string); ok && password != "" &&
					strings.Contains(s, password) && cannotBeInAddress(password) {
					t.Fatalf("DriverInfo[%q] = %q contains the password", key, s)
				}
			}
		}

		s := a.String()
		if strings.Contains(s, "@") {
			t.Fatalf("String() = %q contains user information", s)
		}
		if password != "" && cannotBeInAddress(password) && strings.Contains(s, password) {
			t.Fatalf("String() = %q contains the password", s)
		}
		again, err := bmc.Parse(s, noVerify)
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", s, address, err)
		}
		if again.String() != s || again.Driver() != a.Driver() ||
			!cmp.Equal(again.DriverInfo(bmc.Credentials{}), baseline) ||
			again.Interfaces() != a.Interfaces() || again.NeedsMAC() != a.NeedsMAC() {
			t.Fatalf("String() %q of %q does not round-trip", s, address)
		}
	})
}
