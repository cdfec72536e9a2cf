package bmc

import (
	"sort"
	"strings"
)

// Ironic hardware types.
const (
	driverIPMI    = "ipmi"
	driverRedfish = "redfish"
	driverIDRAC   = "idrac"
	driverFake    = "fake-hardware"
)

// Ironic hardware interface implementations.
const (
	ifaceDefault             = "" // let Ironic pick the hardware type's default
	ifaceIPXE                = "ipxe"
	ifaceDirect              = "direct"
	ifaceIPMITool            = "ipmitool"
	ifaceRedfish             = "redfish"
	ifaceRedfishVirtual      = "redfish-virtual-media"
	ifaceRedfishHTTPS        = "redfish-https"
	ifaceIDRACRedfish        = "idrac-redfish"
	ifaceIDRACRedfishVirtual = "idrac-redfish-virtual-media"
	ifaceFake                = "fake"
)

// family groups schemes that share an address syntax and driver_info keys.
type family int

const (
	familyNone family = iota // zero AccessDetails
	familyIPMI
	familyRedfish
	familyFake
)

// profile is everything that follows from the (base) scheme of an address.
type profile struct {
	driver       string
	family       family
	interfaces   Interfaces
	needsMAC     bool
	secureBoot   bool
	defaultPort  int  // ipmi family only
	transports   bool // accepts the +http and +https scheme suffixes
	hostOptional bool
	vendor       string // the node's properties/vendor, see AccessDetails.Vendor
}

func ipmiProfile(defaultPort int) *profile {
	return &profile{
		driver: driverIPMI,
		family: familyIPMI,
		interfaces: Interfaces{
			Boot:       ifaceIPXE,
			Deploy:     ifaceDirect,
			Inspect:    ifaceDefault,
			Management: ifaceIPMITool,
			Power:      ifaceIPMITool,
			RAID:       ifaceDefault,
			BIOS:       ifaceDefault,
			Vendor:     ifaceDefault,
		},
		needsMAC:    true,
		defaultPort: defaultPort,
	}
}

// redfishProfile describes a Redfish-speaking scheme. hwIface is the
// implementation used for every interface except boot and deploy.
func redfishProfile(driver, boot, hwIface string, needsMAC bool) *profile {
	return &profile{
		driver: driver,
		family: familyRedfish,
		interfaces: Interfaces{
			Boot:       boot,
			Deploy:     ifaceDirect,
			Inspect:    hwIface,
			Management: hwIface,
			Power:      hwIface,
			RAID:       hwIface,
			BIOS:       hwIface,
			Vendor:     hwIface,
		},
		needsMAC:   needsMAC,
		secureBoot: true,
		transports: true,
	}
}

// profiles maps a base scheme (without +http/+https) to its profile. See the
// package documentation for the reasoning behind each mapping.
var profiles = map[string]*profile{
	"ipmi":    ipmiProfile(623),
	"libvirt": ipmiProfile(6230), // ipmi to a virtualbmc in front of libvirt

	"redfish":              redfishProfile(driverRedfish, ifaceIPXE, ifaceRedfish, true),
	"redfish-virtualmedia": redfishProfile(driverRedfish, ifaceRedfishVirtual, ifaceRedfish, false),
	"redfish-uefihttp":     redfishProfile(driverRedfish, ifaceRedfishHTTPS, ifaceRedfish, false),

	// As in metal3, iLO 5 over Redfish uses the generic redfish hardware
	// type, not Ironic's proliantutils-based ilo5 type.
	"ilo5-redfish":      redfishProfile(driverRedfish, ifaceIPXE, ifaceRedfish, true),
	"ilo5-virtualmedia": redfishProfile(driverRedfish, ifaceRedfishVirtual, ifaceRedfish, false),

	// As in metal3, iDRAC keeps the idrac hardware type with its Redfish
	// interface implementations.
	"idrac-redfish":      redfishProfile(driverIDRAC, ifaceIPXE, ifaceIDRACRedfish, true),
	"idrac-virtualmedia": redfishProfile(driverIDRAC, ifaceIDRACRedfishVirtual, ifaceIDRACRedfish, false),

	"fake": fakeProfile(ifaceFake, ""),
	// fake-agent: fake-hardware whose image deploys and cleaning go through an agent
	// ramdisk (Ironic's direct deploy), such as test/agentsim; no metal3 counterpart.
	"fake-agent": fakeProfile(ifaceDirect, vendorLenovo),
}

// vendorLenovo is the vendor of fake-agent nodes. After writing an image, Ironic 21.4's direct
// deploy sets "disk" as boot device, which fake-hardware's management interface refuses (it
// knows only PXE), except on UEFI Lenovo systems, whose boot device it leaves alone
// (agent_base.configure_local_boot, Ironic bug 2053064). The vendor must be on the node from its
// creation: Ironic refuses node updates during the deploy.
const vendorLenovo = "Lenovo"

// fakeProfile is fake-hardware with every interface fake except deploy.
func fakeProfile(deploy, vendor string) *profile {
	return &profile{
		driver: driverFake,
		family: familyFake,
		interfaces: Interfaces{
			Boot:       ifaceFake,
			Deploy:     deploy,
			Inspect:    ifaceFake,
			Management: ifaceFake,
			Power:      ifaceFake,
			RAID:       ifaceFake,
			BIOS:       ifaceFake,
			Vendor:     ifaceFake,
		},
		hostOptional: true,
		vendor:       vendor,
	}
}

// lookupScheme returns the profile for a lower-case scheme and the transport
// ("http" or "https") for Redfish-family schemes.
func lookupScheme(scheme string) (p *profile, transport string, ok bool) {
	base, suffix, hasSuffix := strings.Cut(scheme, "+")
	p, ok = profiles[base]
	if !ok {
		return nil, "", false
	}
	if !p.transports {
		return p, "", !hasSuffix
	}
	switch {
	case !hasSuffix:
		return p, "https", true
	case suffix == "http" || suffix == "https":
		return p, suffix, true
	default:
		return nil, "", false
	}
}

// supportedSchemes is the human-readable list used in unknown-scheme errors.
var supportedSchemes = func() string {
	names := make([]string, 0, len(profiles))
	for name, p := range profiles {
		if p.transports {
			name += "[+http|+https]"
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}()
