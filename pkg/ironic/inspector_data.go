package ironic

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// inspectorData reads what ironic-inspector stored for a node (Config.InspectorURL): GET
// {InspectorURL}/v1/introspection/{id}/data, the processed data: "inventory" and, beside it,
// what its plugins added (all_interfaces, root_disk, ...), returned as Ironic's inventory API
// returns them. The request carries Ironic's credentials and TLS settings. ErrNotFound when
// the inspector has no data for the node.
//
// Ironic 21.4 keeps one more inventory per in-band inspection and then answers GET
// /v1/nodes/{id}/inventory with HTTP 500 (several rows where it expects one), so after a
// second inspection only the inspector still has the data.
func (i *Ironic) inspectorData(ctx context.Context, id string) (*nodes.InventoryData, error) {
	c := &gophercloud.ServiceClient{ProviderClient: i.base.ProviderClient, Endpoint: i.inspectorEndpoint,
		MoreHeaders: i.base.MoreHeaders}
	var raw map[string]json.RawMessage
	_, err := c.Get(ctx, c.ServiceURL("introspection", id, "data"), &raw, &gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}})
	switch {
	case gophercloud.ResponseCodeIs(err, http.StatusNotFound):
		return nil, fmt.Errorf("ironic-inspector has no data for node %s: %w", id, provisioner.ErrNotFound)
	case err != nil:
		// gophercloud's message names the URL and quotes the answer; never the credentials.
		return nil, fmt.Errorf("reading ironic-inspector's data of node %s: %w", id, err)
	}
	var data nodes.InventoryData
	if err := json.Unmarshal(raw["inventory"], &data.Inventory); err != nil {
		return nil, fmt.Errorf("decoding ironic-inspector's inventory of node %s: %w", id, err)
	}
	data.Inventory.Compat()
	delete(raw, "inventory")
	plugin, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	data.PluginData = nodes.PluginData{RawMessage: plugin}
	return &data, nil
}
