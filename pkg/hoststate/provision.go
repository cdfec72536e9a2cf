package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleProvisioning deploys the image recorded in status.provisioning and waits for it.
func handleProvisioning(m *machine) step {
	if s, ok := m.register(); !ok {
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	n := m.node
	if imageChanged(m.host, m.status) || (imageDetailsChanged(m.host, m.status) && !deployedOrDeploying(n)) {
		switch n.ProvisionState {
		case provisioner.StateAvailable:
			// The deploy never started: nothing to undo.
			m.clearProvisioning()
			m.setState(metal3.StateAvailable)
			return handleAvailable(m)
		case provisioner.StateActive, provisioner.StateDeployFail:
			return m.startDeprovisioning()
		}
		// Any other node state is handled as below (none of those deploys): a manageable or
		// failed node must still be made available or recovered, not waited for.
	}
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return m.waitNode()
		}
		if s, stop := m.provisioningLimit(); stop {
			return s
		}
		return m.deploy()
	case provisioner.StateActive:
		if !n.Stable() {
			return m.waitNode()
		}
		m.status.OperationHistory.Provision.End = m.now()
		m.status.ProvisioningFailCount = 0
		m.event(corev1.EventTypeNormal, "ProvisioningComplete", "Image provisioning completed for %s", m.status.Provisioning.Image.URL)
		m.setState(metal3.StateProvisioned)
		return m.managePower()
	case provisioner.StateDeployFail:
		if s, stop := m.provisioningLimit(); stop {
			return s
		}
		s := m.failOrRetry(metal3.ProvisioningError, "deploy failed: "+n.LastError, Action{Kind: ActionDeploy})
		if s.action.Kind == ActionDeploy {
			return m.deploy()
		}
		return s.againstImage()
	}
	if s, ok := m.towardAvailable(metal3.PreparationError, "cleaning failed: "); ok {
		return s
	}
	return m.waitNode()
}

// imageChanged reports whether the spec no longer asks for the image status.provisioning
// records, in metal3's sense: the image URL changed or the image was removed, or the custom
// deploy method changed. Only this takes a provisioned host down: a new checksum, checksum type
// or format for the same URL never wipes a running server.
func imageChanged(h *metal3.BareMetalHost, st metal3.BareMetalHostStatus) bool {
	p := st.Provisioning
	if p.CustomDeploy != nil || h.Spec.CustomDeploy != nil {
		if p.CustomDeploy == nil || h.Spec.CustomDeploy == nil || p.CustomDeploy.Method != h.Spec.CustomDeploy.Method {
			return true
		}
	}
	img := h.Spec.Image
	if img == nil {
		return p.Image.URL != ""
	}
	return img.URL != p.Image.URL
}

// imageDetailsChanged reports whether the checksum, checksum type or format of the image
// changed. It matters only before a deploy succeeded: a corrected checksum is then used for the
// next attempt.
func imageDetailsChanged(h *metal3.BareMetalHost, st metal3.BareMetalHostStatus) bool {
	img, p := h.Spec.Image, st.Provisioning.Image
	if img == nil {
		return false
	}
	return img.Checksum != p.Checksum || img.ChecksumType != p.ChecksumType || ptrString(img.DiskFormat) != ptrString(p.DiskFormat)
}

// deployedOrDeploying reports whether the node runs the image or is writing it.
func deployedOrDeploying(n *provisioner.Node) bool {
	switch n.ProvisionState {
	case provisioner.StateAvailable, provisioner.StateDeployFail:
		return false
	}
	return true
}

func ptrString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (m *machine) clearProvisioning() {
	p := &m.status.Provisioning
	p.Image = metal3.Image{}
	p.RootDeviceHints = nil
	p.CustomDeploy = nil
	p.BootMode = ""
}

// handleProvisioned keeps a provisioned host powered as spec.online says, deprovisions it when
// its image is removed or changed, and adopts its node again if the backend lost it.
func handleProvisioned(m *machine) step {
	if s, ok := m.register(); !ok {
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	if s, ok := m.deprovisioningUnderway(); ok {
		return s
	}
	n := m.node
	if imageChanged(m.host, m.status) && n.ProvisionState == provisioner.StateActive {
		return m.startDeprovisioning()
	}
	return m.runningNode(metal3.ProvisionedRegistrationError)
}

// handleExternallyProvisioned adopts the node without deploying and manages its power.
func handleExternallyProvisioned(m *machine) step {
	if s, ok := m.register(); !ok {
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	if m.node.ProvisionState == provisioner.StateAvailable && m.node.Stable() {
		return act(Action{Kind: ActionRecover}) // back to manageable, from where it is adopted
	}
	if !m.host.Spec.ExternallyProvisioned && m.node.ProvisionState == provisioner.StateActive && m.node.Stable() {
		// Switched off: the host is provisioned with what the spec says it runs (metal3's
		// rule). Nothing is deployed or cleaned; a later image change deprovisions as usual.
		p := &m.status.Provisioning
		p.Image = metal3.Image{}
		if m.host.Spec.Image != nil {
			p.Image = *m.host.Spec.Image.DeepCopy()
		}
		p.CustomDeploy = m.host.Spec.CustomDeploy.DeepCopy()
		m.setState(metal3.StateProvisioned)
		m.event(corev1.EventTypeNormal, "Provisioned", "Host no longer marked externally provisioned; now provisioned with what it runs")
		return m.runningNode(metal3.ProvisionedRegistrationError)
	}
	return m.runningNode(metal3.ProvisionedRegistrationError)
}

// runningNode handles a node that should be active: adopt it if it is merely manageable (a
// re-enrolled node is never deployed again), otherwise manage its power.
func (m *machine) runningNode(errType metal3.ErrorType) step {
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateActive:
		if !n.Stable() {
			return m.waitNode()
		}
		return m.managePower()
	case provisioner.StateManageable:
		if !n.Stable() {
			return m.waitNode()
		}
		return act(Action{Kind: ActionAdopt})
	case provisioner.StateAdoptFail:
		return m.failOrRetry(errType, "adoption failed: "+n.LastError, Action{Kind: ActionRecover})
	case provisioner.StateDeployFail, provisioner.StateError:
		return m.fail(errType, "node is in state "+string(n.ProvisionState)+": "+n.LastError)
	}
	return m.waitNode()
}

// deploy asks for the deploy of the image status.provisioning records, and records it as
// status.lastAttemptedImage; the count of failed attempts starts again for a new image.
func (m *machine) deploy() step {
	m.recordAttempt()
	return act(Action{Kind: ActionDeploy})
}

// recordAttempt records the image status.provisioning holds as the last one attempted. As in
// metal3, any change of the image (URL, checksum, checksum type or format) starts the count of
// failed attempts again.
func (m *machine) recordAttempt() {
	p := m.status.Provisioning.Image
	if last := m.status.LastAttemptedImage; last == nil || !equality.Semantic.DeepEqual(*last, p) {
		m.status.ProvisioningFailCount = 0
	}
	m.status.LastAttemptedImage = p.DeepCopy()
}

// forgetAttemptsWithoutImage clears the count of failed deploys, and the last attempted image,
// of an available host whose spec asks for no image, as metal3 does: after a success (no
// failures counted) the last attempted image is kept.
func (m *machine) forgetAttemptsWithoutImage() {
	if img := m.host.Spec.Image; (img == nil || img.URL == "") && m.status.ProvisioningFailCount > 0 {
		m.status.ProvisioningFailCount = 0
		m.status.LastAttemptedImage = nil
	}
}

// provisioningLimit stops deploy retries once MaxProvisioningAttempts consecutive deploys of
// the same image have failed (Ironic's deploy failed, or the deploy request refused), as
// status.provisioningFailCount counts them: a problem of a data Secret does not count. The
// host waits, with the error kept, until its image changes.
func (m *machine) provisioningLimit() (step, bool) {
	st := m.in.Host.Status
	if m.in.MaxProvisioningAttempts <= 0 || st.ErrorType != metal3.ProvisioningError || st.ProvisioningFailCount < m.in.MaxProvisioningAttempts {
		return step{}, false
	}
	m.status.ErrorType, m.status.ErrorMessage = st.ErrorType, st.ErrorMessage
	m.status.OperationalStatus = metal3.OperationalStatusError
	m.limitReached = true
	return step{}.explain(ReasonProvisioningLimit, fmt.Sprintf(
		"deploying %s failed %d times in a row, the limit; change or remove spec.image, or set status.provisioningFailCount to 0, to try again",
		m.status.Provisioning.Image.URL, st.ProvisioningFailCount)), true
}
