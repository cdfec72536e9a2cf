package ironic

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// softPowerTimeout is how long (seconds) Ironic waits for a graceful power-off or reboot
// before it reports failure.
const softPowerTimeout = 180

// SetPower changes a node's power: PUT /v1/nodes/{id}/states/power with target "power on",
// "power off" or "rebooting". With Soft, "soft power off" or "soft rebooting" is asked first
// (with a timeout); if Ironic rejects it (400/501: the power interface does not support it) the
// hard target is sent instead, a second request.
func (i *Ironic) SetPower(ctx context.Context, node *provisioner.Node, req provisioner.PowerRequest) error {
	id, err := nodeID(node)
	if err != nil {
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	var hard, soft nodes.TargetPowerState
	switch {
	case req.Reboot:
		hard, soft = nodes.Rebooting, nodes.SoftRebooting
	case req.On:
		hard = nodes.PowerOn
	default:
		hard, soft = nodes.PowerOff, nodes.SoftPowerOff
	}
	if req.Soft && soft != "" {
		err := i.changePower(ctx, c, id, soft, softPowerTimeout)
		if err == nil || !isStatus(err, http.StatusBadRequest, http.StatusNotImplemented) {
			return err
		}
		klog.FromContext(ctx).V(1).Info("Ironic rejected the soft power action; using the hard one",
			"node", id, "target", string(soft), "fallback", string(hard), "reason", err.Error())
	}
	return i.changePower(ctx, c, id, hard, 0)
}

func (i *Ironic) changePower(ctx context.Context, c *gophercloud.ServiceClient, id string, target nodes.TargetPowerState, timeout int) error {
	err := nodes.ChangePowerState(ctx, c, id, nodes.PowerStateOpts{Target: target, Timeout: timeout}).ExtractErr()
	return i.wrap(ctx, err, fmt.Sprintf("changing the power of node %s to %q", id, target))
}
