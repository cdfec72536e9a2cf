package resilience

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// nodeList is the shared node poll's request pattern.
const nodeList = "GET /v1/nodes"

// TestIdleHostsCostIronicOneSharedNodeListPerPollWhateverTheirNumber provisions 10 hosts,
// then 90 more, and counts Ironic requests over an idle minute at each size: the only
// request is the shared node list, once per poll interval, the same for 10 hosts as for 100;
// no host is read on its own and no status is written.
//
// The hosts are left to the system's Stop: deleting 100 provisioned hosts would deprovision
// each of them, minutes of work that this test does not measure.
func TestIdleHostsCostIronicOneSharedNodeListPerPollWhateverTheirNumber(t *testing.T) {
	const set = "idle"
	const window = time.Minute
	maxLists := int(math.Ceil(float64(window)/float64(nodePollInterval))) + 1

	provision := func(from, to int) {
		t.Helper()
		var hosts []*metal3.BareMetalHost
		for i := from; i < to; i++ {
			h := fakeHost(fmt.Sprintf("idle-%03d", i), 0xa0, i)
			h.Spec.Image = framework.TestImage()
			hosts = append(hosts, h)
		}
		before, start := sys.Transport.Total(), time.Now()
		createHosts(t, set, hosts)
		waitForHosts(t, set, to, 5*time.Minute, "provisioned and stable", stableIn(metal3.StateProvisioned))
		requests := sys.Transport.Total() - before
		t.Logf("%d hosts created at once: all provisioned after %.1f s with %d Ironic requests (%.1f per host)",
			len(hosts), time.Since(start).Seconds(), requests, float64(requests)/float64(len(hosts)))
	}
	idle := func() map[string]int {
		t.Helper()
		awaitQuiet(t)
		n := countAllHosts(t)
		versions := resourceVersions(t, set)
		before := sys.Transport.Counts()
		time.Sleep(window)
		requests := requestsSince(before)
		t.Logf("idle Ironic requests with %d hosts: %d in %s (%.1f per minute): %v",
			n, sum(requests), window, float64(sum(requests))/window.Minutes(), requests)
		for name, rv := range resourceVersions(t, set) {
			if versions[name] != rv {
				t.Errorf("host %s was written while idle (resourceVersion %s -> %s): %s", name, versions[name], rv, describe(listHosts(t, set)[name]))
			}
		}
		var other []string
		for k, v := range requests {
			if k != nodeList {
				other = append(other, fmt.Sprintf("%s: %d", k, v))
			}
		}
		sort.Strings(other)
		if len(other) > 0 {
			t.Errorf("with %d idle hosts, Ironic received requests other than the shared node list: %v", n, other)
		}
		if requests[nodeList] > maxLists {
			t.Errorf("with %d idle hosts, %d node lists in %s; the poll runs every %s, so at most %d",
				n, requests[nodeList], window, nodePollInterval, maxLists)
		}
		return requests
	}

	provision(0, 10)
	few := idle()
	provision(10, 100)
	many := idle()
	if sum(many) > sum(few)+1 {
		t.Errorf("idle Ironic requests grow with the number of hosts: %d per %s with 10 hosts, %d with 100", sum(few), window, sum(many))
	}
}

// awaitQuiet waits for a shared node poll that sees the hosts' current nodes, then for
// whatever that poll enqueued to finish (3 s without an Ironic request), so that a
// measurement starts with nothing left to do. Hosts that keep Ironic busy only delay the start
// by at most 30 s: the measurement then shows them.
func awaitQuiet(t *testing.T) {
	t.Helper()
	lists := sys.Transport.Counts()[nodeList]
	deadline := time.Now().Add(nodePollInterval + 10*time.Second)
	for sys.Transport.Counts()[nodeList] == lists {
		if time.Now().After(deadline) {
			t.Fatalf("no shared node poll within %s", nodePollInterval+10*time.Second)
		}
		time.Sleep(200 * time.Millisecond)
	}
	last, quietSince, giveUp := sys.Transport.Total(), time.Now(), time.Now().Add(30*time.Second)
	for time.Since(quietSince) < 3*time.Second && time.Now().Before(giveUp) {
		time.Sleep(250 * time.Millisecond)
		if cur := sys.Transport.Total(); cur != last {
			last, quietSince = cur, time.Now()
		}
	}
}

// resourceVersions returns the resourceVersion of each host of set.
func resourceVersions(t *testing.T, set string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, h := range listHosts(t, set) {
		out[name] = h.ResourceVersion
	}
	return out
}

// countAllHosts counts every host the controller manages, whichever test made it.
func countAllHosts(t *testing.T) int {
	t.Helper()
	list, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(list.Items)
}
