package bmc

import "sort"

// SchemeInfo is what the API server's admission rules need to know of one BMC scheme. The CEL
// rules in the BareMetalHost CRD carry the same table as literals; a test compares them.
type SchemeInfo struct {
	// Scheme is the lower-case scheme as written in an address, e.g. "redfish+http".
	Scheme string
	// NeedsMAC reports whether hosts behind the scheme boot over the network and so need
	// spec.bootMACAddress.
	NeedsMAC bool
	// SecureBoot reports whether the driver can switch UEFI secure boot.
	SecureBoot bool
	// FastInspection reports whether the driver can inspect out of band (spec.inspectionMode
	// fast).
	FastInspection bool
}

// Schemes lists every scheme an address may use (with the +http and +https forms spelled
// out), sorted by name.
func Schemes() []SchemeInfo {
	var out []SchemeInfo
	for name, p := range profiles {
		names := []string{name}
		if p.transports {
			names = append(names, name+"+http", name+"+https")
		}
		for _, n := range names {
			out = append(out, SchemeInfo{Scheme: n, NeedsMAC: p.needsMAC, SecureBoot: p.secureBoot,
				FastInspection: p.interfaces.Inspect != ifaceDefault})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scheme < out[j].Scheme })
	return out
}

// SupportedSchemes is the list of schemes as error messages name it, e.g.
// "fake, idrac-redfish[+http|+https], ...".
func SupportedSchemes() string { return supportedSchemes }
