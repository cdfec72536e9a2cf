package ironic

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// bmcHint turns a node's driver and driver_info back into a BareMetalHost BMC address, so a
// node enrolled outside the controller can be imported. Credentials are never part of it.
// It returns "" when the driver is not one the controller registers.
func bmcHint(n *nodeDoc) string {
	info := n.DriverInfo
	switch n.Driver {
	case "fake-hardware":
		if n.DeployInterface == "direct" {
			return "fake-agent://" + n.UUID
		}
		return "fake://" + n.UUID
	case "ipmi":
		addr := stringValue(info, "ipmi_address")
		if addr == "" {
			return ""
		}
		host := addr
		if strings.Contains(addr, ":") {
			host = "[" + addr + "]"
		}
		if port := fmt.Sprint(info["ipmi_port"]); info["ipmi_port"] != nil && port != "" && port != "623" {
			return "ipmi://" + host + ":" + port
		}
		return "ipmi://" + host
	case "redfish", "idrac":
		u, err := url.Parse(stringValue(info, "redfish_address"))
		if err != nil || u.Host == "" {
			return ""
		}
		scheme := "redfish"
		if n.Driver == "idrac" {
			scheme = "idrac-redfish"
		}
		if n.BootInterface == "redfish-virtual-media" || n.BootInterface == "idrac-redfish-virtual-media" {
			scheme = strings.TrimSuffix(scheme, "-redfish") + "-virtualmedia"
			if n.Driver == "redfish" {
				scheme = "redfish-virtualmedia"
			}
		}
		if u.Scheme == "http" {
			scheme += "+http"
		}
		host := u.Host
		if h, p, err := net.SplitHostPort(u.Host); err == nil && strings.Contains(h, ":") {
			host = "[" + h + "]:" + p
		}
		return scheme + "://" + host + stringValue(info, "redfish_system_id")
	}
	return ""
}
