package actuator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/test/framework"
)

func TestDeletingAMachineDeprovisionsAndReleasesItsHost(t *testing.T) {
	hosts := createHosts(t, "del", 1, 200, nil)
	sys.Secret(t, "del-user-data", map[string]string{"userData": userData})
	m := sys.CreateMachine(t, framework.NewMachine("del-machine", framework.TestProviderSpec("del-user-data", inGroup("del"))))
	sys.WaitForMachine(t, m.Name, stepTimeout, "a host", hasHost)
	h := sys.WaitForState(t, hosts[0], metal3.StateProvisioned, stepTimeout)

	start := time.Now()
	sys.DeleteMachine(t, m.Name)
	sys.WaitForMachineGone(t, m.Name, stepTimeout)
	t.Logf("Machine deleted → host deprovisioned and released, Machine gone in %s", time.Since(start).Round(time.Millisecond))

	h = sys.Host(t, hosts[0])
	if h.Spec.ConsumerRef != nil || h.Spec.Image != nil || h.Spec.UserData != nil || h.Spec.Online {
		t.Errorf("released host spec: consumerRef %+v image %+v userData %+v online %v", h.Spec.ConsumerRef, h.Spec.Image, h.Spec.UserData, h.Spec.Online)
	}
	if h.Status.Provisioning.State != metal3.StateAvailable || h.Status.Provisioning.Image.URL != "" {
		t.Errorf("released host is %q with image %q", h.Status.Provisioning.State, h.Status.Provisioning.Image.URL)
	}
	if n := sys.Node(t, h.Status.Provisioning.ID); n.ProvisionState != string(nodes.Available) || n.InstanceInfo["image_source"] != nil {
		t.Errorf("Ironic node %s, instance_info %v", n.ProvisionState, n.InstanceInfo)
	}
	waitForMachineEvents(t, m.Name, "HostClaimed", "DeprovisioningHost", "HostReleased")
	deleteHosts(t, hosts)
}

// TestDeletingAHostInUseFailsItsMachineWithoutLosingTrackOfEither: the host is deprovisioned
// and deleted as any host is; the Machine keeps its record of the host, says what happened,
// and is not given the spare host (a Machine stands for one server); deleting it then needs
// nothing from the host.
func TestDeletingAHostInUseFailsItsMachineWithoutLosingTrackOfEither(t *testing.T) {
	hosts := createHosts(t, "hostdel", 2, 210, nil)
	m := sys.CreateMachine(t, framework.NewMachine("hostdel-machine", framework.TestProviderSpec("", inGroup("hostdel"))))
	m = sys.WaitForMachine(t, m.Name, stepTimeout, "a host", hasHost)
	used := strings.TrimPrefix(m.Annotations[controller.HostAnnotation], framework.Namespace+"/")
	spare := hosts[0]
	if spare == used {
		spare = hosts[1]
	}
	providerID := *m.Spec.ProviderID
	sys.WaitForState(t, used, metal3.StateProvisioned, stepTimeout)

	deleteHosts(t, []string{used})
	sys.WaitForGone(t, used, 2*time.Minute)
	m = sys.WaitForMachine(t, m.Name, stepTimeout, "the lost host reported", func(m *machinev1.Machine) bool {
		return errorReason(m) == machinev1.UpdateMachineError && strings.Contains(*m.Status.ErrorMessage, "was deleted")
	})
	if phase(m) != machinev1.PhaseFailed {
		t.Errorf("phase %q, want Failed", phase(m))
	}
	if *m.Spec.ProviderID != providerID || m.Annotations[controller.HostAnnotation] != framework.Namespace+"/"+used {
		t.Errorf("the Machine lost track of its host: providerID %q annotation %q", *m.Spec.ProviderID, m.Annotations[controller.HostAnnotation])
	}
	// Look again after a fresh sync: still no other host.
	sys.Controllers.Machines.Enqueue(framework.Namespace, m.Name)
	time.Sleep(time.Second)
	if c := consumer(sys.Host(t, spare)); c != "" {
		t.Errorf("the spare host was given to %q", c)
	}
	if got := sys.Machine(t, m.Name); *got.Spec.ProviderID != providerID {
		t.Errorf("providerID changed to %q", *got.Spec.ProviderID)
	}

	sys.DeleteMachine(t, m.Name)
	sys.WaitForMachineGone(t, m.Name, stepTimeout)
	if c := consumer(sys.Host(t, spare)); c != "" {
		t.Errorf("the spare host is consumed by %q", c)
	}
	deleteHosts(t, []string{spare})
}

// waitForMachineEvents waits until Events with each reason exist for the Machine (Events
// are written asynchronously).
func waitForMachineEvents(t *testing.T, name string, reasons ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		list, err := sys.Env.Kube.CoreV1().Events(framework.Namespace).List(context.Background(), metav1.ListOptions{
			FieldSelector: fields.Set{"involvedObject.kind": "Machine", "involvedObject.name": name}.String(),
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var all []string
		for _, e := range list.Items {
			seen[e.Reason] = true
			all = append(all, e.Reason)
		}
		missing := ""
		for _, r := range reasons {
			if !seen[r] {
				missing = r
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("no %s event on Machine %s; events: %v", missing, name, all)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
