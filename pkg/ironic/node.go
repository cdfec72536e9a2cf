package ironic

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// Keys of the node's extra data written by Register.
const (
	extraBMCAddress         = "metalkube_bmc_address"
	extraCredentialsVersion = "metalkube_credentials_version"
	extraBootMAC            = "metalkube_boot_mac"
	extraNetworkDataVersion = "metalkube_network_data_version"
)

// nodeDoc is what this package reads of Ironic's node document. GET asks Ironic for these
// fields only (nodeFields); the answers to GET, PATCH and POST are decoded straight into it,
// and the per-node cache keeps it.
type nodeDoc struct {
	UUID                 string     `json:"uuid"`
	Name                 string     `json:"name"`
	Driver               string     `json:"driver"`
	ProvisionState       string     `json:"provision_state"`
	TargetProvisionState string     `json:"target_provision_state"`
	PowerState           string     `json:"power_state"`
	TargetPowerState     string     `json:"target_power_state"`
	LastError            string     `json:"last_error"`
	Maintenance          bool       `json:"maintenance"`
	MaintenanceReason    string     `json:"maintenance_reason"`
	Fault                string     `json:"fault"`
	Reservation          string     `json:"reservation"`
	ProvisionUpdatedAt   time.Time  `json:"provision_updated_at"`
	InspectionFinishedAt *time.Time `json:"inspection_finished_at"`
	AutomatedClean       *bool      `json:"automated_clean"`
	// DisablePowerOff is only asked for from API 1.95 (versionDisablePowerOff).
	DisablePowerOff bool `json:"disable_power_off"`

	// DriverInfo holds the BMC address and credentials, passwords masked as "******". It is
	// compared with what Register wants and is never logged.
	DriverInfo   map[string]any `json:"driver_info"`
	Extra        map[string]any `json:"extra"`
	Properties   map[string]any `json:"properties"`
	InstanceInfo instanceInfo   `json:"instance_info"`

	BootInterface       string `json:"boot_interface"`
	DeployInterface     string `json:"deploy_interface"`
	InspectInterface    string `json:"inspect_interface"`
	ManagementInterface string `json:"management_interface"`
	PowerInterface      string `json:"power_interface"`
	RAIDInterface       string `json:"raid_interface"`
	BIOSInterface       string `json:"bios_interface"`
	VendorInterface     string `json:"vendor_interface"`
}

// instanceInfo is what this package reads of a node's instance_info: the image it has.
type instanceInfo struct {
	ImageSource looseString `json:"image_source"`
	BootISO     looseString `json:"boot_iso"`
}

// looseString is a JSON string, and "" for any other JSON value: instance_info is free-form,
// and an odd value in it must not make the node unreadable.
type looseString string

func (s *looseString) UnmarshalJSON(data []byte) error {
	var v string
	if json.Unmarshal(data, &v) != nil {
		v = ""
	}
	*s = looseString(v)
	return nil
}

// nodeFields are the JSON names of nodeDoc's fields, the ones a node read asks for
// (GET /v1/nodes/{ident}?fields=..., API >= 1.8) so that Ironic serialises nothing else: no
// driver_internal_info, steps, links or timestamps. disable_power_off is added from API 1.95;
// an older Ironic answers 406 to a field it does not have.
var nodeFields = []string{
	"uuid", "name", "driver", "provision_state", "target_provision_state", "power_state", "target_power_state",
	"last_error", "maintenance", "maintenance_reason", "fault", "reservation", "provision_updated_at", "inspection_finished_at", "automated_clean",
	"driver_info", "extra", "properties", "instance_info",
	"boot_interface", "deploy_interface", "inspect_interface", "management_interface", "power_interface",
	"raid_interface", "bios_interface", "vendor_interface",
}

// nodeQuery is the query of a node read at API version v.
func nodeQuery(v microversion) string {
	q := "?fields=" + strings.Join(nodeFields, ",")
	if v.atLeast(versionDisablePowerOff) {
		q += ",disable_power_off"
	}
	return q
}

// toNode converts Ironic's node document into the provisioner's view of it.
func toNode(n *nodeDoc) *provisioner.Node {
	out := &provisioner.Node{
		ID:                   n.UUID,
		Name:                 n.Name,
		ProvisionState:       provisioner.ProvisionState(n.ProvisionState),
		TargetProvisionState: provisioner.ProvisionState(n.TargetProvisionState),
		PowerState:           provisioner.PowerState(n.PowerState),
		TargetPowerState:     provisioner.PowerState(n.TargetPowerState),
		LastError:            n.LastError,
		Maintenance:          n.Maintenance,
		MaintenanceReason:    n.MaintenanceReason,
		Fault:                n.Fault,
		Locked:               n.Reservation != "",
		BMCAddress:           stringValue(n.Extra, extraBMCAddress),
		CredentialsVersion:   stringValue(n.Extra, extraCredentialsVersion),
		BootMACAddress:       stringValue(n.Extra, extraBootMAC),
		NetworkDataVersion:   stringValue(n.Extra, extraNetworkDataVersion),
		ImageURL:             string(n.InstanceInfo.ImageSource),
		ProvisionUpdatedAt:   n.ProvisionUpdatedAt,
		Inspected:            n.InspectionFinishedAt != nil,
	}
	if out.ImageURL == "" {
		out.ImageURL = string(n.InstanceInfo.BootISO)
	}
	return out
}

func stringValue(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// getNode reads a node by UUID or name, only the fields this package uses, and caches it. A
// missing node is an error wrapping provisioner.ErrNotFound.
func (i *Ironic) getNode(ctx context.Context, c *gophercloud.ServiceClient, v microversion, ident string) (*nodeDoc, error) {
	var n nodeDoc
	if err := requestJSON(ctx, c, http.MethodGet, c.ServiceURL("nodes", ident)+nodeQuery(v), nil, http.StatusOK, &n); err != nil {
		return nil, i.wrap(ctx, err, "reading node "+ident)
	}
	i.remember(&n)
	return &n, nil
}

// knownNode returns the cached document of a node, reading it if there is none.
func (i *Ironic) knownNode(ctx context.Context, c *gophercloud.ServiceClient, v microversion, id string) (*nodeDoc, error) {
	if n := i.cached(id); n != nil {
		return n, nil
	}
	return i.getNode(ctx, c, v, id)
}

// patchNode applies a JSON patch to a node (PATCH /v1/nodes/{id}, answered with the whole
// node) and caches the result. No operations, no request.
func (i *Ironic) patchNode(ctx context.Context, c *gophercloud.ServiceClient, id string, ops []patchOp, doing string) (*nodeDoc, error) {
	if len(ops) == 0 {
		return i.cached(id), nil
	}
	var n nodeDoc
	if err := requestJSON(ctx, c, http.MethodPatch, c.ServiceURL("nodes", id), ops, http.StatusOK, &n); err != nil {
		return nil, i.wrap(ctx, err, doing)
	}
	i.remember(&n)
	return &n, nil
}

// requestJSON sends a request through gophercloud (microversion header, authentication,
// errors as gophercloud.ErrUnexpectedResponseCode) and decodes the JSON answer into out with
// encoding/json, straight from the body: no map[string]any in between. Callers wrap the error.
func requestJSON(ctx context.Context, c *gophercloud.ServiceClient, method, url string, body any, ok int, out any) error {
	resp, err := c.Request(ctx, method, url, &gophercloud.RequestOpts{JSONBody: body, OkCodes: []int{ok}, KeepResponseBody: true})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decoding Ironic's answer: %w", err)
	}
	// Read to the end so the connection is reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// provisionRequest is the body of PUT /v1/nodes/{id}/states/provision. It is built by hand:
// gophercloud's options drop empty deploy-step arguments that Ironic requires.
type provisionRequest struct {
	Target      nodes.TargetProvisionState
	ConfigDrive map[string]any
	DeploySteps []map[string]any
}

func (r provisionRequest) ToProvisionStateMap() (map[string]any, error) {
	body := map[string]any{"target": string(r.Target)}
	if len(r.ConfigDrive) > 0 {
		body["configdrive"] = r.ConfigDrive
	}
	if len(r.DeploySteps) > 0 {
		body["deploy_steps"] = r.DeploySteps
	}
	return body, nil
}

// changeProvisionState asks Ironic to move a node towards a target (PUT .../states/provision).
func (i *Ironic) changeProvisionState(ctx context.Context, c *gophercloud.ServiceClient, id string, req provisionRequest) error {
	doing := fmt.Sprintf("moving node %s to provision target %q", id, req.Target)
	if err := nodes.ChangeProvisionState(ctx, c, id, req).ExtractErr(); err != nil {
		return i.wrap(ctx, err, doing)
	}
	return nil
}

// nodeID checks that the caller passed a node.
func nodeID(node *provisioner.Node) (string, error) {
	if node == nil || strings.TrimSpace(node.ID) == "" {
		return "", fmt.Errorf("ironic: no node given: %w", provisioner.ErrNotFound)
	}
	return node.ID, nil
}
