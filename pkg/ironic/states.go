package ironic

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// Manage moves an enrolled node to manageable (Ironic verifies BMC access on the way):
// PUT /v1/nodes/{id}/states/provision {"target":"manage"}.
func (i *Ironic) Manage(ctx context.Context, node *provisioner.Node) error {
	return i.simpleTarget(ctx, node, nodes.TargetManage)
}

// Inspect starts inspection of a manageable node: with ironic-inspector (Config.Inspector)
// first PATCH /v1/nodes/{id} inspect_interface for req.Mode if the node has another one, then
// PUT /v1/nodes/{id}/states/provision {"target":"inspect"}.
func (i *Ironic) Inspect(ctx context.Context, node *provisioner.Node, req provisioner.InspectRequest) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	if err := i.setInspectInterface(ctx, id, req); err != nil {
		return err
	}
	return i.simpleTarget(ctx, node, nodes.TargetInspect)
}

// Undeploy deprovisions an active or failed node: PUT .../states/provision {"target":"deleted"}.
// Ironic cleans it (if automated cleaning is on) and leaves it available.
func (i *Ironic) Undeploy(ctx context.Context, node *provisioner.Node) error {
	return i.simpleTarget(ctx, node, nodes.TargetDeleted)
}

// Provide moves a manageable node to available: PATCH /v1/nodes/{id} automated_clean if it
// differs from the last node document seen, then PUT .../states/provision {"target":"provide"}.
func (i *Ironic) Provide(ctx context.Context, node *provisioner.Node, automatedClean bool) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	if cur := i.cached(id); cur == nil || cur.AutomatedClean == nil || *cur.AutomatedClean != automatedClean {
		ops := []patchOp{replace(automatedClean, "automated_clean")}
		if _, err := i.patchNode(ctx, c, id, ops, "setting automated_clean of node "+id); err != nil {
			return err
		}
	}
	return i.changeProvisionState(ctx, c, id, provisionRequest{Target: nodes.TargetProvide})
}

// Recover moves a node out of inspect failed, clean failed or adopt failed back to
// manageable: DELETE /v1/nodes/{id}/maintenance first if the node is in maintenance (Ironic
// puts nodes that failed cleaning there), then PUT .../states/provision {"target":"manage"}.
func (i *Ironic) Recover(ctx context.Context, node *provisioner.Node) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	if node.Maintenance {
		if err := nodes.UnsetMaintenance(ctx, c, id).ExtractErr(); err != nil {
			return i.wrap(ctx, err, "ending the maintenance of node "+id)
		}
	}
	return i.changeProvisionState(ctx, c, id, provisionRequest{Target: nodes.TargetManage})
}

// Adopt takes over a manageable node that already runs image: PATCH /v1/nodes/{id} with the
// image's instance_info (Ironic needs image_source to adopt with most deploy interfaces), then
// PUT .../states/provision {"target":"adopt"}.
func (i *Ironic) Adopt(ctx context.Context, node *provisioner.Node, image *metal3.Image) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	if image != nil && image.URL != "" {
		info, err := imageInstanceInfo(image)
		if err != nil {
			return err
		}
		var ops []patchOp
		for _, k := range sortedKeys(info) {
			ops = append(ops, add(info[k], "instance_info", k))
		}
		if _, err := i.patchNode(ctx, c, id, ops, "setting the image of node "+id); err != nil {
			return err
		}
	}
	return i.changeProvisionState(ctx, c, id, provisionRequest{Target: nodes.TargetAdopt})
}

func (i *Ironic) simpleTarget(ctx context.Context, node *provisioner.Node, target nodes.TargetProvisionState) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	return i.changeProvisionState(ctx, c, id, provisionRequest{Target: target})
}
