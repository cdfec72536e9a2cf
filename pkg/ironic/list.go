package ironic

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

var _ provisioner.NodeLister = (*Ironic)(nil)

// listFields are the node fields the provisioner's Node needs; asking only for them keeps the
// shared poll cheap for Ironic (no driver_info, properties or links).
var listFields = []string{
	"uuid", "name", "provision_state", "target_provision_state", "power_state", "target_power_state",
	"last_error", "maintenance", "maintenance_reason", "reservation", "extra", "instance_info", "provision_updated_at",
	"driver", "driver_info", "boot_interface",
}

// ListNodes returns every node: GET /v1/nodes?fields=...&limit=1000, following Ironic's
// pagination. It does not touch the per-node cache, whose documents are complete.
func (i *Ironic) ListNodes(ctx context.Context) ([]provisioner.Node, error) {
	c, _, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	var out []provisioner.Node
	err = nodes.List(c, nodes.ListOpts{Fields: listFields, Limit: 1000}).EachPage(ctx, func(_ context.Context, page pagination.Page) (bool, error) {
		list, err := nodes.ExtractNodes(page)
		if err != nil {
			return false, err
		}
		for k := range list {
			n := toNode(&list[k])
			n.Driver = list[k].Driver
			n.BMCHint = bmcHint(&list[k])
			out = append(out, *n)
		}
		return true, nil
	})
	if err != nil {
		return nil, i.wrap(ctx, err, "listing nodes")
	}
	return out, nil
}
