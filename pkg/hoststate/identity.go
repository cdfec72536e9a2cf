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
func (m *machine) checkIdentity() {
	name := provisioner.HostRef{Namespace: m.host.Namespace, Name: m.host.Name}.NodeName()
	if n := m.node; n != nil && n.FoundByBootMAC && n.Name != "" && n.Name != name {
		m.identityProblem = fmt.Sprintf("boot MAC address %s is a port of Ironic node %s (%s), which belongs to another host; "+
			"this host will not take it over: correct spec.bootMACAddress", m.host.Spec.BootMACAddress, n.Name, n.ID)
		m.node = nil
		return
	}
	if owner := m.in.BMCOwner; owner != "" {
		m.identityProblem = fmt.Sprintf("BMC address %s reaches the same server as host %s, which was there first; "+
			"one server can be managed by one host only", m.host.Spec.BMC.Address, owner)
		return
	}
	if len(name) > maxNodeNameLength {
		m.identityProblem = fmt.Sprintf("the host's Ironic node name %q is %d characters long, and Ironic accepts at most %d: "+
			"shorten the host's name or namespace", name, len(name), maxNodeNameLength)
	}
}

// identityFailure is the registration error for an identity problem.
func (m *machine) identityFailure() step {
	return m.fail(m.registrationErrorType(), m.identityProblem).because(ReasonIdentityConflict)
}

// nodeIsOurs reports whether the node may be recorded as the host's.
func (m *machine) nodeIsOurs() bool {
	return m.node != nil && m.identityProblem == ""
}
