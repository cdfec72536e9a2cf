package ironic

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// Keys of the node's extra data written by Register.
const (
	extraBMCAddress         = "metalkube_bmc_address"
	extraCredentialsVersion = "metalkube_credentials_version"
	extraBootMAC            = "metalkube_boot_mac"
)

// toNode converts Ironic's node document into the provisioner's view of it.
func toNode(n *nodes.Node) *provisioner.Node {
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
		Locked:               n.Reservation != "",
		BMCAddress:           stringValue(n.Extra, extraBMCAddress),
		CredentialsVersion:   stringValue(n.Extra, extraCredentialsVersion),
		BootMACAddress:       stringValue(n.Extra, extraBootMAC),
		ImageURL:             stringValue(n.InstanceInfo, "image_source"),
		ProvisionUpdatedAt:   n.ProvisionUpdatedAt,
	}
	if out.ImageURL == "" {
		out.ImageURL = stringValue(n.InstanceInfo, "boot_iso")
	}
	return out
}

func stringValue(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// getNode reads a node by UUID or name and caches it. A missing node is an error wrapping
// provisioner.ErrNotFound.
func (i *Ironic) getNode(ctx context.Context, c *gophercloud.ServiceClient, ident string) (*nodes.Node, error) {
	n, err := nodes.Get(ctx, c, ident).Extract()
	if err != nil {
		return nil, i.wrap(ctx, err, "reading node "+ident)
	}
	i.remember(n)
	return n, nil
}

// knownNode returns the cached document of a node, reading it if there is none.
func (i *Ironic) knownNode(ctx context.Context, c *gophercloud.ServiceClient, id string) (*nodes.Node, error) {
	if n := i.cached(id); n != nil {
		return n, nil
	}
	return i.getNode(ctx, c, id)
}

// patchNode applies a JSON patch to a node and caches the result. No operations, no request.
func (i *Ironic) patchNode(ctx context.Context, c *gophercloud.ServiceClient, id string, ops []patchOp, doing string) (*nodes.Node, error) {
	if len(ops) == 0 {
		return i.cached(id), nil
	}
	opts := make(nodes.UpdateOpts, len(ops))
	for k, op := range ops {
		opts[k] = op
	}
	n, err := nodes.Update(ctx, c, id, opts).Extract()
	if err != nil {
		return nil, i.wrap(ctx, err, doing)
	}
	i.remember(n)
	return n, nil
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
