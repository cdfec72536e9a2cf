package resilience

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/pagination"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// lostGroup is a group of hosts in one stable state when Ironic loses its database.
type lostGroup struct {
	prefix   string
	count    int
	state    metal3.ProvisioningState
	online   bool
	image    bool
	external bool
}

var lostGroups = []lostGroup{
	{prefix: "lost-provisioned", count: 10, state: metal3.StateProvisioned, online: true, image: true},
	{prefix: "lost-provisioned-off", count: 2, state: metal3.StateProvisioned, online: false, image: true},
	{prefix: "lost-available", count: 6, state: metal3.StateAvailable, online: true},
	{prefix: "lost-external", count: 2, state: metal3.StateExternallyProvisioned, online: true, external: true},
}

// TestAnIronicThatLostItsDatabaseGetsEveryHostBackWithoutRedeployingOrPoweringOff wipes
// Ironic's database under the running controller with hosts in several stable states. Every
// host is found missing by the shared node poll and registered again as a new node:
// provisioned and externally provisioned hosts are adopted (never deployed again, never
// powered off), available hosts are made available again, and power stays as it was.
func TestAnIronicThatLostItsDatabaseGetsEveryHostBackWithoutRedeployingOrPoweringOff(t *testing.T) {
	const set = "dbloss"
	t.Cleanup(func() { deleteHosts(t, set, 3*time.Minute) })
	group := map[string]lostGroup{}
	var hosts []*metal3.BareMetalHost
	for gi, g := range lostGroups {
		for i := 0; i < g.count; i++ {
			h := fakeHost(fmt.Sprintf("%s-%02d", g.prefix, i), 0xd0+byte(gi), i)
			// Every host starts online: as in metal3, an offline host with an image is not
			// provisioned until it is online. The offline group is switched off once provisioned.
			h.Spec.Online = true
			h.Spec.ExternallyProvisioned = g.external
			if g.image {
				h.Spec.Image = framework.TestImage()
			}
			group[h.Name] = g
			hosts = append(hosts, h)
		}
	}
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	sort.Strings(names)
	expected := func(h *metal3.BareMetalHost) bool { return stableIn(group[h.Name].state)(h) }

	createHosts(t, set, hosts)
	waitForHosts(t, set, len(hosts), 3*time.Minute, "stable in their state", expected)
	for _, name := range names {
		if !group[name].online {
			sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = false })
		}
	}
	before := waitForHosts(t, set, len(hosts), 3*time.Minute, "stable in their state, powered as spec.online says",
		func(h *metal3.BareMetalHost) bool { return expected(h) && h.Status.PoweredOn == group[h.Name].online })
	oldNode := map[string]string{}
	for name, h := range before {
		oldNode[name] = h.Status.Provisioning.ID
	}
	eventsBefore := settledEventCounts(t, names)
	recorder := recordStateRequests(t)
	countsBefore := sys.Transport.Counts()

	if err := sys.Ironic.RestartEmpty(); err != nil {
		t.Fatalf("restarting Ironic with an empty database: %v", err)
	}
	restarted := time.Now()
	var firstNewNode time.Time
	after := waitForHosts(t, set, len(hosts), 3*time.Minute, "stable in their state again on a new node", func(h *metal3.BareMetalHost) bool {
		moved := h.Status.Provisioning.ID != "" && h.Status.Provisioning.ID != oldNode[h.Name]
		if moved && firstNewNode.IsZero() {
			firstNewNode = time.Now()
		}
		return moved && expected(h)
	})
	recovery := time.Since(restarted)
	requests := requestsSince(countsBefore)
	t.Logf("Ironic-DB loss recovery with %d hosts: %.1f s (first host on a new node after %.1f s; the shared node poll runs every %s)",
		len(hosts), recovery.Seconds(), firstNewNode.Sub(restarted).Seconds(), nodePollInterval)
	t.Logf("Ironic requests during the recovery: %d (%.1f per host): %v", sum(requests), float64(sum(requests))/float64(len(hosts)), requests)

	// Ironic knows each host exactly once, under its name, as the node status names.
	byName := ironicNodesByName(t)
	if len(byName) != len(hosts) {
		t.Errorf("Ironic has %d nodes after the recovery, want %d (one per host)", len(byName), len(hosts))
	}
	hostOfNode := map[string]string{}
	for _, name := range names {
		h, g := after[name], group[name]
		id := h.Status.Provisioning.ID
		hostOfNode[id] = name
		if n, ok := byName[framework.Namespace+"~"+name]; !ok || n.UUID != id {
			t.Errorf("host %s: status names node %s, but Ironic's node of that name is %+v", name, id, n)
		}
		n := sys.Node(t, id)
		wantNode := "active"
		if g.state == metal3.StateAvailable {
			wantNode = "available"
		}
		// An offline host's node must not be on. fake-hardware reports no power state at all
		// for a new node (real hardware would say "power off"), and an unknown power state
		// is left alone, as metal3 does.
		if on := n.PowerState == "power on"; n.ProvisionState != wantNode || on != g.online || h.Status.PoweredOn != g.online {
			t.Errorf("host %s (%s, online %v): node %q power %q, status.poweredOn %v; want node %q, powered on only if online",
				name, g.state, g.online, n.ProvisionState, n.PowerState, h.Status.PoweredOn, wantNode)
		}
		if g.image && (n.InstanceInfo["image_source"] != framework.TestImage().URL || n.InstanceInfo["image_checksum"] != framework.TestChecksum) {
			t.Errorf("host %s: the adopted node's instance_info does not hold the image: %v", name, n.InstanceInfo)
		}
		if g.image && h.Status.Provisioning.Image.URL != framework.TestImage().URL {
			t.Errorf("host %s: status.provisioning.image is %+v after the recovery", name, h.Status.Provisioning.Image)
		}
	}

	// Nothing was deployed or undeployed again, and no host that should run was powered off.
	eventsAfter := settledEventCounts(t, names)
	for _, name := range names {
		newEvents := map[string]int{}
		for reason, n := range eventsAfter[name] {
			if d := n - eventsBefore[name][reason]; d > 0 {
				newEvents[reason] = d
			}
		}
		for _, reason := range []string{"ProvisioningStarted", "DeprovisioningStarted"} {
			if newEvents[reason] > 0 {
				t.Errorf("host %s: %d new %s events after the database loss; new events: %v", name, newEvents[reason], reason, newEvents)
			}
		}
		if group[name].online && newEvents["PowerOff"] > 0 {
			t.Errorf("host %s (online): powered off after the database loss; new events: %v", name, newEvents)
		}
		if !group[name].online && newEvents["PowerOn"] > 0 {
			t.Errorf("host %s (offline): powered on after the database loss; new events: %v", name, newEvents)
		}
	}
	targets := map[string]int{}
	adopted := map[string]bool{}
	for _, r := range recorder.requests() {
		targets[r.Kind+" "+r.Target]++
		name, g := hostOfNode[r.Node], group[hostOfNode[r.Node]]
		switch {
		case r.Kind == "provision" && r.Target == "adopt":
			adopted[name] = true
			if g.state == metal3.StateAvailable {
				t.Errorf("available host %s's node was adopted", name)
			}
		case r.Kind == "provision" && r.Target == "provide":
			if g.state != metal3.StateAvailable {
				t.Errorf("%s host %s's node was provided (made available)", g.state, name)
			}
		case r.Kind == "provision" && r.Target == "manage":
		case r.Kind == "power" && r.Target == "power off" && !g.online:
		case r.Kind == "power" && r.Target == "power on" && g.online:
		default:
			t.Errorf("after the database loss: PUT /v1/nodes/%s/states/%s target %q (host %q); only manage, adopt, provide and power as spec.online says are expected",
				r.Node, r.Kind, r.Target, name)
		}
	}
	for _, name := range names {
		if g := group[name]; g.state != metal3.StateAvailable && !adopted[name] {
			t.Errorf("%s host %s: its new node was never adopted", g.state, name)
		}
	}
	t.Logf("state change requests after the database loss: %v", targets)
}

// ironicNodesByName lists Ironic's nodes directly (not counted).
func ironicNodesByName(t *testing.T) map[string]nodes.Node {
	t.Helper()
	out := map[string]nodes.Node{}
	err := nodes.List(sys.IronicClient(), nodes.ListOpts{Fields: []string{"uuid", "name"}}).EachPage(context.Background(),
		func(_ context.Context, page pagination.Page) (bool, error) {
			list, err := nodes.ExtractNodes(page)
			for _, n := range list {
				if strings.HasPrefix(n.Name, framework.Namespace+"~lost-") {
					out[n.Name] = n
				}
			}
			return true, err
		})
	if err != nil {
		t.Fatalf("listing Ironic's nodes: %v", err)
	}
	return out
}
