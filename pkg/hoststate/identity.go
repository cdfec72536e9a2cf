package hoststate

import (
	"fmt"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// maxNodeNameLength is the longest node name Ironic accepts; a host's node is named
// "<namespace>~<name>".
const maxNodeNameLength = 255

// checkIdentity keeps a host off servers that are not its own, before anything else looks at
// the node. A node found only by the host's boot MAC that is named for something else belongs
// to another host (or was enrolled by someone else): it is never adopted, renamed or rewritten,
// and the host behaves as if it had no node. Only an unnamed node may be taken over by MAC.
// A BMC address that reaches a server another host came first for is refused the same way.
// Both are reported by registration (identityProblem).
func (d *decision) checkIdentity() {
	name := provisioner.HostRef{Namespace: d.host.Namespace, Name: d.host.Name}.NodeName()
	if n := d.node; n != nil && n.FoundByBootMAC && n.Name != "" && n.Name != name {
		d.identityProblem = fmt.Sprintf("boot MAC address %s is a port of Ironic node %s (%s), which belongs to another host; "+
			"this host will not take it over: correct spec.bootMACAddress", d.host.Spec.BootMACAddress, n.Name, n.ID)
		d.node = nil
		return
	}
	if owner := d.in.BMCOwner; owner != "" {
		d.identityProblem = fmt.Sprintf("BMC address %s reaches the same server as host %s, which was there first; "+
			"one server can be managed by one host only", d.host.Spec.BMC.Address, owner)
		return
	}
	if len(name) > maxNodeNameLength {
		d.identityProblem = fmt.Sprintf("the host's Ironic node name %q is %d characters long, and Ironic accepts at most %d: "+
			"shorten the host's name or namespace", name, len(name), maxNodeNameLength)
	}
}

// identityFailure is the registration error for an identity problem.
func (d *decision) identityFailure() step {
	return d.fail(d.registrationErrorType(), d.identityProblem).because(ReasonIdentityConflict)
}

// nodeIsOurs reports whether the node may be recorded as the host's.
func (d *decision) nodeIsOurs() bool {
	return d.node != nil && d.identityProblem == ""
}
