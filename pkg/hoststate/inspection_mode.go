package hoststate

import (
	"fmt"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

// ReasonFastInspectionUnsupported: spec.inspectionMode is fast and the BMC driver has no
// out-of-band inspection.
const ReasonFastInspectionUnsupported = "FastInspectionUnsupported"

// fastInspectionProblem is metal3's error for spec.inspectionMode fast on a BMC whose driver
// cannot inspect out of band (ipmi, libvirt); "" when there is none.
func fastInspectionProblem(h *metal3.BareMetalHost) string {
	if h.Spec.InspectionMode != metal3.InspectionModeFast {
		return ""
	}
	access, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification)
	if err != nil || access.CanInspect() {
		return ""
	}
	return fmt.Sprintf("BMC driver %s does not support fast (out-of-band) inspection", access.Type())
}

// failFastInspection is the inspection error of a host asking for fast inspection its BMC
// cannot do: it stays inspecting, nothing is asked of Ironic, until the mode or address changes.
func (d *decision) failFastInspection(problem string) step {
	d.setState(metal3.StateInspecting)
	return d.fail(metal3.InspectionError, problem).because(ReasonFastInspectionUnsupported)
}
