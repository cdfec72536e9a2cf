package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// handleProvisioning deploys the image recorded in status.provisioning and waits for it.
func handleProvisioning(d *decision) step {
	n := d.node
	if imageChanged(d.host, d.status) || (imageDetailsChanged(d.host, d.status) && !deployedOrDeploying(n)) {
		switch n.ProvisionState {
		case provisioner.StateAvailable:
			// The deploy never started: nothing to undo.
			d.clearProvisioning()
			d.setState(metal3.StateAvailable)
			return handleAvailable(d)
		case provisioner.StateActive, provisioner.StateDeployFail:
			return d.startDeprovisioning()
		}
		// Any other node state is handled as below (none of those deploys): a manageable or
		// failed node must still be made available or recovered, not waited for.
	}
	switch n.ProvisionState {
	case provisioner.StateAvailable:
		if !n.Stable() {
			return d.waitNode()
		}
		if s, done := d.provisioningLimit(); done {
			return s
		}
		return d.deploy()
	case provisioner.StateActive:
		if !n.Stable() {
			return d.waitNode()
		}
		d.status.OperationHistory.Provision.End = d.now()
		d.status.ProvisioningFailCount = 0
		d.event(corev1.EventTypeNormal, "ProvisioningComplete", "Image provisioning completed for %s", d.status.Provisioning.Image.URL)
		d.setState(metal3.StateProvisioned)
		return d.managePower()
	case provisioner.StateDeployFail:
		if s, done := d.provisioningLimit(); done {
			return s
		}
		s := d.failOrRetry(metal3.ProvisioningError, "deploy failed: "+n.LastError, Action{Kind: ActionDeploy})
		if s.action.Kind == ActionDeploy {
			return d.deploy()
		}
		return s.againstImage()
	}
	if s, done := d.towardAvailable(metal3.PreparationError, "cleaning failed: "); done {
		return s
	}
	return d.waitNode()
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

func (d *decision) clearProvisioning() {
	p := &d.status.Provisioning
	p.Image = metal3.Image{}
	p.RootDeviceHints = nil
	p.CustomDeploy = nil
	p.BootMode = ""
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

func (d *decision) startProvisioning() step {
	if err := ValidateImage(d.host.Spec.Image, d.host.Spec.CustomDeploy); err != nil {
		return d.fail(metal3.ProvisioningError, err.Error()).because(ReasonInvalidImage)
	}
	if err := ValidateRootDeviceHints(d.host.Spec.RootDeviceHints); err != nil {
		return d.fail(metal3.ProvisioningError, err.Error()).because(ReasonInvalidSpec)
	}
	if err := ValidateSecretNamespaces(d.host); err != nil {
		return d.fail(metal3.ProvisioningError, err.Error()).because(ReasonForeignSecret)
	}
	if s, done := d.matchProfile(metal3.ProvisioningError); done {
		return s
	}
	if s, done := d.noSlot(); done {
		return s
	}
	d.setState(metal3.StateProvisioning)
	if _, ok := d.host.Annotations[RebootAnnotation]; ok {
		// A one-off reboot asked of the available host is done by the deploy (as in metal3);
		// kept, it would power the new server off right after provisioning.
		d.removeAnnotations = append(d.removeAnnotations, RebootAnnotation)
	}
	p := &d.status.Provisioning
	p.Image = metal3.Image{}
	if d.host.Spec.Image != nil {
		p.Image = *d.host.Spec.Image.DeepCopy()
	}
	p.RootDeviceHints = provisioningHints(d.host, d.status.HardwareProfile)
	p.BootMode = d.host.Spec.BootMode
	if p.BootMode == "" {
		p.BootMode = metal3.DefaultBootMode
	}
	p.CustomDeploy = d.host.Spec.CustomDeploy.DeepCopy()
	d.status.OperationHistory.Provision = metal3.OperationMetric{Start: d.now()}
	what := p.Image.URL
	if p.CustomDeploy != nil {
		what = fmt.Sprintf("custom deploy %q", p.CustomDeploy.Method)
	}
	d.event(corev1.EventTypeNormal, "ProvisioningStarted", "Image provisioning started for %s", what)
	// The deploy itself is asked for on the next look, from the provisioning state: a refused
	// deploy then counts against this image in that state instead of falling back to available.
	return waitFor(startNow).explain(ReasonActionRequested, "provisioning "+what+" starts")
}
