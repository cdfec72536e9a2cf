package actuator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/test/framework"
)

func TestAMachineClaimsAMatchingHostWhichIsProvisionedWithItsImageAndUserData(t *testing.T) {
	const group, hostName, decoy = "claim", "claim-worker", "claim-storage"
	preEnrollWithInventory(t, hostName, mac(1), inventory{
		Interfaces: []inventoryInterface{{Name: "eth0", MACAddress: mac(1), IPV4Address: "192.168.111.20"}},
		Hostname:   "worker-0.example.test",
	})
	for name, role := range map[string]string{hostName: "worker", decoy: "storage"} {
		sys.Credentials(t, name+"-bmc", "admin", "pw")
		h := framework.FakeHost(name, mac(1))
		if name == decoy {
			h.Spec.BootMACAddress = mac(2)
		}
		h.Labels = map[string]string{groupLabel: group, "role": role}
		sys.CreateHost(t, h)
	}
	waitAll(t, []string{hostName, decoy}, func(n string) { sys.WaitForState(t, n, metal3.StateAvailable, stepTimeout) })
	sys.Secret(t, "claim-user-data", map[string]string{"userData": userData})

	sel := inGroup(group)
	sel.MatchLabels["role"] = "worker"
	start := time.Now()
	m := sys.CreateMachine(t, framework.NewMachine("claim-machine", framework.TestProviderSpec("claim-user-data", sel)))
	m = sys.WaitForMachine(t, m.Name, stepTimeout, "a host", hasHost)
	claimed := time.Since(start)
	h := sys.WaitForState(t, hostName, metal3.StateProvisioned, stepTimeout)
	provisioned := time.Since(start)
	m = sys.WaitForMachine(t, m.Name, stepTimeout, "phase Provisioned", func(m *machinev1.Machine) bool { return phase(m) == machinev1.PhaseProvisioned })
	t.Logf("Machine created → host claimed in %s, → host provisioned in %s, → Machine Provisioned in %s",
		claimed.Round(time.Millisecond), provisioned.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// The host is the Machine's, with the Machine's image and user data.
	wantRef := &corev1.ObjectReference{Kind: "Machine", APIVersion: "machine.openshift.io/v1beta1", Name: m.Name, Namespace: framework.Namespace, UID: m.UID}
	if diff := cmp.Diff(wantRef, h.Spec.ConsumerRef); diff != "" {
		t.Errorf("host consumerRef (-want +got):\n%s", diff)
	}
	if h.Spec.Image == nil || h.Spec.Image.URL != framework.TestImage().URL || h.Spec.Image.Checksum != framework.TestChecksum || !h.Spec.Online {
		t.Errorf("host spec image %+v online %v", h.Spec.Image, h.Spec.Online)
	}
	if h.Spec.UserData == nil || h.Spec.UserData.Name != "claim-user-data" || h.Spec.UserData.Namespace != framework.Namespace {
		t.Errorf("host spec userData %+v (the namespace defaults to the Machine's)", h.Spec.UserData)
	}
	node := sys.Node(t, h.Status.Provisioning.ID)
	if node.InstanceInfo["image_source"] != framework.TestImage().URL {
		t.Errorf("Ironic instance_info image_source %v, want %s", node.InstanceInfo["image_source"], framework.TestImage().URL)
	}
	if cd, _ := node.InstanceInfo["configdrive"].(string); cd == "" {
		t.Errorf("no config drive in Ironic instance_info: %v", node.InstanceInfo)
	}

	// The Machine knows its host.
	if got := m.Annotations[controller.HostAnnotation]; got != framework.Namespace+"/"+hostName {
		t.Errorf("annotation %s = %q", controller.HostAnnotation, got)
	}
	if want := "baremetalhost:///" + framework.Namespace + "/" + hostName + "/" + string(h.UID); *m.Spec.ProviderID != want {
		t.Errorf("providerID %q, want %q", *m.Spec.ProviderID, want)
	}
	wantAddrs := []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "192.168.111.20"},
		{Type: corev1.NodeHostName, Address: "worker-0.example.test"},
		{Type: corev1.NodeInternalDNS, Address: "worker-0.example.test"},
	}
	if diff := cmp.Diff(wantAddrs, m.Status.Addresses); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if m.Status.ErrorReason != nil || m.Status.LastUpdated == nil {
		t.Errorf("errorReason %v lastUpdated %v", m.Status.ErrorReason, m.Status.LastUpdated)
	}
	if d := sys.Host(t, decoy); d.Spec.ConsumerRef != nil || d.Spec.Image != nil {
		t.Errorf("the host the selector excludes was touched: consumerRef %+v image %+v", d.Spec.ConsumerRef, d.Spec.Image)
	}

	// A Node joining makes the Machine Running (nodeRef is written by others).
	patch := []byte(`{"status": {"nodeRef": {"kind": "Node", "name": "worker-0"}}}`)
	if _, err := sys.Env.Metal3.MachineV1beta1().Machines(framework.Namespace).Patch(context.Background(), m.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	sys.WaitForMachine(t, m.Name, stepTimeout, "phase Running", func(m *machinev1.Machine) bool { return phase(m) == machinev1.PhaseRunning })
}

func TestAnInvalidProviderSpecIsReportedNamingTheFieldUntilItIsFixed(t *testing.T) {
	m := framework.NewMachine("invalid-machine", framework.TestProviderSpec("", inGroup("invalid")))
	m.Spec.ProviderSpec.Value.Raw = []byte(strings.Replace(string(m.Spec.ProviderSpec.Value.Raw), `"hostSelector"`, `"hostSelectors"`, 1))
	sys.CreateMachine(t, m)
	got := sys.WaitForMachine(t, m.Name, stepTimeout, "InvalidConfiguration", func(m *machinev1.Machine) bool {
		return errorReason(m) == machinev1.InvalidConfigurationMachineError
	})
	if msg := *got.Status.ErrorMessage; !strings.Contains(msg, "spec.providerSpec.value.hostSelectors") {
		t.Errorf("errorMessage %q does not name the field", msg)
	}
	if phase(got) != machinev1.PhaseFailed || hasHost(got) {
		t.Errorf("phase %q, providerID %v", phase(got), got.Spec.ProviderID)
	}

	// Fixed, it is a valid Machine waiting for a host (there is none in its group).
	fixed := framework.ProviderSpec(framework.TestProviderSpec("", inGroup("invalid")))
	patch, _ := json.Marshal([]map[string]interface{}{{"op": "replace", "path": "/spec/providerSpec/value", "value": fixed}})
	if _, err := sys.Env.Metal3.MachineV1beta1().Machines(framework.Namespace).Patch(context.Background(), m.Name, types.JSONPatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	got = sys.WaitForMachine(t, m.Name, stepTimeout, "InsufficientResources", func(m *machinev1.Machine) bool {
		return errorReason(m) == machinev1.InsufficientResourcesMachineError
	})
	if phase(got) != machinev1.PhaseProvisioning {
		t.Errorf("a Machine waiting for a host is in phase %q", phase(got))
	}
	deleteMachinesAndWait(t, []string{m.Name})
}

// TestMachineWritesKeepFieldsTheTypeDoesNotModel checks that the actuator only patches: a
// real Machine has fields this project's type lacks, and they survive its writes.
func TestMachineWritesKeepFieldsTheTypeDoesNotModel(t *testing.T) {
	spec := framework.ProviderSpec(framework.TestProviderSpec("", inGroup("unmodelled")))
	obj := map[string]interface{}{
		"apiVersion": "machine.openshift.io/v1beta1", "kind": "Machine",
		"metadata": map[string]interface{}{"name": "unmodelled-machine", "namespace": framework.Namespace},
		"spec": map[string]interface{}{
			"providerSpec":   map[string]interface{}{"value": spec},
			"taints":         []interface{}{map[string]interface{}{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}},
			"lifecycleHooks": map[string]interface{}{"preDrain": []interface{}{map[string]interface{}{"name": "hook", "owner": "me"}}},
		},
	}
	machines := sys.Env.Dynamic.Resource(machinev1.SchemeGroupVersion.WithResource("machines")).Namespace(framework.Namespace)
	if _, err := machines.Create(context.Background(), toUnstructured(t, obj), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForMachine(t, "unmodelled-machine", stepTimeout, "a finalizer and a status", func(m *machinev1.Machine) bool {
		return len(m.Finalizers) > 0 && errorReason(m) == machinev1.InsufficientResourcesMachineError
	})
	u, err := machines.Get(context.Background(), "unmodelled-machine", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	specOut := u.Object["spec"].(map[string]interface{})
	if specOut["taints"] == nil || specOut["lifecycleHooks"] == nil {
		t.Errorf("fields the type does not model were dropped: spec %v", specOut)
	}
	deleteMachinesAndWait(t, []string{"unmodelled-machine"})
}
