package ironic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// maskedValue is how Ironic shows secrets (passwords) in node documents.
const maskedValue = "******"

// Register creates the host's node, or brings an existing one up to date.
//
// New node: POST /v1/nodes (in enroll), POST /v1/ports for the boot MAC, then PATCH the node's
// extra metalkube_boot_mac, which says the port exists. If the port cannot be created the node
// is deleted again (DELETE /v1/nodes/{id}), so a retry starts clean. A caller killed between
// the requests leaves a node without metalkube_boot_mac: provisioner.Node.BootMACAddress is
// then empty, the host registers again, and the update below creates the missing port.
//
// Existing node: one PATCH /v1/nodes/{id} with only what differs from the last node document
// seen (FindNode refreshes it), plus POST /v1/ports if the boot MAC changed. An unchanged node
// costs no request. A node in enroll stays in enroll.
func (i *Ironic) Register(ctx context.Context, req provisioner.RegisterRequest, existing *provisioner.Node) (*provisioner.Node, error) {
	if req.BMC == nil {
		return nil, errors.New("ironic: register: no BMC access details")
	}
	c, v, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	var n *nodeDoc
	if existing == nil {
		n, err = i.createNode(ctx, c, v, req)
	} else {
		n, err = i.updateNode(ctx, c, v, req, existing.ID)
	}
	if err != nil {
		// Ironic's refusals may quote what was sent: the password, and the network data
		// (its schema errors print the offending value).
		return nil, scrubError(err, append([]string{req.Credentials.Password}, stringLeaves(req.NetworkData)...)...)
	}
	return toNode(n), nil
}

func (i *Ironic) createNode(ctx context.Context, c *gophercloud.ServiceClient, v microversion, req provisioner.RegisterRequest) (*nodeDoc, error) {
	log := klog.FromContext(ctx)
	want := desiredNode(req, i.defaults)
	// The boot MAC is recorded only once its port exists (see Register).
	extra := make(map[string]any, len(want.extra))
	for k, v := range want.extra {
		if k != extraBootMAC {
			extra[k] = v
		}
	}
	if want.networkDataVersion != "" {
		extra[extraNetworkDataVersion] = want.networkDataVersion
	}
	opts := nodes.CreateOpts{
		Name:                want.name,
		Driver:              want.driver,
		DriverInfo:          want.driverInfo,
		AutomatedClean:      &want.automatedClean,
		Properties:          map[string]any{"capabilities": want.capabilities},
		Extra:               extra,
		NetworkData:         want.networkData,
		BootInterface:       want.interfaces["boot_interface"],
		DeployInterface:     want.interfaces["deploy_interface"],
		InspectInterface:    want.interfaces["inspect_interface"],
		ManagementInterface: want.interfaces["management_interface"],
		PowerInterface:      want.interfaces["power_interface"],
		RAIDInterface:       want.interfaces["raid_interface"],
		BIOSInterface:       want.interfaces["bios_interface"],
		VendorInterface:     want.interfaces["vendor_interface"],
	}
	if want.cpuArch != "" {
		opts.Properties["cpu_arch"] = want.cpuArch
	}
	if want.vendor != "" {
		opts.Properties["vendor"] = want.vendor
	}
	if v.atLeast(versionDisablePowerOff) {
		opts.DisablePowerOff = &req.DisablePowerOff
	} else if req.DisablePowerOff {
		log.V(1).Info("Ironic's API is too old for disable_power_off; the node may be powered off",
			"node", want.name, "microversion", v.String(), "needs", versionDisablePowerOff.String())
	}
	body, err := opts.ToNodeCreateMap()
	if err != nil {
		return nil, fmt.Errorf("ironic: creating node %s: %w", want.name, err)
	}
	var n nodeDoc
	if err := requestJSON(ctx, c, http.MethodPost, c.ServiceURL("nodes"), body, http.StatusCreated, &n); err != nil {
		werr := i.wrap(ctx, err, "creating node "+want.name)
		if !isStatus(werr, http.StatusConflict) {
			return nil, werr
		}
		// A node with this name exists already (another registration raced the caller's
		// FindNode): update that one instead.
		existing, gerr := i.getNode(ctx, c, v, want.name)
		if gerr != nil {
			return nil, werr
		}
		return i.updateNode(ctx, c, v, req, existing.UUID)
	}
	i.remember(&n)
	log.V(1).Info("Created Ironic node", "node", n.UUID, "name", n.Name, "driver", n.Driver)
	if want.bootMAC == "" {
		return &n, nil
	}
	if err := i.ensurePort(ctx, c, n.UUID, want.bootMAC); err != nil {
		// Without its boot port the node must not stay: its extra data claims the port exists.
		if derr := nodes.Delete(ctx, c, n.UUID).ExtractErr(); derr != nil {
			if derr = i.wrap(ctx, derr, "deleting node "+n.UUID); !errors.Is(derr, provisioner.ErrNotFound) {
				return nil, fmt.Errorf("%w; removing the new node again failed: %w", err, derr)
			}
		}
		i.forgetNode(n.UUID)
		return nil, err
	}
	return i.patchNode(ctx, c, n.UUID, []patchOp{add(want.bootMAC, "extra", extraBootMAC)}, "recording the boot port of node "+n.UUID)
}

func (i *Ironic) updateNode(ctx context.Context, c *gophercloud.ServiceClient, v microversion, req provisioner.RegisterRequest, id string) (*nodeDoc, error) {
	cur, err := i.knownNode(ctx, c, v, id)
	if err != nil {
		return nil, err
	}
	want := desiredNode(req, i.defaults)
	if want.bootMAC != "" && !strings.EqualFold(stringValue(cur.Extra, extraBootMAC), want.bootMAC) {
		if err := i.ensurePort(ctx, c, id, want.bootMAC); err != nil {
			return nil, err
		}
	}
	ops := registerPatch(cur, want, v)
	if len(ops) == 0 {
		return cur, nil
	}
	klog.FromContext(ctx).V(1).Info("Updating Ironic node", "node", id, "fields", patchPaths(ops))
	return i.patchNode(ctx, c, id, ops, "updating node "+id)
}

// ensurePort creates the boot port (POST /v1/ports). If the MAC is taken it checks, with
// GET /v1/ports?address=..., that the port is this node's.
func (i *Ironic) ensurePort(ctx context.Context, c *gophercloud.ServiceClient, nodeID, mac string) error {
	pxe := true
	_, err := ports.Create(ctx, c, ports.CreateOpts{NodeUUID: nodeID, Address: mac, PXEEnabled: &pxe}).Extract()
	if err == nil {
		return nil
	}
	werr := i.wrap(ctx, err, fmt.Sprintf("creating the boot port %s of node %s", mac, nodeID))
	if !isStatus(werr, http.StatusConflict) {
		return werr
	}
	owner, err := i.portNodeID(ctx, c, mac)
	if err != nil {
		return err
	}
	if owner != nodeID {
		return fmt.Errorf("ironic: boot MAC %s of node %s is already a port of node %s", mac, nodeID, owner)
	}
	return nil
}

// wantedNode is what Register wants the node to look like.
type wantedNode struct {
	name, driver string
	interfaces   map[string]string // Ironic field -> implementation; only non-empty ones
	driverInfo   map[string]any
	// deployManaged: the deploy_* keys of driver_info are ours (DeployRamdisk is configured),
	// so one not wanted any more is stale.
	deployManaged      bool
	extra              map[string]any
	capabilities       string       // for a new node
	capabilitySet      []capability // set (or, with an empty value, remove) on an existing node
	cpuArch            string
	vendor             string // properties/vendor when the BMC scheme needs one
	automatedClean     bool
	disablePowerOff    bool
	bootMAC            string
	credentialsVersion string
	// networkData (the node's network_data) is secret; networkDataVersion identifies it.
	networkData        map[string]any
	networkDataVersion string
}

// nodeDefaults are what every node gets from the provisioner's configuration.
type nodeDefaults struct {
	inspector     bool
	deployRamdisk DeployRamdisk
}

func desiredNode(req provisioner.RegisterRequest, d nodeDefaults) wantedNode {
	ifs := req.BMC.Interfaces()
	ifs.Inspect = d.inspectInterface(req.InspectionMode, req.BMC)
	w := wantedNode{
		name:               req.Host.NodeName(),
		driver:             req.BMC.Driver(),
		interfaces:         interfaceFields(ifs),
		driverInfo:         req.BMC.DriverInfo(req.Credentials),
		deployManaged:      d.deployRamdisk.configured(),
		capabilitySet:      bootModeCapabilities(req.BootMode),
		cpuArch:            req.Architecture,
		vendor:             req.BMC.Vendor(),
		automatedClean:     req.AutomatedClean,
		disablePowerOff:    req.DisablePowerOff,
		bootMAC:            strings.ToLower(strings.TrimSpace(req.Host.BootMACAddress)),
		credentialsVersion: req.CredentialsVersion,
		networkData:        req.NetworkData,
		networkDataVersion: req.NetworkDataVersion,
	}
	for k, v := range d.deployRamdisk.driverInfo(req.BMC) {
		w.driverInfo[k] = v
	}
	w.capabilities = mergeCapabilities("", w.capabilitySet)
	w.extra = map[string]any{
		extraBMCAddress:         req.BMCAddress,
		extraCredentialsVersion: req.CredentialsVersion,
	}
	if w.bootMAC != "" {
		w.extra[extraBootMAC] = w.bootMAC
	}
	return w
}

func interfaceFields(ifs bmc.Interfaces) map[string]string {
	all := map[string]string{
		"boot_interface":       ifs.Boot,
		"deploy_interface":     ifs.Deploy,
		"inspect_interface":    ifs.Inspect,
		"management_interface": ifs.Management,
		"power_interface":      ifs.Power,
		"raid_interface":       ifs.RAID,
		"bios_interface":       ifs.BIOS,
		"vendor_interface":     ifs.Vendor,
	}
	for k, v := range all {
		if v == "" {
			delete(all, k)
		}
	}
	return all
}

func currentInterface(n *nodeDoc, field string) string {
	switch field {
	case "boot_interface":
		return n.BootInterface
	case "deploy_interface":
		return n.DeployInterface
	case "inspect_interface":
		return n.InspectInterface
	case "management_interface":
		return n.ManagementInterface
	case "power_interface":
		return n.PowerInterface
	case "raid_interface":
		return n.RAIDInterface
	case "bios_interface":
		return n.BIOSInterface
	case "vendor_interface":
		return n.VendorInterface
	}
	return ""
}

// bootModeCapabilities are the node capabilities for a boot mode: boot_mode:uefi|bios, and
// secure_boot:true for UEFI secure boot (an empty value removes secure_boot).
func bootModeCapabilities(mode metal3.BootMode) []capability {
	switch mode {
	case metal3.BootModeLegacy:
		return []capability{{"boot_mode", "bios"}, {"secure_boot", ""}}
	case metal3.BootModeUEFISecureBoot:
		return []capability{{"boot_mode", "uefi"}, {"secure_boot", "true"}}
	default:
		return []capability{{"boot_mode", "uefi"}, {"secure_boot", ""}}
	}
}

// driverInfoPrefixes are the driver_info keys that belong to the BMC address; stale ones are
// dropped when the driver_info is rewritten.
var driverInfoPrefixes = []string{"ipmi_", "redfish_", "drac_", "ilo_"}

// registerPatch computes the JSON patch that makes the node look like w: only what differs.
func registerPatch(cur *nodeDoc, w wantedNode, v microversion) []patchOp {
	var ops []patchOp
	if cur.Name != w.name {
		ops = append(ops, replace(w.name, "name"))
	}
	driverChanged := cur.Driver != w.driver
	if driverChanged {
		ops = append(ops, replace(w.driver, "driver"))
	}
	for _, field := range sortedKeys(w.interfaces) {
		if driverChanged || currentInterface(cur, field) != w.interfaces[field] {
			ops = append(ops, replace(w.interfaces[field], field))
		}
	}
	if driverChanged || driverInfoDiffers(cur, w) {
		ops = append(ops, add(w.driverInfo, "driver_info"))
	}
	for _, k := range sortedKeys(w.extra) {
		if cur.Extra == nil {
			ops = append(ops, add(w.extra, "extra"))
			break
		}
		if cv, ok := cur.Extra[k]; !ok || !jsonEqual(cv, w.extra[k]) {
			ops = append(ops, add(w.extra[k], "extra", k))
		}
	}
	if cur.AutomatedClean == nil || *cur.AutomatedClean != w.automatedClean {
		ops = append(ops, replace(w.automatedClean, "automated_clean"))
	}
	if cur.Properties == nil {
		props := map[string]any{"capabilities": w.capabilities}
		if w.cpuArch != "" {
			props["cpu_arch"] = w.cpuArch
		}
		if w.vendor != "" {
			props["vendor"] = w.vendor
		}
		ops = append(ops, add(props, "properties"))
	} else {
		current := stringValue(cur.Properties, "capabilities")
		// Keep what else is in the capabilities (inspection may add entries).
		if merged := mergeCapabilities(current, w.capabilitySet); merged != current {
			ops = append(ops, add(merged, "properties", "capabilities"))
		}
		if w.cpuArch != "" && stringValue(cur.Properties, "cpu_arch") != w.cpuArch {
			ops = append(ops, add(w.cpuArch, "properties", "cpu_arch"))
		}
		if w.vendor != "" && stringValue(cur.Properties, "vendor") != w.vendor {
			ops = append(ops, add(w.vendor, "properties", "vendor"))
		}
	}
	if v.atLeast(versionDisablePowerOff) && cur.DisablePowerOff != w.disablePowerOff {
		ops = append(ops, replace(w.disablePowerOff, "disable_power_off"))
	}
	return append(ops, networkDataPatch(cur, w)...)
}

// networkDataPatch sets the node's network_data (API >= 1.66; the minimum here is above) from
// spec.preprovisioningNetworkDataName when its version differs from the one the node records;
// a removed one empties network_data. Only the version is compared: the node shows no secrets
// worth comparing, and a version names one content.
func networkDataPatch(cur *nodeDoc, w wantedNode) []patchOp {
	if stringValue(cur.Extra, extraNetworkDataVersion) == w.networkDataVersion {
		return nil
	}
	data := w.networkData
	if data == nil {
		data = map[string]any{}
	}
	return []patchOp{replace(data, "network_data"), add(w.networkDataVersion, "extra", extraNetworkDataVersion)}
}

// driverInfoDiffers reports whether the node's driver_info must be rewritten: the BMC address
// or credentials changed, a wanted key differs, or a stale BMC key is left over. Masked values
// (passwords) are taken as unchanged unless the credentials version changed.
func driverInfoDiffers(cur *nodeDoc, w wantedNode) bool {
	if stringValue(cur.Extra, extraCredentialsVersion) != w.credentialsVersion ||
		stringValue(cur.Extra, extraBMCAddress) != stringValue(w.extra, extraBMCAddress) {
		return len(w.driverInfo) > 0 || len(cur.DriverInfo) > 0
	}
	for k, want := range w.driverInfo {
		got, ok := cur.DriverInfo[k]
		if !ok {
			return true
		}
		if s, _ := got.(string); s == maskedValue {
			continue
		}
		if !jsonEqual(got, want) {
			return true
		}
	}
	for k := range cur.DriverInfo {
		if _, wanted := w.driverInfo[k]; wanted {
			continue
		}
		if w.deployManaged && isDeployKey(k) {
			return true
		}
		for _, p := range driverInfoPrefixes {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func patchPaths(ops []patchOp) []string {
	paths := make([]string, len(ops))
	for k, op := range ops {
		paths[k] = op.Path
	}
	return paths
}

// stringLeaves lists the strings inside a decoded JSON value, to hide them in error messages.
func stringLeaves(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case map[string]any:
		var out []string
		for _, e := range t {
			out = append(out, stringLeaves(e)...)
		}
		return out
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, stringLeaves(e)...)
		}
		return out
	}
	return nil
}
