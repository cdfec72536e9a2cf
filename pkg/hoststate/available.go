package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleAvailable keeps an available host powered as spec.online says and starts provisioning
// once it has an image.
func handleAvailable(m *machine) step {
	if m.state() == metal3.StateReady { // metal3's older spelling
		m.status.Provisioning.State = metal3.StateAvailable
	}
	m.forgetAttemptsWithoutImage()
	if s, ok := m.register(); !ok {
		return s
	}
	if s, ok := m.reenroll(); ok {
		return s
	}
	n := m.node
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return m.waitNode()
		}
		if m.host.Spec.ExternallyProvisioned {
			// Switched on for an available host: the user says it runs something already.
			// Adopt it as it is (manageable, then adopt): never a deploy or a clean.
			m.setState(metal3.StateExternallyProvisioned)
			m.event(corev1.EventTypeNormal, "ExternallyProvisioned", "Host marked externally provisioned; adopting it as it is")
			return handleExternallyProvisioned(m)
		}
		if needsProvisioning(m.host) {
			return m.startProvisioning()
		}
		if reinspectRequested(m.host) {
			if s, wait := m.noSlot(); wait {
				return s
			}
			m.setState(metal3.StateInspecting)
			m.status.OperationHistory.Inspect = metal3.OperationMetric{}
			return act(Action{Kind: ActionRecover}) // manageable first; inspection follows
		}
		return m.managePower()
	case provisioner.StateActive:
		return m.fail(metal3.ProvisioningError, "the node is active although the host is available; remove the node from Ironic or mark the host externally provisioned")
	case provisioner.StateManageable:
		// Made manageable on the way to adoption or re-inspection, before the status saying
		// so was written: go on with that, never provide (clean) the node in between.
		if n.Stable() && m.host.Spec.ExternallyProvisioned {
			m.setState(metal3.StateExternallyProvisioned)
			return handleExternallyProvisioned(m)
		}
		if n.Stable() && reinspectRequested(m.host) {
			if s, wait := m.noSlot(); wait {
				return s
			}
			m.setState(metal3.StateInspecting)
			m.status.OperationHistory.Inspect = metal3.OperationMetric{}
			return handleInspecting(m)
		}
	}
	if s, ok := m.towardAvailable(metal3.PreparationError, "cleaning failed: "); ok {
		return s
	}
	return m.waitNode()
}

// provisionedState reports whether the host runs an image: provisioned or externally provisioned.
func (m *machine) provisionedState() bool {
	return m.state() == metal3.StateProvisioned || m.state() == metal3.StateExternallyProvisioned
}

// needsProvisioning reports whether the spec asks for something to be deployed. As in metal3,
// a host with an image but online false is not provisioned until it is online.
func needsProvisioning(h *metal3.BareMetalHost) bool {
	if !h.Spec.Online {
		return false
	}
	if h.Spec.CustomDeploy != nil && h.Spec.CustomDeploy.Method != "" {
		return true
	}
	img := h.Spec.Image
	return img != nil && (img.URL != "" || img.Checksum != "")
}

func (m *machine) startProvisioning() step {
	if err := ValidateImage(m.host.Spec.Image, m.host.Spec.CustomDeploy); err != nil {
		return m.fail(metal3.ProvisioningError, err.Error()).because(ReasonInvalidImage)
	}
	if err := ValidateRootDeviceHints(m.host.Spec.RootDeviceHints); err != nil {
		return m.fail(metal3.ProvisioningError, err.Error()).because(ReasonInvalidSpec)
	}
	if err := ValidateSecretNamespaces(m.host); err != nil {
		return m.fail(metal3.ProvisioningError, err.Error()).because(ReasonForeignSecret)
	}
	if s, ok := m.matchProfile(metal3.ProvisioningError); !ok {
		return s
	}
	if s, wait := m.noSlot(); wait {
		return s
	}
	m.setState(metal3.StateProvisioning)
	if _, ok := m.host.Annotations[RebootAnnotation]; ok {
		// A one-off reboot asked of the available host is done by the deploy (as in metal3);
		// kept, it would power the new server off right after provisioning.
		m.removeAnnotations = append(m.removeAnnotations, RebootAnnotation)
	}
	p := &m.status.Provisioning
	p.Image = metal3.Image{}
	if m.host.Spec.Image != nil {
		p.Image = *m.host.Spec.Image.DeepCopy()
	}
	p.RootDeviceHints = provisioningHints(m.host, m.status.HardwareProfile)
	p.BootMode = m.host.Spec.BootMode
	if p.BootMode == "" {
		p.BootMode = metal3.DefaultBootMode
	}
	p.CustomDeploy = m.host.Spec.CustomDeploy.DeepCopy()
	m.status.OperationHistory.Provision = metal3.OperationMetric{Start: m.now()}
	what := p.Image.URL
	if p.CustomDeploy != nil {
		what = fmt.Sprintf("custom deploy %q", p.CustomDeploy.Method)
	}
	m.event(corev1.EventTypeNormal, "ProvisioningStarted", "Image provisioning started for %s", what)
	// The deploy itself is asked for on the next look, from the provisioning state: a refused
	// deploy then counts against this image in that state instead of falling back to available.
	return waitFor(startNow).explain(ReasonActionRequested, "provisioning "+what+" starts")
}

// managePower makes the node's power follow spec.online in a stable state.
func (m *machine) managePower() step {
	n := m.node
	if n.TargetPowerState != provisioner.PowerUnknown {
		return m.waitNode()
	}
	want := m.host.Spec.Online || m.host.Spec.DisablePowerOff
	// As in metal3, reboot and power-off requests apply to running hosts; an available host
	// obeys only those that say "force":true.
	rb := rebootAnnotations(m.host, !m.provisionedState())
	if rb.problem != "" {
		return m.fail(metal3.PowerManagementError, rb.problem).because(ReasonInvalidAnnotation)
	}
	if rb.once {
		if m.host.Spec.DisablePowerOff {
			m.removeAnnotations = append(m.removeAnnotations, RebootAnnotation)
			m.event(corev1.EventTypeNormal, "Reboot", "Host rebooted as requested by annotation %s", RebootAnnotation)
			return act(Action{Kind: ActionReboot, Soft: rb.soft})
		}
		if n.PowerState == provisioner.PowerOn {
			m.event(corev1.EventTypeNormal, "PowerOff", "Host powered off for a reboot requested by annotation %s", RebootAnnotation)
			return act(Action{Kind: ActionPowerOff, Soft: rb.soft})
		}
		// Off: the reboot's power-off is done; spec.online brings the host back.
		m.removeAnnotations = append(m.removeAnnotations, RebootAnnotation)
	}
	if rb.holdOff && !m.host.Spec.DisablePowerOff {
		if n.PowerState == provisioner.PowerOn {
			m.event(corev1.EventTypeNormal, "PowerOff", "Host powered off while %s/* annotations are present", RebootAnnotation)
			return act(Action{Kind: ActionPowerOff, Soft: rb.soft})
		}
		return steady().explain(ReasonPoweredOffByAnnotation, fmt.Sprintf("held powered off until every %s/<key> annotation is removed", RebootAnnotation))
	}
	switch {
	case want && n.PowerState != provisioner.PowerOn:
		if s, failed := m.powerFailed(); failed {
			return s
		}
		m.event(corev1.EventTypeNormal, "PowerOn", "Host powered on")
		return act(Action{Kind: ActionPowerOn})
	case !want && n.PowerState == provisioner.PowerOn:
		if s, failed := m.powerFailed(); failed {
			return s
		}
		m.event(corev1.EventTypeNormal, "PowerOff", "Host powered off")
		return act(Action{Kind: ActionPowerOff, Soft: true})
	}
	return steady()
}

// powerFailed handles a power state that did not follow an earlier request: the backend's
// error is reported, then the request is retried after the backoff.
func (m *machine) powerFailed() (step, bool) {
	st := m.in.Host.Status
	if st.ErrorType == metal3.PowerManagementError {
		if m.backoffElapsed() {
			return step{}, false
		}
		m.status.ErrorType, m.status.ErrorMessage = st.ErrorType, st.ErrorMessage
		m.status.OperationalStatus = metal3.OperationalStatusError
		return waitFor(max(m.retryWait(), actionPoll)), true
	}
	if m.node.LastError != "" {
		return m.fail(metal3.PowerManagementError, "power change failed: "+m.node.LastError), true
	}
	return step{}, false
}
