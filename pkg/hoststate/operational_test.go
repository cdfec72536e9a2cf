package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func delayed(h *metal3.BareMetalHost) { h.Status.OperationalStatus = metal3.OperationalStatusDelayed }

func discovered(h *metal3.BareMetalHost) {
	h.Status.OperationalStatus = metal3.OperationalStatusDiscovered
}

// operationalStatus is "delayed" while a host waits for a provisioning slot and "discovered"
// while it has no BMC details, as in metal3; an error shows first, and leaving the wait makes
// the host "OK" again.
func TestOperationalStatusSaysDelayedAndDiscovered(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want metal3.OperationalStatus
	}{
		{"a new host without BMC details is discovered", input(host(stNone, noBMC), nil), metal3.OperationalStatusDiscovered},
		{"an unmanaged host stays discovered", input(host(stUnmanaged, noBMC, discovered), nil), metal3.OperationalStatusDiscovered},
		{"an unmanaged host given BMC details registers, OK", input(host(stUnmanaged, discovered), nil), metal3.OperationalStatusOK},
		{"an available host waiting for a slot to provision is delayed", input(host(stAvailable, image(imgA)), node(available), slotsFull), metal3.OperationalStatusDelayed},
		{"a provisioned host waiting for a slot to deprovision is delayed",
			input(host(stProvisioned, provisioned(imgA), image(nil)), node(active, poweredOn), slotsFull), metal3.OperationalStatusDelayed},
		{"a registered host waiting for a slot to inspect is delayed", input(registering(), node(manageable), slotsFull), metal3.OperationalStatusDelayed},
		{"a delayed host given a slot starts, OK", input(host(stAvailable, image(imgA), delayed), node(available)), metal3.OperationalStatusOK},
		{"a delayed host whose image is removed rests, OK", input(host(stAvailable, delayed), node(available), slotsFull), metal3.OperationalStatusOK},
		{"an error shows before the wait", input(host(stAvailable, image(imgFTP)), node(available), slotsFull), metal3.OperationalStatusError},
	}
	for _, tc := range cases {
		if got := Decide(tc.in).Status.OperationalStatus; got != tc.want {
			t.Errorf("%s: operationalStatus %q, want %q", tc.name, got, tc.want)
		}
	}
}
