package hoststate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestAvailable(t *testing.T) {
	runTable(t, []row{
		// power follows spec.online
		{"an available host with nothing to do is steady", host(stAvailable), node(available), nil, steadyIn(stAvailable)},
		{"an available host that should be online is powered on", host(stAvailable, online), node(available), nil,
			do(ActionPowerOn, stAvailable, "PowerOn")},
		{"an available host that should be offline is softly powered off", host(stAvailable), node(available, poweredOn), nil,
			softPowerOff(stAvailable)},
		{"an available host that is online as asked is steady", host(stAvailable, online), node(available, poweredOn), nil, steadyIn(stAvailable)},
		{"an available host whose power is changing is waited for", host(stAvailable, online), node(available, poweringTo(provisioner.PowerOn)), nil,
			noActionIn(stAvailable)},
		{"an available host that must never be powered off stays on", host(stAvailable, disablePowerOff), node(available, poweredOn), nil,
			steadyIn(stAvailable)},
		{"the older spelling ready is treated as available", host(metal3.StateReady), node(available), nil, steadyIn(stAvailable)},

		// an image starts provisioning, if it can be deployed
		{"an image starts provisioning", host(stAvailable, image(imgA)), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
		{"a live ISO without checksum starts provisioning", host(stAvailable, image(imgLiveISO)), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
		{"a custom deploy without image starts provisioning", host(stAvailable, custom("install_coreos")), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
		{"an image without checksum is a provisioning error", host(stAvailable, image(imgNoSum)), node(available), nil,
			failure(stAvailable, metal3.ProvisioningError)},
		{"an image on an ftp server is a provisioning error", host(stAvailable, image(imgFTP)), node(available), nil,
			failure(stAvailable, metal3.ProvisioningError)},
		{"an image waits for the node to settle", host(stAvailable, image(imgA)), node(available, settling), nil, noActionIn(stAvailable)},
		{"an image waits for a node being cleaned", host(stAvailable, image(imgA)), node(cleaning), nil, noActionIn(stAvailable)},

		// other node states
		{"an available host whose node is manageable makes it available", host(stAvailable), node(manageable), nil, provide(stAvailable)},
		{"an available host waits while its node cleans", host(stAvailable), node(cleanWait), nil, noActionIn(stAvailable)},
		{"an available host whose node failed cleaning has a preparation error", host(stAvailable), node(cleanFail, lastError("erase failed")), nil,
			failure(stAvailable, metal3.PreparationError)},
		{"an available host whose node failed inspection recovers it", host(stAvailable), node(inspectFail), nil, do(ActionRecover, stAvailable)},
		{"an available host whose node failed adoption recovers it", host(stAvailable), node(adoptFail), nil, do(ActionRecover, stAvailable)},
		{"an available host whose node is active has a provisioning error", host(stAvailable), node(active), nil,
			failure(stAvailable, metal3.ProvisioningError)},
		{"an available host whose node is gone registers it again", host(stAvailable), nil, nil, registerAndVerify(stAvailable)},
		{"an available host whose node is enrolled again manages it", host(stAvailable), node(enroll), nil, do(ActionManage, stAvailable)},
		{"an available host waits while its node is verified", host(stAvailable), node(verifying), nil, noActionIn(stAvailable)},
	})
}

func TestProvisioningStartRecordsWhatIsDeployed(t *testing.T) {
	h := host(stAvailable, image(imgA), func(h *metal3.BareMetalHost) {
		h.Spec.RootDeviceHints = &metal3.RootDeviceHints{DeviceName: "/dev/sda"}
		h.Spec.BootMode = metal3.BootModeLegacy
	})
	r := decide(t, input(h, node(available)))
	want := metal3.ProvisionStatus{
		State: stProvisioning, ID: nodeID, Image: *imgA,
		RootDeviceHints: &metal3.RootDeviceHints{DeviceName: "/dev/sda"}, BootMode: metal3.BootModeLegacy,
	}
	if diff := cmp.Diff(want, r.Status.Provisioning); diff != "" {
		t.Errorf("provisioning status (-want +got):\n%s", diff)
	}
	if got := r.Status.OperationHistory.Provision.Start.Time; !got.Equal(t0) {
		t.Errorf("provision start = %v, want %v", got, t0)
	}
}
