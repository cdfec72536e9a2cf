package host

import (
	"context"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// inBandInspector is implemented by a provisioner that can inspect hosts in band (Ironic with
// ironic-inspector), whatever their BMC driver.
type inBandInspector interface{ InBandInspection() bool }

// inBandInspection reports whether the provisioner inspects in band.
func inBandInspection(p provisioner.Provisioner) bool {
	ib, ok := p.(inBandInspector)
	return ok && ib.InBandInspection()
}

// inspect starts an inspection in the host's inspection mode.
func (c *Controller) inspect(ctx context.Context, h *metal3.BareMetalHost, node *provisioner.Node) error {
	req := provisioner.InspectRequest{Mode: h.Spec.InspectionMode}
	if access, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification); err == nil {
		req.BMC = access
	}
	return c.prov.Inspect(ctx, node, req)
}
