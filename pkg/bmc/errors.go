package bmc

import (
	"fmt"
	"strconv"
)

// Reasons classify an [AddressError]. They are stable, CamelCase strings, so
// a caller can switch on them or use one directly as a Kubernetes condition
// reason.
const (
	// ReasonEmpty means the address was the empty string.
	ReasonEmpty = "EmptyAddress"
	// ReasonInvalidCharacter means the address contains whitespace, a
	// control character or a non-ASCII character.
	ReasonInvalidCharacter = "InvalidCharacter"
	// ReasonUserInfo means the address embeds user information
	// ("user:password@host"). Credentials belong in the credentials Secret.
	ReasonUserInfo = "UserInfoNotAllowed"
	// ReasonInvalidScheme means the scheme is syntactically wrong, for
	// example "redfish:host" without "//".
	ReasonInvalidScheme = "InvalidScheme"
	// ReasonUnknownScheme means the scheme is well formed but names no
	// supported BMC type.
	ReasonUnknownScheme = "UnknownScheme"
	// ReasonMissingHost means the address has no host.
	ReasonMissingHost = "MissingHost"
	// ReasonInvalidHost means the host is neither a DNS name, an IPv4
	// address nor a bracketed IPv6 address.
	ReasonInvalidHost = "InvalidHost"
	// ReasonInvalidPort means the port is empty, not a number, or outside
	// 1-65535.
	ReasonInvalidPort = "InvalidPort"
	// ReasonUnexpectedPath means a path was given to a scheme that takes
	// none (ipmi, libvirt).
	ReasonUnexpectedPath = "UnexpectedPath"
	// ReasonInvalidPath means the path contains characters not allowed in
	// a URL path.
	ReasonInvalidPath = "InvalidPath"
	// ReasonInvalidQuery means the query string is not allowed for the
	// scheme, or names an unknown parameter or value.
	ReasonInvalidQuery = "InvalidQuery"
	// ReasonUnexpectedFragment means the address has a "#fragment".
	ReasonUnexpectedFragment = "UnexpectedFragment"
)

// AddressError reports a BMC address that cannot be used. Neither field ever
// contains credentials.
type AddressError struct {
	// Reason classifies the problem; it is one of the Reason* constants.
	Reason string
	// Detail is a human-readable description of the problem.
	Detail string
}

func (e *AddressError) Error() string {
	return "invalid BMC address: " + e.Detail
}

func newError(reason, format string, args ...any) *AddressError {
	return &AddressError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// maxQuoted bounds how much of an offending address fragment is echoed back
// in an error, so that a pathological address cannot produce a huge message.
const maxQuoted = 64

// quote quotes a fragment of the address for an error message, shortening
// it if needed.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}
