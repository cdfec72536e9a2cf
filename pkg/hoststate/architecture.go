package hoststate

import metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

// architectureToFill is the CPU architecture inspection found for a host whose
// spec.architecture is empty, as metal3 fills it in; "" when there is nothing to fill. A value
// the user set is never replaced.
func architectureToFill(h *metal3.BareMetalHost, st *metal3.BareMetalHostStatus) string {
	if h.Spec.Architecture != "" || st.HardwareDetails == nil {
		return ""
	}
	return st.HardwareDetails.CPU.Arch
}
