package ironic

import (
	"context"
	"net/http"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// deletableStates are the provision states in which Ironic deletes a node that is not in
// maintenance.
var deletableStates = map[provisioner.ProvisionState]bool{
	provisioner.StateNone:       true,
	provisioner.StateEnroll:     true,
	provisioner.StateManageable: true,
	provisioner.StateAvailable:  true,
	provisioner.StateAdoptFail:  true,
}

// Delete removes the node: DELETE /v1/nodes/{id}, preceded by PUT /v1/nodes/{id}/maintenance
// when Ironic refuses to delete nodes in the node's state (clean failed, inspect failed, ...).
// Deprovisioning an active node first is the caller's job. A node that is gone already is
// deleted successfully.
func (i *Ironic) Delete(ctx context.Context, node *provisioner.Node) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	if !node.Maintenance && !deletableStates[node.ProvisionState] {
		err := nodes.SetMaintenance(ctx, c, id, nodes.MaintenanceOpts{Reason: "deleting the host"}).ExtractErr()
		if err = i.wrap(ctx, err, "putting node "+id+" into maintenance to delete it"); err != nil {
			if isStatus(err, http.StatusNotFound) {
				i.forgetNode(id)
				return nil
			}
			return err
		}
	}
	if err := nodes.Delete(ctx, c, id).ExtractErr(); err != nil {
		if err = i.wrap(ctx, err, "deleting node "+id); !isStatus(err, http.StatusNotFound) {
			return err
		}
	}
	i.forgetNode(id)
	return nil
}
