package bmc

import (
	"net/netip"
	"strconv"
	"strings"
)

const defaultPrivLevel = "ADMINISTRATOR"

// privLevels are the values Ironic accepts for ipmi_priv_level.
var privLevels = map[string]bool{
	"ADMINISTRATOR": true,
	"CALLBACK":      true,
	"OPERATOR":      true,
	"USER":          true,
}

// Parse parses a BMC address such as "ipmi://10.0.0.1",
// "redfish-virtualmedia://bmc.example.com/redfish/v1/Systems/1" or a bare
// "10.0.0.1:623". disableCertificateVerification is reflected in the
// driver_info of drivers that talk HTTPS.
//
// Every error is an [*AddressError]; none of them echoes credentials.
func Parse(address string, disableCertificateVerification bool) (*AccessDetails, error) {
	if address == "" {
		return nil, newError(ReasonEmpty, "address is empty")
	}
	if err := checkCharacters(address); err != nil {
		return nil, err
	}
	// Checked before anything else may quote parts of the address, so no
	// error message can ever contain user information. "@" has no
	// legitimate use anywhere in a BMC address.
	if strings.Contains(address, "@") {
		return nil, newError(ReasonUserInfo,
			`address must not contain user information ("user:password@"); `+
				"put the credentials in the BMC credentials Secret")
	}

	scheme, rest, err := splitScheme(address)
	if err != nil {
		return nil, err
	}
	typ := scheme
	if typ == "" {
		typ = "ipmi"
	}
	p, transport, ok := lookupScheme(typ)
	if !ok {
		return nil, newError(ReasonUnknownScheme,
			"unknown BMC scheme %s; supported schemes are %s", quote(typ), supportedSchemes)
	}

	authority, rest := cutAt(rest, "/?#")
	path, rest := cutAt(rest, "?#")
	query, fragment := cutAt(rest, "#")
	if fragment != "" {
		return nil, newError(ReasonUnexpectedFragment, `address must not contain a fragment ("#...")`)
	}
	query = strings.TrimPrefix(query, "?")

	host, port, err := parseAuthority(authority)
	if err != nil {
		return nil, err
	}
	if host == "" && !p.hostOptional {
		return nil, newError(ReasonMissingHost, "%s address has no host", quote(typ))
	}

	a := &AccessDetails{
		scheme:                         typ,
		profile:                        p,
		transport:                      transport,
		host:                           host,
		port:                           port,
		disableCertificateVerification: disableCertificateVerification,
	}

	switch p.family {
	case familyIPMI:
		if path != "" && path != "/" {
			return nil, newError(ReasonUnexpectedPath,
				"%s addresses take no path, got %s", quote(typ), quote(path))
		}
		if a.privLevel, err = parseIPMIQuery(query); err != nil {
			return nil, err
		}
	default: // Redfish family and fake
		if err := checkPath(path); err != nil {
			return nil, err
		}
		if query != "" {
			return nil, newError(ReasonInvalidQuery,
				"%s addresses take no query string", quote(typ))
		}
		a.path = path
	}
	return a, nil
}

// checkCharacters rejects whitespace, control and non-ASCII characters. The
// message does not quote the address.
func checkCharacters(address string) error {
	for i := 0; i < len(address); i++ {
		switch b := address[i]; {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f':
			return newError(ReasonInvalidCharacter, "address contains whitespace at offset %d", i)
		case b < 0x20 || b == 0x7f:
			return newError(ReasonInvalidCharacter, "address contains a control character at offset %d", i)
		case b >= 0x80:
			return newError(ReasonInvalidCharacter, "address contains a non-ASCII character at offset %d", i)
		}
	}
	return nil
}

// splitScheme splits "scheme://rest" into a lower-case scheme and rest. An
// address without "://" is a bare host[:port] and yields an empty scheme.
func splitScheme(address string) (scheme, rest string, err error) {
	if s, r, ok := strings.Cut(address, "://"); ok {
		if !validScheme(s) {
			return "", "", newError(ReasonInvalidScheme, "scheme %s is not a valid URL scheme", quote(s))
		}
		return strings.ToLower(s), r, nil
	}
	// "ipmi:host[:port]" and "redfish:host/path" (a known scheme and ":" without "//") mean
	// "scheme://...", as metal3 reads them. "redfish:/host" is refused: it would otherwise be
	// read as host "redfish" with a bad port. "bmc:623" stays a bare host and port.
	if s, r, ok := strings.Cut(address, ":"); ok && !allDigits(r) {
		if _, _, known := lookupScheme(strings.ToLower(s)); known {
			if r == "" || strings.HasPrefix(r, "/") {
				return "", "", newError(ReasonInvalidScheme, `scheme %s must be followed by "://" or a host`, quote(s))
			}
			return strings.ToLower(s), r, nil
		}
	}
	return "", address, nil
}

// validScheme reports whether s is an RFC 3986 scheme.
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// cutAt splits s before the first byte that is in seps.
func cutAt(s, seps string) (before, after string) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// parseAuthority splits host[:port] and validates both. The host is returned
// without IPv6 brackets; port is 0 when absent.
func parseAuthority(authority string) (host string, port int, err error) {
	if authority == "" {
		return "", 0, nil
	}
	var portText string
	hasPort := false
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", 0, newError(ReasonInvalidHost, `IPv6 address is missing its closing "]"`)
		}
		host = authority[1:end]
		if after := authority[end+1:]; after != "" {
			if after[0] != ':' {
				return "", 0, newError(ReasonInvalidHost,
					`unexpected %s after IPv6 address; expected ":port"`, quote(after))
			}
			portText, hasPort = after[1:], true
		}
		if err := checkIPv6(host); err != nil {
			return "", 0, err
		}
	} else {
		if strings.Count(authority, ":") > 1 {
			return "", 0, newError(ReasonInvalidHost,
				"IPv6 addresses must be enclosed in square brackets, e.g. [fd00::1]:623")
		}
		host, portText, hasPort = strings.Cut(authority, ":")
		if host == "" {
			return "", 0, newError(ReasonMissingHost, "address has a port but no host")
		}
		if err := checkHost(host); err != nil {
			return "", 0, err
		}
	}
	if hasPort {
		if port, err = parsePort(portText); err != nil {
			return "", 0, err
		}
	}
	return host, port, nil
}

func checkIPv6(host string) error {
	if host == "" {
		return newError(ReasonMissingHost, `address has empty brackets "[]" instead of a host`)
	}
	if strings.Contains(host, "%") {
		return newError(ReasonInvalidHost, "IPv6 zone identifiers are not supported")
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Is6() {
		return newError(ReasonInvalidHost, "%s is not a valid IPv6 address", quote(host))
	}
	return nil
}

// checkHost accepts an IPv4 address or a DNS name (RFC 1123 labels).
func checkHost(host string) error {
	if addr, err := netip.ParseAddr(host); err == nil && addr.Is4() {
		return nil
	}
	invalid := newError(ReasonInvalidHost, "%s is not a valid hostname or IPv4 address", quote(host))
	if len(host) > 253 {
		return invalid
	}
	labels := strings.Split(host, ".")
	for _, label := range labels {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return invalid
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				return invalid
			}
		}
	}
	// Top-level domains are never numeric, so "1.2.3.999" or "10.0.0.01"
	// is a mistyped IPv4 address rather than a hostname.
	if allDigits(labels[len(labels)-1]) {
		return invalid
	}
	return nil
}

func parsePort(text string) (int, error) {
	if text == "" {
		return 0, newError(ReasonInvalidPort, `port is empty after ":"`)
	}
	if !allDigits(text) {
		return 0, newError(ReasonInvalidPort, "port %s is not a number", quote(text))
	}
	port, err := strconv.Atoi(text)
	if err != nil || port < 1 || port > 65535 {
		return 0, newError(ReasonInvalidPort, "port %s is out of range 1-65535", quote(text))
	}
	return port, nil
}

// checkPath accepts RFC 3986 path characters and well-formed %-escapes.
func checkPath(path string) error {
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case isAlpha(c) || isDigit(c) || strings.IndexByte("-._~!$&'()*+,;=:/", c) >= 0:
		case c == '%' && i+2 < len(path) && isHex(path[i+1]) && isHex(path[i+2]):
			i += 2
		default:
			return newError(ReasonInvalidPath, "path contains %s, which is not allowed in a URL path", quote(string(c)))
		}
	}
	return nil
}

// parseIPMIQuery reads "privilegelevel=LEVEL" from the query and returns the upper-cased
// level ("" when absent). Other parameters are ignored, as metal3 ignores them (libvirt
// addresses written for VirtualBMC often carry some).
func parseIPMIQuery(query string) (string, error) {
	if query == "" {
		return "", nil
	}
	level := ""
	for _, param := range strings.Split(query, "&") {
		key, value, _ := strings.Cut(param, "=")
		if key != "privilegelevel" {
			continue
		}
		if level != "" {
			return "", newError(ReasonInvalidQuery, `"privilegelevel" is given more than once`)
		}
		level = strings.ToUpper(value)
		if !privLevels[level] {
			return "", newError(ReasonInvalidQuery,
				"privilegelevel %s is not one of ADMINISTRATOR, OPERATOR, USER, CALLBACK", quote(value))
		}
	}
	return level, nil
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
