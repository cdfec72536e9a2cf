package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestProvisioning(t *testing.T) {
	p := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stProvisioning, append([]hostOpt{running(imgA)}, opts...)...)
	}
	// changed: the spec now asks for imgB while imgA is being deployed.
	changed := func(h *metal3.BareMetalHost) { image(imgB)(h) }
	removed := func(h *metal3.BareMetalHost) { h.Spec.Image = nil }
	runTable(t, []row{
		{"an available node is deployed", p(), node(available), nil, do(ActionDeploy, stProvisioning)},
		{"an available node that still settles is waited for", p(), node(available, settling), nil, noActionIn(stProvisioning)},
		{"a deploying node is waited for", p(), node(deploying), nil, noActionIn(stProvisioning)},
		{"a node waiting for its call-back is waited for", p(), node(waitCallBack), nil, noActionIn(stProvisioning)},
		{"an active node completes provisioning", p(), node(active), nil, steadyIn(stProvisioned, "ProvisioningComplete")},
		{"an active node of an online host completes provisioning and is powered on", p(online), node(active), nil,
			do(ActionPowerOn, stProvisioned, "ProvisioningComplete", "PowerOn")},
		{"an active node that still settles is waited for", p(), node(active, settling), nil, noActionIn(stProvisioning)},
		{"a failed deployment is a provisioning error", p(), node(deployFail, lastError("image download failed")), nil,
			failure(stProvisioning, metal3.ProvisioningError)},
		{"a manageable node is made available first", p(), node(manageable), nil, provide(stProvisioning)},
		{"a node being cleaned is waited for", p(), node(cleaning), nil, noActionIn(stProvisioning)},
		{"a node that failed cleaning is a preparation error", p(), node(cleanFail, lastError("erase failed")), nil,
			failure(stProvisioning, metal3.PreparationError)},
		{"a node that failed inspection is recovered", p(), node(inspectFail), nil, do(ActionRecover, stProvisioning)},
		{"a node that failed adoption is recovered", p(), node(adoptFail), nil, do(ActionRecover, stProvisioning)},
		{"a provisioning host whose node is gone registers it again", p(), nil, nil, registerAndVerify(stProvisioning)},
		{"a provisioning host whose node is enrolled again manages it", p(), node(enroll), nil, do(ActionManage, stProvisioning)},

		// the spec changes while provisioning
		{"a changed image before the deploy started is deployed instead", p(changed), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
		{"a removed image before the deploy started makes the host available", p(removed), node(available), nil, steadyIn(stAvailable)},
		{"a changed image during the deploy waits for it", p(changed), node(deploying), nil, noActionIn(stProvisioning)},
		{"a changed image after the deploy deprovisions", p(changed), node(active), nil,
			startsDeprovisioning()},
		{"a removed image after a failed deploy deprovisions", p(removed), node(deployFail, lastError("boom")), nil,
			startsDeprovisioning()},
		{"a changed image while the node is manageable makes it available first", p(changed), node(manageable), nil, provide(stProvisioning)},
		{"a changed image while the node failed cleaning is a preparation error", p(changed), node(cleanFail, lastError("erase failed")), nil,
			failure(stProvisioning, metal3.PreparationError)},
		{"a changed image while the node failed inspection recovers it", p(changed), node(inspectFail), nil, do(ActionRecover, stProvisioning)},
		{"an invalid new image before the deploy started is a provisioning error", p(image(imgNoSum)), node(available), nil,
			failure(stAvailable, metal3.ProvisioningError)},
	})
}

func TestProvisioningAChangedImageRecordsTheNewOne(t *testing.T) {
	r := decide(t, input(host(stProvisioning, running(imgA), image(imgB)), node(available)))
	if r.Action.Kind != ActionNone || r.Status.Provisioning.State != stProvisioning || r.Status.Provisioning.Image.URL != imgB.URL {
		t.Errorf("action %q state %q recording image %q, want provisioning (deploy on the next look) recording %q",
			r.Action.Kind, r.Status.Provisioning.State, r.Status.Provisioning.Image.URL, imgB.URL)
	}
}

func TestProvisioned(t *testing.T) {
	p := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stProvisioned, append([]hostOpt{running(imgA)}, opts...)...)
	}
	removed := func(h *metal3.BareMetalHost) { h.Spec.Image = nil }
	runTable(t, []row{
		{"a provisioned host with nothing to do is steady", p(), node(active), nil, steadyIn(stProvisioned)},
		{"a provisioned host that should be online is powered on", p(online), node(active), nil, do(ActionPowerOn, stProvisioned, "PowerOn")},
		{"a provisioned host that should be offline is softly powered off", p(), node(active, poweredOn), nil, softPowerOff(stProvisioned)},
		{"a provisioned host that is online as asked is steady", p(online), node(active, poweredOn), nil, steadyIn(stProvisioned)},
		{"a provisioned host whose power is changing is waited for", p(), node(active, poweredOn, poweringTo(provisioner.PowerOff)), nil,
			noActionIn(stProvisioned)},
		{"a provisioned host whose node still settles is waited for", p(), node(active, settling), nil, noActionIn(stProvisioned)},
		{"a removed image deprovisions", p(removed), node(active), nil, startsDeprovisioning()},
		{"a changed image deprovisions", p(image(imgB)), node(active), nil, startsDeprovisioning()},
		{"a new custom deploy deprovisions", p(custom("install_coreos")), node(active), nil,
			startsDeprovisioning()},

		// a lost node is registered and adopted again, never deployed
		{"a provisioned host whose node is gone registers it again", p(), nil, nil, registerAndVerify(stProvisioned)},
		{"a provisioned host whose node is enrolled again manages it", p(), node(enroll), nil, do(ActionManage, stProvisioned)},
		{"a provisioned host waits while its node is verified", p(), node(verifying), nil, noActionIn(stProvisioned)},
		{"a provisioned host whose new node failed verification has a provisioned registration error", p(), node(enroll, lastError("auth")), nil,
			failure(stProvisioned, metal3.ProvisionedRegistrationError)},
		{"a provisioned host whose node is manageable again adopts it", p(), node(manageable), nil, do(ActionAdopt, stProvisioned)},
		{"a provisioned host adopts its node before deprovisioning it", p(removed), node(manageable), nil, do(ActionAdopt, stProvisioned)},
		{"a provisioned host waits while its node is adopted", p(), node(adopting), nil, noActionIn(stProvisioned)},
		{"a failed adoption is a provisioned registration error", p(), node(adoptFail, lastError("no image_source")), nil,
			failure(stProvisioned, metal3.ProvisionedRegistrationError)},
		{"a node in deploy failed under a provisioned host is a provisioned registration error", p(), node(deployFail, lastError("x")), nil,
			failure(stProvisioned, metal3.ProvisionedRegistrationError)},
		{"a node in error under a provisioned host is a provisioned registration error", p(), node(errorNode, lastError("x")), nil,
			failure(stProvisioned, metal3.ProvisionedRegistrationError)},

		// BMC access
		{"a provisioned host with a missing secret has a provisioned registration error", p(), node(active), []inputOpt{credentialProblem("secret not found")},
			failure(stProvisioned, metal3.ProvisionedRegistrationError)},
		{"a provisioned host whose secret changed registers its node again", p(), node(active), []inputOpt{secretAt("1002")},
			do(ActionRegister, stProvisioned)},
		{"a provisioned host whose BMC address changed registers its node again", p(bmcAt(otherAddress)), node(active), nil,
			do(ActionRegister, stProvisioned)},
	})
}

func TestExternallyProvisioned(t *testing.T) {
	x := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stExternal, append([]hostOpt{externallyProvisioned}, opts...)...)
	}
	runTable(t, []row{
		{"a manageable node is adopted", x(), node(manageable), nil, do(ActionAdopt, stExternal)},
		{"a node being adopted is waited for", x(), node(adopting), nil, noActionIn(stExternal)},
		{"an adopted node with nothing to do is steady", x(), node(active), nil, steadyIn(stExternal)},
		{"an adopted node that should be online is powered on", x(online), node(active), nil, do(ActionPowerOn, stExternal, "PowerOn")},
		{"an adopted node that should be offline is softly powered off", x(), node(active, poweredOn), nil, softPowerOff(stExternal)},
		{"an image never deploys an externally provisioned host", x(specImage(imgA)), node(active), nil, steadyIn(stExternal)},
		{"an available node is moved back to manageable to be adopted", x(), node(available), nil, do(ActionRecover, stExternal)},
		{"a failed adoption is a provisioned registration error", x(), node(adoptFail, lastError("x")), nil,
			failure(stExternal, metal3.ProvisionedRegistrationError)},
		{"an externally provisioned host whose node is gone registers it again", x(), nil, nil, registerAndVerify(stExternal)},
		{"an externally provisioned host whose node is enrolled again manages it", x(), node(enroll), nil, do(ActionManage, stExternal)},
		{"an externally provisioned host with a missing secret has a provisioned registration error", x(), node(active),
			[]inputOpt{credentialProblem("secret not found")}, failure(stExternal, metal3.ProvisionedRegistrationError)},
	})
}

// As in metal3, only the image URL (or the custom deploy method) names the image: a new
// checksum, checksum type or format for the same URL never takes down a running server, and is
// used for the next attempt where no deploy succeeded yet.
func TestOnlyANewImageURLWipesAProvisionedHost(t *testing.T) {
	newSum := func(h *metal3.BareMetalHost) {
		img := imgA.DeepCopy()
		img.Checksum, img.ChecksumType = hexOf(128, 'c'), metal3.ChecksumSHA512
		h.Spec.Image = img
	}
	newFormat := func(h *metal3.BareMetalHost) { img := imgA.DeepCopy(); img.DiskFormat = ptr("raw"); h.Spec.Image = img }
	newURL := func(h *metal3.BareMetalHost) { img := imgA.DeepCopy(); img.URL += "?v=2"; h.Spec.Image = img }
	pd := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stProvisioned, append([]hostOpt{running(imgA), online}, opts...)...)
	}
	pg := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stProvisioning, append([]hostOpt{running(imgA), online}, opts...)...)
	}
	runTable(t, []row{
		{"a new checksum for a provisioned host changes nothing", pd(newSum), node(active, poweredOn), nil, steadyIn(stProvisioned)},
		{"a new format for a provisioned host changes nothing", pd(newFormat), node(active, poweredOn), nil, steadyIn(stProvisioned)},
		{"a new URL deprovisions a provisioned host", pd(newURL), node(active, poweredOn), nil,
			startsDeprovisioning()},
		{"a new checksum during the deploy waits for it", pg(newSum), node(deploying), nil, noActionIn(stProvisioning)},
		{"a new checksum once deployed completes provisioning", pg(newSum), node(active, poweredOn), nil, steadyIn(stProvisioned, "ProvisioningComplete")},
		{"a new checksum before the deploy started is used for it", pg(newSum), node(available), nil, startsProvisioning("ProvisioningStarted")},
		{"a new checksum after a failed deploy cleans up and tries it", pg(newSum), node(deployFail, lastError("checksum mismatch")), nil,
			startsDeprovisioning()},
	})
}

func TestAnOfflineHostWithAnImageIsNotProvisionedUntilOnline(t *testing.T) {
	offline := host(stAvailable, specImage(imgA))
	runTable(t, []row{
		{"offline with an image stays available", offline, node(available), nil, steadyIn(stAvailable)},
		{"offline with an image is powered off", offline, node(available, poweredOn), nil, softPowerOff(stAvailable)},
		{"online with the image starts provisioning", host(stAvailable, image(imgA)), node(available, poweredOn), nil,
			startsProvisioning("ProvisioningStarted")},
	})
}

func TestSwitchingExternallyProvisionedNeverDeploysOrCleans(t *testing.T) {
	switchedOn := host(stAvailable, externallyProvisioned, online)
	switchedOff := host(stExternal, image(imgA))
	runTable(t, []row{
		{"switched on for an available host: the node goes back to manageable", switchedOn, node(available, poweredOn), nil,
			do(ActionRecover, stExternal, "ExternallyProvisioned")},
		{"switched on, the manageable node is adopted", host(stExternal, externallyProvisioned, online), node(manageable, poweredOn), nil,
			do(ActionAdopt, stExternal)},
		{"switched off: provisioned with the spec's image", switchedOff, node(active, poweredOn), nil, steadyIn(stProvisioned, "Provisioned")},
	})
	r := decide(t, input(switchedOff, node(active, poweredOn)))
	if r.Status.Provisioning.Image.URL != imgA.URL {
		t.Errorf("status.provisioning.image %q, want the spec's %q", r.Status.Provisioning.Image.URL, imgA.URL)
	}
	// And from there, the same image keeps it as it is.
	h := switchedOff.DeepCopy()
	h.Status = r.Status
	if r := decide(t, input(h, node(active, poweredOn))); r.Action.Kind != ActionNone || r.Status.Provisioning.State != stProvisioned {
		t.Errorf("next look: action %q state %q, want none in provisioned", r.Action.Kind, r.Status.Provisioning.State)
	}
}
