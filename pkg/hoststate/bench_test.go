package hoststate

import (
	"testing"
	"time"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// BenchmarkDecide measures one decision for the hosts a controller sees most: provisioned
// ones with nothing to do, and ones waiting for a deployment.
func BenchmarkDecide(b *testing.B) {
	for _, c := range []struct {
		name string
		in   Input
	}{
		{"a provisioned steady host", input(host(stProvisioned, running(imgA), online), node(active, poweredOn))},
		{"a host mid-provisioning", input(host(stProvisioning, running(imgA)), node(waitCallBack, inStateSince(at(-time.Minute))))},
		{"a host whose deployment completes", input(host(stProvisioning, running(imgA), online), node(active))},
		{"a new host registering", input(host(stNone), nil)},
		{"a deleted host being released", input(host(stDeleting, deleted), (*provisioner.Node)(nil))},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Decide(c.in)
			}
		})
	}
}
