package actuator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// groupLabel keeps each test's hosts apart: its Machines select only their own group.
const groupLabel = "test.metalkube.io/group"

const (
	stepTimeout = 90 * time.Second
	userData    = "#cloud-config\nhostname: from-the-machine\n"
)

func inGroup(group string) baremetal.HostSelector {
	return baremetal.HostSelector{MatchLabels: map[string]string{groupLabel: group}}
}

// createHosts creates count fake hosts labelled with the group (plus extra labels) and waits
// until all are available. Names are <group>-<i>; MACs are derived from macBase.
func createHosts(t *testing.T, group string, count, macBase int, extra func(i int) map[string]string) []string {
	t.Helper()
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%02d", group, i)
		sys.Credentials(t, names[i]+"-bmc", "admin", "pw")
		h := framework.FakeHost(names[i], mac(macBase+i))
		h.Labels = map[string]string{groupLabel: group}
		if extra != nil {
			for k, v := range extra(i) {
				h.Labels[k] = v
			}
		}
		sys.CreateHost(t, h)
	}
	waitAll(t, names, func(name string) { sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout) })
	return names
}

func mac(i int) string { return fmt.Sprintf("52:54:00:a0:%02x:%02x", i/256, i%256) }

// waitAll runs wait for each name at once and returns when all are done.
func waitAll(t *testing.T, names []string, wait func(name string)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			wait(n)
		}(n)
	}
	wg.Wait()
}

// hostsOf lists the group's hosts.
func hostsOf(t *testing.T, group string) []metal3.BareMetalHost {
	t.Helper()
	list, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).List(context.Background(),
		metav1.ListOptions{LabelSelector: labels.Set{groupLabel: group}.String()})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// machinesNamed lists the Machines whose names start with prefix.
func machinesNamed(t *testing.T, names []string) []*machinev1.Machine {
	t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	list, err := sys.Env.Metal3.MachineV1beta1().Machines(framework.Namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*machinev1.Machine
	for i := range list.Items {
		if want[list.Items[i].Name] {
			out = append(out, &list.Items[i])
		}
	}
	return out
}

func hasHost(m *machinev1.Machine) bool { return m.Spec.ProviderID != nil && *m.Spec.ProviderID != "" }

func errorReason(m *machinev1.Machine) machinev1.MachineStatusError {
	if m.Status.ErrorReason == nil {
		return ""
	}
	return *m.Status.ErrorReason
}

func phase(m *machinev1.Machine) string {
	if m.Status.Phase == nil {
		return ""
	}
	return *m.Status.Phase
}

// consumer is the name of the Machine a host names as its consumer, or "".
func consumer(h *metal3.BareMetalHost) string {
	if h.Spec.ConsumerRef == nil {
		return ""
	}
	return h.Spec.ConsumerRef.Name
}

// deleteMachinesAndWait deletes the Machines and waits until they are gone (their hosts
// deprovisioned and released).
func deleteMachinesAndWait(t *testing.T, names []string) {
	t.Helper()
	for _, n := range names {
		sys.DeleteMachine(t, n)
	}
	waitAll(t, names, func(n string) { sys.WaitForMachineGone(t, n, 3*time.Minute) })
}

// deleteHosts deletes hosts without waiting.
func deleteHosts(t *testing.T, names []string) {
	t.Helper()
	for _, n := range names {
		err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), n, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
}

// inventory is the part of an ironic-python-agent inventory the tests set.
type inventory struct {
	Interfaces []inventoryInterface `json:"interfaces"`
	CPU        struct {
		Count        int    `json:"count"`
		Architecture string `json:"architecture"`
	} `json:"cpu"`
	Memory struct {
		PhysicalMb int `json:"physical_mb"`
	} `json:"memory"`
	Hostname string `json:"hostname"`
}

type inventoryInterface struct {
	Name        string `json:"name"`
	MACAddress  string `json:"mac_address"`
	IPV4Address string `json:"ipv4_address,omitempty"`
}

// preEnrollWithInventory creates the host's Ironic node before the host exists (the host
// controller adopts the node named "<namespace>~<name>") and stores an inspection inventory
// for it. Ironic 21.4 has no API to store an inventory (only in-band inspection writes one,
// and fake-hardware's inspection writes none), so the row goes into Ironic's database, from
// where GET /v1/nodes/{id}/inventory serves it as it would after a real inspection.
func preEnrollWithInventory(t *testing.T, name, macAddr string, inv inventory) {
	t.Helper()
	ctx := context.Background()
	n, err := nodes.Create(ctx, sys.IronicClient(), nodes.CreateOpts{Name: framework.Namespace + "~" + name, Driver: "fake-hardware"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	pxe := true
	if _, err := ports.Create(ctx, sys.IronicClient(), ports.CreateOpts{NodeUUID: n.UUID, Address: macAddr, PXEEnabled: &pxe}).Extract(); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	const script = `import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
with db:
    db.execute("INSERT INTO node_inventory (created_at, version, inventory_data, plugin_data, node_id) "
               "SELECT datetime('now'), '1.0', ?, '{}', id FROM nodes WHERE uuid = ?", (sys.argv[3], sys.argv[2]))
`
	python := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		python = "/usr/bin/python3" // the one Ironic runs on, which has sqlite3
	}
	out, err := exec.Command(python, "-c", script, filepath.Join(sys.Ironic.Dir, "ironic.sqlite"), n.UUID, string(data)).CombinedOutput()
	if err != nil {
		t.Fatalf("storing the inventory of node %s: %v: %s", n.UUID, err, out)
	}
}
