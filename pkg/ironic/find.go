package ironic

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// FindNode looks the host's node up by ID (GET /v1/nodes/{id}), then by name
// (GET /v1/nodes/{namespace~name}), then by its boot MAC
// (GET /v1/ports?address={mac}&fields=node_uuid, then GET /v1/nodes/{uuid}). Each step runs
// only if the previous one found nothing. It returns (nil, nil) when no node matches. A node
// found by MAC is marked FoundByBootMAC: it may belong to another host.
func (i *Ironic) FindNode(ctx context.Context, host provisioner.HostRef) (*provisioner.Node, error) {
	c, v, err := i.client(ctx)
	if err != nil {
		return nil, err
	}
	if host.NodeID != "" {
		n, err := i.getNode(ctx, c, v, host.NodeID)
		switch {
		case err == nil:
			return toNode(n), nil
		case !errors.Is(err, provisioner.ErrNotFound):
			return nil, err
		}
		i.forgetNode(host.NodeID)
	}
	if name := host.NodeName(); host.Name != "" && len(name) <= maxNodeName {
		n, err := i.getNode(ctx, c, v, name)
		switch {
		case err == nil:
			return toNode(n), nil
		case isStatus(err, http.StatusBadRequest):
			// "Expected UUID or name": Ironic cannot hold a node by this name, so none has it.
		case !errors.Is(err, provisioner.ErrNotFound):
			return nil, err
		}
	}
	if host.BootMACAddress == "" {
		return nil, nil
	}
	id, err := i.portNodeID(ctx, c, host.BootMACAddress)
	if err != nil || id == "" {
		return nil, err
	}
	n, err := i.getNode(ctx, c, v, id)
	switch {
	case err == nil:
		found := toNode(n)
		found.FoundByBootMAC = true // whose it is, the caller decides
		return found, nil
	case errors.Is(err, provisioner.ErrNotFound): // deleted in between
		return nil, nil
	default:
		return nil, err
	}
}

// maxNodeName is the longest node name Ironic accepts (its names are at most 255 characters);
// no node can be found by a longer one, and asking only earns a 400.
const maxNodeName = 255

// portNodeID returns the UUID of the node that has a port with this MAC, or "".
func (i *Ironic) portNodeID(ctx context.Context, c *gophercloud.ServiceClient, mac string) (string, error) {
	mac = strings.ToLower(strings.TrimSpace(mac))
	var id string
	err := ports.List(c, ports.ListOpts{Address: mac, Fields: []string{"node_uuid"}}).EachPage(ctx,
		func(_ context.Context, page pagination.Page) (bool, error) {
			list, err := ports.ExtractPorts(page)
			if err != nil {
				return false, err
			}
			for _, p := range list {
				if p.NodeUUID != "" {
					id = p.NodeUUID
					return false, nil
				}
			}
			return false, nil
		})
	if err != nil {
		return "", i.wrap(ctx, err, "looking up the port with MAC "+mac)
	}
	return id, nil
}
