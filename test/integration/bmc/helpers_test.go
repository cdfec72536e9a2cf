package bmc

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ipmisim"
	"github.com/metalkube/metalkube/test/redfishsim"
)

// Generous: the two cores are shared with kube-apiserver, etcd, Ironic and other test packages,
// and every IPMI command costs Ironic a second or more.
const (
	registerTimeout = 2 * time.Minute
	powerTimeout    = 2 * time.Minute
)

// machines hands out Redfish systems (each test gets its own) and MAC addresses.
var machines = struct {
	sync.Mutex
	next map[*redfishsim.Simulator]int
	mac  int
	ipmi int
}{next: map[*redfishsim.Simulator]int{}}

// redfishSystem takes the next unused system of a simulator and gives it two NICs with MACs
// unique in this test package; the first is the boot MAC.
func redfishSystem(t *testing.T, sim *redfishsim.Simulator) (id string, macs []string) {
	t.Helper()
	machines.Lock()
	n := machines.next[sim]
	machines.next[sim]++
	macs = []string{newMAC(), newMAC()}
	machines.Unlock()
	ids := sim.SystemIDs()
	if n >= len(ids) {
		t.Fatalf("the Redfish simulator has only %d systems; start it with more", len(ids))
	}
	sim.SetMACs(ids[n], macs)
	return ids[n], macs
}

// newMAC returns a MAC address unique in this test package. The caller holds machines' lock.
func newMAC() string {
	machines.mac++
	return fmt.Sprintf("52:54:01:00:%02x:%02x", machines.mac>>8, machines.mac&0xff)
}

// bootMAC returns a fresh MAC address for an ipmi host.
func bootMAC() string {
	machines.Lock()
	defer machines.Unlock()
	return newMAC()
}

// startIPMI starts an ipmi_sim BMC, stopped when the test ends. Each BMC gets its own loopback
// address, so Ironic's per-address spacing of IPMI commands does not make hosts wait for each
// other.
func startIPMI(t *testing.T) *ipmisim.BMC {
	t.Helper()
	machines.Lock()
	machines.ipmi++
	host := fmt.Sprintf("127.0.0.%d", 10+machines.ipmi)
	machines.Unlock()
	return framework.StartIPMI(t, host)
}

// redfishAddress is a BMC address for one system of a simulator: scheme://host:port/path.
func redfishAddress(scheme string, sim *redfishsim.Simulator, id string) string {
	return scheme + "://" + sim.Host() + sim.SystemPath(id)
}

// createHost creates the host's credentials Secret and the host: powered off, no automated
// cleaning (there is no agent to clean), booting from mac.
func createHost(t *testing.T, name, address, mac, user, password string, change ...func(*metal3.BareMetalHost)) {
	t.Helper()
	sys.CreateBMCHost(t, name, address, mac, user, password, change...)
}

func online(h *metal3.BareMetalHost)           { h.Spec.Online = true }
func noInspection(h *metal3.BareMetalHost)     { h.Spec.InspectionMode = metal3.InspectionModeDisabled }
func skipVerification(h *metal3.BareMetalHost) { h.Spec.BMC.DisableCertificateVerification = true }

// waitRegistered waits until the BMC accepted the host's credentials (status.goodCredentials)
// and the host is past registration.
func waitRegistered(t *testing.T, name string) *metal3.BareMetalHost {
	t.Helper()
	return sys.WaitForHost(t, name, registerTimeout, "registration (good credentials, past registering)", registered)
}

func registered(h *metal3.BareMetalHost) bool {
	switch h.Status.Provisioning.State {
	case metal3.StateNone, metal3.StateUnmanaged, metal3.StateRegistering:
		return false
	}
	return h.Status.GoodCredentials.Reference != nil
}

// waitPoweredOn waits for status.poweredOn to be want.
func waitPoweredOn(t *testing.T, name string, want bool) *metal3.BareMetalHost {
	t.Helper()
	return sys.WaitForHost(t, name, powerTimeout, fmt.Sprintf("status.poweredOn=%v", want), func(h *metal3.BareMetalHost) bool {
		return h.Status.PoweredOn == want
	})
}

// setOnline changes spec.online.
func setOnline(t *testing.T, name string, on bool) {
	t.Helper()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = on })
}

// eventually polls cond until it holds; after timeout the test fails with cond's last words.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, detail)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// node reads the host's Ironic node directly.
func node(t *testing.T, h *metal3.BareMetalHost) *nodes.Node {
	t.Helper()
	if h.Status.Provisioning.ID == "" {
		t.Fatalf("host %s has no node ID", h.Name)
	}
	return sys.Node(t, h.Status.Provisioning.ID)
}

// waitNodeStable waits until Ironic has no power or provision transition pending for the node.
func waitNodeStable(t *testing.T, h *metal3.BareMetalHost) *nodes.Node {
	t.Helper()
	var n *nodes.Node
	eventually(t, powerTimeout, "the node to settle", func() (bool, string) {
		n = node(t, h)
		return n.TargetPowerState == "" && n.TargetProvisionState == "",
			fmt.Sprintf("provision %q -> %q, power %q -> %q", n.ProvisionState, n.TargetProvisionState, n.PowerState, n.TargetPowerState)
	})
	return n
}

// reboot asks Ironic, through the controller's provisioner, to reboot the host's node.
func reboot(t *testing.T, h *metal3.BareMetalHost) {
	t.Helper()
	ctx := context.Background()
	n, err := sys.Provisioner.FindNode(ctx, provisioner.HostRef{Namespace: h.Namespace, Name: h.Name, NodeID: h.Status.Provisioning.ID})
	if err != nil || n == nil {
		t.Fatalf("finding the node of %s: %v", h.Name, err)
	}
	if err := sys.Provisioner.SetPower(ctx, n, provisioner.PowerRequest{Reboot: true}); err != nil {
		t.Fatalf("rebooting %s: %v", h.Name, err)
	}
}

// elapsed logs how long a step took.
func elapsed(t *testing.T, what string, since time.Time) {
	t.Helper()
	t.Logf("%s: %s", what, time.Since(since).Round(100*time.Millisecond))
}
