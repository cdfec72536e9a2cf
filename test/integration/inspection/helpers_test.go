package inspection

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/agentsim/inventory"
	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ipmisim"
)

const (
	// inspectTimeout bounds registration plus the wait for "inspect wait".
	inspectTimeout = 60 * time.Second
	// availableTimeout bounds the way from the posted inventory to available.
	availableTimeout = 60 * time.Second
)

var systems struct {
	sync.Mutex
	n, ipmi int
}

// nextSystem numbers the simulated systems (their inventories differ by it).
func nextSystem() int {
	systems.Lock()
	defer systems.Unlock()
	systems.n++
	return systems.n
}

// createHost creates a host and its credentials Secret: automated cleaning off (no agent to
// clean), booting from mac.
func createHost(t *testing.T, name, address, mac string, change ...func(*metal3.BareMetalHost)) {
	t.Helper()
	sys.CreateBMCHost(t, name, address, mac, framework.IPMIUser, framework.IPMIPassword, change...)
}

// startIPMI starts an ipmi_sim BMC on its own loopback address, stopped when the test ends.
func startIPMI(t *testing.T) *ipmisim.BMC {
	t.Helper()
	systems.Lock()
	systems.ipmi++
	host := fmt.Sprintf("127.0.1.%d", 10+systems.ipmi)
	systems.Unlock()
	return framework.StartIPMI(t, host)
}

// node reads the host's Ironic node.
func node(t *testing.T, name string) *nodes.Node {
	t.Helper()
	h := sys.Host(t, name)
	if h.Status.Provisioning.ID == "" {
		t.Fatalf("host %s has no node", name)
	}
	return sys.Node(t, h.Status.Provisioning.ID)
}

// playRamdisk waits until the host's node waits for its ramdisk ("inspect wait"), then posts
// inv to ironic-inspector as IPA does. Ironic hands the node to the inspector just after it
// enters inspect wait, so a lookup refusal is retried for a few seconds.
func playRamdisk(t *testing.T, name string, inv inventory.Inventory) {
	t.Helper()
	deadline := time.Now().Add(inspectTimeout)
	for {
		h := sys.Host(t, name)
		if id := h.Status.Provisioning.ID; id != "" && sys.Node(t, id).ProvisionState == "inspect wait" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %s: its node never waited for the ramdisk (state %s, error %q)", name, h.Status.Provisioning.State, h.Status.ErrorMessage)
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		err := inventory.Post(ctx, nil, sys.Ironic.Inspector.URL, inv)
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "Could not find a node") || ctx.Err() != nil {
			t.Fatalf("host %s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
