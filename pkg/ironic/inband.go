package ironic

import (
	"context"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// inspectorInterface is Ironic's in-band inspect interface: ironic-inspector boots the deploy
// ramdisk, which reports the hardware inventory.
const inspectorInterface = "inspector"

// InBandInspection reports whether Ironic inspects in band (Config.Inspector): the host
// controller then inspects hosts whose BMC driver has no out-of-band inspection (ipmi).
func (i *Ironic) InBandInspection() bool { return i.defaults.inspector }

// inspectInterface is the inspect_interface a host's node gets, as in metal3: with
// ironic-inspector, "inspector" unless spec.inspectionMode is fast; fast (and every mode
// without ironic-inspector) gets the BMC driver's out-of-band one ("" is Ironic's default).
func (d nodeDefaults) inspectInterface(mode metal3.InspectionMode, access *bmc.AccessDetails) string {
	if d.inspector && mode != metal3.InspectionModeFast {
		return inspectorInterface
	}
	return access.Interfaces().Inspect
}

// setInspectInterface switches the node to the inspect interface of the mode before an
// inspection (PATCH /v1/nodes/{id} when the last node document seen differs). Without
// ironic-inspector nothing changes: the interface chosen at registration stays.
func (i *Ironic) setInspectInterface(ctx context.Context, id string, req provisioner.InspectRequest) error {
	if !i.defaults.inspector || req.BMC == nil {
		return nil
	}
	want := i.defaults.inspectInterface(req.Mode, req.BMC)
	if want == "" {
		return nil
	}
	if cur := i.cached(id); cur != nil && cur.InspectInterface == want {
		return nil
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	_, err = i.patchNode(ctx, c, id, []patchOp{replace(want, "inspect_interface")}, "setting the inspect interface of node "+id)
	return err
}
