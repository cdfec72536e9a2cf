// Package bmc turns the BMC address of a BareMetalHost (spec.bmc.address)
// into the information Ironic needs to enroll a node: the hardware type
// ("driver"), the hardware interfaces to request, and the driver_info map.
//
// The package is pure: it does no I/O, never contacts a BMC and never reads
// Secrets. Credentials are handed in by the caller and only ever appear in
// the map returned by [AccessDetails.DriverInfo], under the password key of
// the driver. Errors ([*AddressError]) and [AccessDetails.String] never
// contain credentials, and addresses carrying user information
// ("redfish://user:pw@host") are rejected without echoing it.
//
// # Supported addresses
//
// The semantics follow metal3's baremetal-operator so that existing
// BareMetalHost manifests keep working. Schemes are matched
// case-insensitively. Redfish-family schemes accept a "+http" or "+https"
// suffix choosing the transport of redfish_address (https is the default).
//
//	scheme                      driver         boot interface               NeedsMAC  driver_info keys
//	--------------------------  -------------  ---------------------------  --------  -----------------------------------------------
//	host[:port] (no scheme)     ipmi           ipxe                         true      ipmi_address, ipmi_port (623), ipmi_username,
//	ipmi://host[:port]          ipmi           ipxe                         true        ipmi_password, ipmi_priv_level
//	libvirt://host[:port]/      ipmi           ipxe                         true      as ipmi, ipmi_port defaults to 6230 (virtualbmc)
//	redfish://host[:port]/path  redfish        ipxe                         true      redfish_address, redfish_system_id (when a path
//	redfish-virtualmedia://     redfish        redfish-virtual-media        false       is given), redfish_username, redfish_password,
//	redfish-uefihttp://         redfish        redfish-https                false       redfish_verify_ca (false, only when certificate
//	ilo5-redfish://             redfish        ipxe                         true        verification is disabled)
//	ilo5-virtualmedia://        redfish        redfish-virtual-media        false
//	idrac-redfish://            idrac          ipxe                         true      same redfish_* keys as redfish
//	idrac-virtualmedia://       idrac          idrac-redfish-virtual-media  false
//	fake://[host[:port]]        fake-hardware  fake                         false     none (empty map)
//	fake-agent://[host[:port]]  fake-hardware  fake                         false     none (empty map)
//
// Other interfaces:
//
//   - ipmi, libvirt: deploy "direct", management and power "ipmitool"; the
//     inspect, RAID, BIOS and vendor interfaces are left to Ironic's defaults
//     ("").
//   - redfish family (including ilo5-*): deploy "direct"; inspect,
//     management, power, RAID, BIOS and vendor "redfish".
//   - idrac-*: deploy "direct"; inspect, management, power, RAID, BIOS and
//     vendor "idrac-redfish".
//   - fake: every interface is "fake".
//   - fake-agent: as fake, but deploy "direct": image deploys and automated cleaning wait for
//     an agent ramdisk to call back (test/agentsim simulates one), so images are really
//     downloaded and checked and clean steps really run. Without an agent such a host waits
//     in "wait call-back" or "clean wait" until Ironic's callback timeout.
//
// Mapping notes:
//
//   - ilo5-redfish and ilo5-virtualmedia use the generic "redfish" hardware
//     type, exactly as metal3 does: Ironic's "ilo5" hardware type talks to
//     the BMC through proliantutils, whereas these schemes mean "an iLO 5
//     spoken to over plain Redfish". metal3's separate "ilo5://" scheme
//     (proliantutils) is not supported here.
//   - idrac-redfish and idrac-virtualmedia keep the "idrac" hardware type,
//     again as metal3 does. That hardware type must be enabled in Ironic for
//     such hosts to enroll (test/ironictest does so with Options.IDRAC; its
//     virtual-media boot also needs Dell's sushy-oem-idrac, which Debian
//     does not package). metal3 currently uses the "redfish"
//     inspect interface for iDRAC (a known FIXME there); this package uses
//     "idrac-redfish", the iDRAC hardware type's own Redfish inspection.
//   - redfish-uefihttp needs Ironic's "redfish-https" boot interface, which
//     came after Ironic 21.4 (Debian bookworm's): that Ironic refuses to
//     create such nodes ("Could not find the following interface ...").
//   - NeedsMAC is true for every scheme that network-boots with (i)PXE,
//     because Ironic then needs a port with the boot MAC before it can boot
//     the host. Virtual-media and UEFI-HTTP boot are driven through the BMC
//     and need no MAC up front.
//   - SupportsSecureBoot is true for the Redfish and iDRAC schemes, false
//     for ipmi, libvirt, fake and fake-agent.
//
// # Address syntax
//
// The host is a DNS name, an IPv4 address or an IPv6 address in square
// brackets ("ipmi://[fe80::1]:623", or bare "[::1]:6230"). For ipmi the
// driver_info address is the IPv6 address without brackets; redfish_address
// is a URL and keeps them. IPv6 zone identifiers are not supported.
//
// A known scheme may be followed by ":" alone ("ipmi:10.0.0.1:623",
// "redfish:bmc/redfish/v1/Systems/1"), read as "scheme://...", as metal3 does.
//
// ipmi and libvirt addresses take no path (a lone trailing "/" is accepted).
// Their query parameter "privilegelevel", given at most once, whose value
// (ADMINISTRATOR, OPERATOR, USER or CALLBACK) becomes ipmi_priv_level; the
// default is ADMINISTRATOR. Other query parameters are ignored, as metal3
// ignores them. For the Redfish family the path, as written, is the
// redfish_system_id ("/redfish/v1/Systems/1"); an empty path, a lone "/" or
// the service root "/redfish/v1" is omitted so that Ironic uses the single
// system. Redfish addresses take no query. Fragments and embedded user
// information are always rejected, as are whitespace, control and non-ASCII
// characters.
package bmc
