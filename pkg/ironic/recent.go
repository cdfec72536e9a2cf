package ironic

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

var _ provisioner.RecentNodeLister = (*Ironic)(nil)

// ListRecentNodes returns the limit nodes updated last, newest first: one page of
// GET /v1/nodes?sort_key=updated_at&sort_dir=desc&limit=...&fields=... Ironic serialises only
// those nodes, so the request costs little however many nodes it has. (updated_at itself is
// not a field Ironic lets a client ask for, but it sorts by it.)
func (i *Ironic) ListRecentNodes(ctx context.Context, limit int) ([]provisioner.Node, error) {
	c, _, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	u := c.ServiceURL("nodes") + "?sort_key=updated_at&sort_dir=desc&limit=" + strconv.Itoa(limit) +
		"&fields=" + strings.Join(listFields, ",")
	var page nodeList
	if err := requestJSON(ctx, c, http.MethodGet, u, nil, http.StatusOK, &page); err != nil {
		return nil, i.wrap(ctx, err, "listing recently changed nodes")
	}
	out := make([]provisioner.Node, 0, len(page.Nodes))
	for k := range page.Nodes {
		out = append(out, *toNode(&page.Nodes[k]))
	}
	return out, nil
}
