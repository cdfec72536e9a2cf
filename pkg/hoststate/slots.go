package hoststate

import (
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// slotStates are the host states in which the provisioner works on the node: a host in one
// holds a provisioning slot, and the number of slots is limited. (A node that refuses an
// operation because another one runs is "locked", provisioner.ErrLocked.)
var slotStates = map[metal3.ProvisioningState]bool{
	metal3.StateInspecting: true, metal3.StatePreparing: true, metal3.StateProvisioning: true, metal3.StateDeprovisioning: true,
}

// HoldsSlot reports whether a host in state s holds a provisioning slot (counts against the
// provisioning limit).
func HoldsSlot(s metal3.ProvisioningState) bool { return slotStates[s] }

// slotRecheck is how often a host waiting for a provisioning slot looks again. The controller
// wakes waiting hosts as soon as a slot frees, so this is only a safety net: short enough to
// recover from a lost wake, long enough that a thousand waiting hosts cost the provisioner
// next to nothing.
const slotRecheck = 2 * time.Minute

// noSlot returns a wait when entering a slot state is not allowed now.
func (d *decision) noSlot() (s step, done bool) {
	if !d.in.ProvisioningSlotsFull || slotStates[d.state()] {
		return step{}, false
	}
	return waitFor(slotRecheck).explain(ReasonWaitingForSlot,
		"waiting for a provisioning slot: the limit of hosts inspecting, cleaning or deploying at once is reached"), true
}
