package lifecycle

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

const stepTimeout = 60 * time.Second

// preEnrollWithInventory stores the hardware a real inspection would find in Ironic before the
// controller registers the host. fake-hardware's inspect interface discovers nothing and this
// Ironic (21.4) has no inventory data, so the controller reads the node's properties and
// ports: the node is created under the name the controller looks for ("<namespace>~<name>"),
// with those properties, and the controller adopts it as the host's node.
func preEnrollWithInventory(t *testing.T, name, mac string) {
	t.Helper()
	ctx := context.Background()
	n, err := nodes.Create(ctx, sys.IronicClient(), nodes.CreateOpts{
		Name: framework.Namespace + "~" + name, Driver: "fake-hardware",
		Properties: map[string]interface{}{"cpus": 16, "cpu_arch": "x86_64", "memory_mb": 65536, "local_gb": 480},
	}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ports.Create(ctx, sys.IronicClient(), ports.CreateOpts{NodeUUID: n.UUID, Address: mac, PXEEnabled: boolPtr(true)}).Extract(); err != nil {
		t.Fatal(err)
	}
}

func boolPtr(b bool) *bool { return &b }

func TestAHostGoesThroughItsWholeLifecycle(t *testing.T) {
	const name, mac = "lifecycle-0", "52:54:00:10:00:01"
	start := time.Now()
	requestsBefore := sys.Transport.Total()
	sys.Credentials(t, name+"-bmc", "admin", "s3cret-lifecycle")
	sys.Secret(t, name+"-user-data", map[string]string{"userData": "#cloud-config\nhostname: lifecycle-0\n"})
	sys.Secret(t, name+"-network-data", map[string]string{"networkData": `{"links": [], "networks": [], "services": []}`})
	preEnrollWithInventory(t, name, mac)

	h := framework.FakeHost(name, mac)
	sys.CreateHost(t, h)

	// Registration and inspection.
	h = sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	if h.Status.Provisioning.ID == "" {
		t.Fatal("available host has no node ID")
	}
	node := sys.Node(t, h.Status.Provisioning.ID)
	if node.Driver != "fake-hardware" || node.ProvisionState != string(nodes.Available) {
		t.Errorf("node driver %q state %q, want fake-hardware available", node.Driver, node.ProvisionState)
	}
	if node.Name != framework.Namespace+"~"+name {
		t.Errorf("node name %q", node.Name)
	}
	for _, forbidden := range []string{"s3cret-lifecycle"} {
		for k, v := range node.DriverInfo {
			if s, ok := v.(string); ok && strings.Contains(s, forbidden) && !strings.Contains(k, "password") {
				t.Errorf("driver_info %s holds the password", k)
			}
		}
	}
	hw := h.Status.HardwareDetails
	if hw == nil || hw.CPU.Count != 16 || hw.CPU.Arch != "x86_64" || hw.RAMMebibytes != 65536 || len(hw.NIC) != 1 || hw.NIC[0].MAC != mac {
		t.Errorf("status.hardware does not hold the inspected hardware: %+v", hw)
	}
	if hd, err := sys.Env.Metal3.Metal3V1alpha1().HardwareDatas(framework.Namespace).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
		t.Errorf("HardwareData: %v", err)
	} else if hd.Spec.HardwareDetails == nil || hd.Spec.HardwareDetails.CPU.Count != 16 {
		t.Errorf("HardwareData holds %+v", hd.Spec.HardwareDetails)
	}
	if h.Status.GoodCredentials.Reference == nil || h.Status.GoodCredentials.Reference.Name != name+"-bmc" {
		t.Errorf("goodCredentials %+v", h.Status.GoodCredentials)
	}
	if h.Status.OperationHistory.Register.End.IsZero() || h.Status.OperationHistory.Inspect.End.IsZero() {
		t.Errorf("operation history lacks register/inspect: %+v", h.Status.OperationHistory)
	}

	// Provisioning.
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.Image = framework.TestImage()
		h.Spec.RootDeviceHints = &metal3.RootDeviceHints{DeviceName: "/dev/sda", MinSizeGigabytes: 100}
		h.Spec.UserData = &corev1SecretRef{Name: name + "-user-data"}
		h.Spec.NetworkData = &corev1SecretRef{Name: name + "-network-data"}
	})
	h = sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	node = sys.Node(t, h.Status.Provisioning.ID)
	if node.ProvisionState != string(nodes.Active) {
		t.Errorf("provisioned host's node is %q", node.ProvisionState)
	}
	ii := node.InstanceInfo
	if ii["image_source"] != framework.TestImage().URL || ii["image_checksum"] != framework.TestChecksum {
		t.Errorf("instance_info image: %v", ii)
	}
	if rd, ok := ii["root_device"].(map[string]interface{}); !ok || rd["name"] != "s== /dev/sda" || rd["size"] != ">= 100" {
		t.Errorf("instance_info root_device: %v", ii["root_device"])
	}
	if ii["configdrive"] == nil || ii["configdrive"] == "" {
		t.Errorf("no config drive in instance_info: %v", ii)
	}
	if node.PowerState != "power on" || !h.Status.PoweredOn {
		t.Errorf("provisioned and online, but node power %q, status.poweredOn %v", node.PowerState, h.Status.PoweredOn)
	}
	if h.Status.Provisioning.Image.URL != framework.TestImage().URL || h.Status.OperationHistory.Provision.End.IsZero() {
		t.Errorf("status.provisioning %+v history %+v", h.Status.Provisioning, h.Status.OperationHistory.Provision)
	}
	t.Logf("1 host: created to provisioned in %s with %d Ironic requests", time.Since(start).Round(10*time.Millisecond), sys.Transport.Total()-requestsBefore)

	// Power follows spec.online.
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = false })
	sys.WaitForHost(t, name, stepTimeout, "powered off", func(h *metal3.BareMetalHost) bool { return !h.Status.PoweredOn })
	if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power off" {
		t.Errorf("online=false but Ironic reports %q", p)
	}
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = true })
	sys.WaitForHost(t, name, stepTimeout, "powered on", func(h *metal3.BareMetalHost) bool { return h.Status.PoweredOn })
	if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power on" {
		t.Errorf("online=true but Ironic reports %q", p)
	}

	// Removing the image deprovisions.
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = nil })
	h = sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	if n := sys.Node(t, h.Status.Provisioning.ID); n.ProvisionState != string(nodes.Available) {
		t.Errorf("deprovisioned host's node is %q", n.ProvisionState)
	}
	if h.Status.Provisioning.Image.URL != "" || h.Status.OperationHistory.Deprovision.End.IsZero() {
		t.Errorf("after deprovisioning: provisioning %+v, history %+v", h.Status.Provisioning, h.Status.OperationHistory.Deprovision)
	}
	t.Logf("1 host: full lifecycle to deprovisioned took %d Ironic requests", sys.Transport.Total()-requestsBefore)

	// Deleting the host deletes the node and releases the finalizer.
	id := h.Status.Provisioning.ID
	if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, name, stepTimeout)
	if _, err := nodes.Get(context.Background(), sys.IronicClient(), id).Extract(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("Ironic node %s survived its host: %v", id, err)
	}
	events := strings.Join(sys.Events(t, name), "\n")
	for _, reason := range []string{"Registered", "BMCAccessValidated", "InspectionStarted", "InspectionComplete", "ProvisioningStarted",
		"ProvisioningComplete", "PowerOff", "PowerOn", "DeprovisioningStarted", "DeprovisioningComplete"} {
		if !strings.Contains(events, reason+": ") {
			t.Errorf("no %s event; events:\n%s", reason, events)
		}
	}
	if strings.Contains(events, "s3cret") || strings.Contains(events, "cloud-config") {
		t.Errorf("an event leaks a secret:\n%s", events)
	}
	t.Logf("1 host: whole lifecycle including deletion took %d Ironic requests: %v", sys.Transport.Total()-requestsBefore, sys.Transport.Counts())
}
