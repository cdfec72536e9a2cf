package bmc

import (
	"net"
	"strconv"
	"strings"
)

// Credentials are the BMC username/password from the credentials Secret.
type Credentials struct{ Username, Password string }

// String returns a log-safe form of the credentials that hides the password.
func (c Credentials) String() string {
	return "{Username: " + strconv.Quote(c.Username) + ", Password: <redacted>}"
}

// GoString makes %#v as log-safe as %v.
func (c Credentials) GoString() string {
	return "bmc.Credentials" + c.String()
}

// Interfaces names the Ironic hardware interface implementations to request
// when enrolling a node. An empty string means "use Ironic's default for the
// hardware type".
type Interfaces struct{ Boot, Deploy, Inspect, Management, Power, RAID, BIOS, Vendor string }

// AccessDetails describes how Ironic reaches one BMC. Create it with
// [Parse]; it holds no credentials and is safe to log.
type AccessDetails struct {
	scheme                         string // lower-case scheme, "ipmi" for a bare host[:port]
	profile                        *profile
	transport                      string // "http" or "https"; Redfish family only
	host                           string // without IPv6 brackets; may be empty for fake
	port                           int    // 0 when the address has no port
	path                           string // as written; Redfish family and fake only
	privLevel                      string // explicit ?privilegelevel=, upper-case; ipmi only
	disableCertificateVerification bool
}

// prof tolerates a zero AccessDetails.
func (a *AccessDetails) prof() *profile {
	if a == nil || a.profile == nil {
		return &profile{}
	}
	return a.profile
}

// Driver returns the Ironic hardware type: "ipmi", "redfish", "idrac" or
// "fake-hardware".
func (a *AccessDetails) Driver() string { return a.prof().driver }

// Type returns the scheme as written (lower-cased), e.g.
// "redfish-virtualmedia" or "redfish+http". A bare host[:port] is "ipmi".
func (a *AccessDetails) Type() string {
	if a == nil {
		return ""
	}
	return a.scheme
}

// Interfaces returns the hardware interfaces to request from Ironic.
func (a *AccessDetails) Interfaces() Interfaces { return a.prof().interfaces }

// Vendor is the system vendor the node's properties must carry, or "" for none (Ironic's
// inspection fills it). Only fake-agent nodes have one; see vendorLenovo.
func (a *AccessDetails) Vendor() string { return a.prof().vendor }

// NeedsMAC reports whether the host network-boots with (i)PXE, so that Ironic
// needs a port with the boot MAC address before it can boot the host.
func (a *AccessDetails) NeedsMAC() bool { return a.prof().needsMAC }

// CanInspect reports whether the hardware type inspects hardware on its own, out of band
// (Redfish, iDRAC, fake). IPMI cannot: only ironic-inspector and its ramdisk inspect it, so
// hosts behind ipmi:// and libvirt:// skip inspection unless the controller inspects in band
// (--inspector).
func (a *AccessDetails) CanInspect() bool { return a.prof().interfaces.Inspect != ifaceDefault }

// SupportsSecureBoot reports whether the driver can change the UEFI secure
// boot state.
func (a *AccessDetails) SupportsSecureBoot() bool { return a.prof().secureBoot }

// DriverInfo returns the Ironic driver_info for the node. The credentials
// appear only under the driver's username and password keys. The caller owns
// the returned map and may add entries (deploy kernel, ramdisk, ...).
func (a *AccessDetails) DriverInfo(c Credentials) map[string]interface{} {
	p := a.prof()
	switch p.family {
	case familyIPMI:
		port := a.port
		if port == 0 {
			port = p.defaultPort
		}
		priv := a.privLevel
		if priv == "" {
			priv = defaultPrivLevel
		}
		return map[string]interface{}{
			"ipmi_address":    a.host,
			"ipmi_port":       port,
			"ipmi_username":   c.Username,
			"ipmi_password":   c.Password,
			"ipmi_priv_level": priv,
		}
	case familyRedfish:
		info := map[string]interface{}{
			"redfish_address":  a.transport + "://" + a.hostPort(),
			"redfish_username": c.Username,
			"redfish_password": c.Password,
		}
		if id := a.systemPath(); id != "" {
			info["redfish_system_id"] = id
		}
		if a.disableCertificateVerification {
			info["redfish_verify_ca"] = false
		}
		return info
	default:
		return map[string]interface{}{}
	}
}

// String returns the address in canonical form. It never contains
// credentials: addresses with user information are rejected by [Parse].
func (a *AccessDetails) String() string {
	if a == nil || a.profile == nil {
		return "<nil>"
	}
	s := a.scheme + "://" + a.hostPort() + a.path
	if a.privLevel != "" {
		s += "?privilegelevel=" + a.privLevel
	}
	return s
}

// hostPort returns host[:port] with IPv6 addresses in brackets.
func (a *AccessDetails) hostPort() string {
	switch {
	case a.host == "":
		return ""
	case a.port == 0 && isIPv6(a.host):
		return "[" + a.host + "]"
	case a.port == 0:
		return a.host
	default:
		return net.JoinHostPort(a.host, strconv.Itoa(a.port))
	}
}

func isIPv6(host string) bool { return strings.Contains(host, ":") }

// Endpoint names the server the address reaches, whatever scheme reaches it: two hosts with
// the same endpoint are the same physical server. Redfish-family schemes (redfish,
// redfish-virtualmedia, idrac-virtualmedia, ...) share an endpoint per BMC and system path;
// IPMI schemes per BMC and port; fake addresses per host and path.
func (a *AccessDetails) Endpoint() string {
	p := a.prof()
	host := strings.ToLower(a.host)
	switch p.family {
	case familyIPMI:
		port := a.port
		if port == 0 {
			port = p.defaultPort
		}
		return "ipmi://" + net.JoinHostPort(host, strconv.Itoa(port))
	case familyRedfish:
		port := a.port
		if port == 0 {
			port = map[string]int{"http": 80, "https": 443}[a.transport]
		}
		return "redfish://" + net.JoinHostPort(host, strconv.Itoa(port)) + strings.TrimRight(a.systemPath(), "/")
	case familyFake:
		return "fake://" + host + strings.TrimRight(a.path, "/")
	}
	return ""
}

// systemPath is the Redfish system the address names: its path, or "" when the path is empty
// or only the service root ("/", "/redfish/v1"). Without a system Ironic uses the BMC's only
// one, as metal3 relies on.
func (a *AccessDetails) systemPath() string {
	switch strings.Trim(a.path, "/") {
	case "", "redfish/v1":
		return ""
	}
	return a.path
}
