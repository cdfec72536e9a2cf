package ironic

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

var _ provisioner.NodeLister = (*Ironic)(nil)

// listFields are the node fields the provisioner's Node needs; asking only for them keeps the
// shared poll cheap for Ironic (no properties, interfaces or links).
var listFields = []string{
	"uuid", "name", "provision_state", "target_provision_state", "power_state", "target_power_state",
	"last_error", "maintenance", "maintenance_reason", "fault", "reservation", "extra", "instance_info", "provision_updated_at", "inspection_finished_at",
	"driver", "driver_info", "boot_interface",
}

// listPageSize is the page size asked for (Ironic's default maximum).
const listPageSize = 1000

// nodeList is one page of GET /v1/nodes. Ironic sends next (a URL) when the page is full.
type nodeList struct {
	Nodes []nodeDoc `json:"nodes"`
	Next  string    `json:"next"`
}

// ListNodes returns every node: GET /v1/nodes?fields=...&limit=1000, then, while Ironic says
// there is a next page, the same with marker={last UUID}. (gophercloud's node pager looks for
// nodes_links, which Ironic does not send, and stops after the first page:
// gophercloud/gophercloud#2431.) It does not touch the per-node cache, whose documents have
// more fields.
func (i *Ironic) ListNodes(ctx context.Context) ([]provisioner.Node, error) {
	c, _, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	base := c.ServiceURL("nodes") + "?fields=" + strings.Join(listFields, ",") + "&limit=" + strconv.Itoa(listPageSize)
	var out []provisioner.Node
	marker := ""
	for {
		u := base
		if marker != "" {
			u += "&marker=" + url.QueryEscape(marker)
		}
		var page nodeList
		if err := requestJSON(ctx, c, http.MethodGet, u, nil, http.StatusOK, &page); err != nil {
			return nil, i.wrap(ctx, err, "listing nodes")
		}
		for k := range page.Nodes {
			n := toNode(&page.Nodes[k])
			n.Driver = page.Nodes[k].Driver
			n.BMCHint = bmcHint(&page.Nodes[k])
			out = append(out, *n)
		}
		if page.Next == "" || len(page.Nodes) == 0 || page.Nodes[len(page.Nodes)-1].UUID == marker {
			return out, nil
		}
		marker = page.Nodes[len(page.Nodes)-1].UUID
	}
}
