package actuator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/test/framework"
)

const (
	raceHosts    = 30
	raceMachines = 50
	raceRounds   = 5
	raceDeleted  = 10
)

// TestManyMachinesRaceForFewerHosts creates 50 Machines at once for 30 hosts, with 8 actuator
// workers, five times over: each round exactly 30 claims are made, no host is given to two
// Machines nor a Machine two hosts, and the other 20 Machines wait with InsufficientResources.
// In the first round, deleting 10 of the Machines that got a host deprovisions and releases
// their hosts, which go to 10 of the waiting Machines. Each round ends by deleting all its
// Machines, which deprovisions and releases every host for the next.
func TestManyMachinesRaceForFewerHosts(t *testing.T) {
	const group = "race"
	start := time.Now()
	hosts := createHosts(t, group, raceHosts, 100, nil)
	t.Logf("%d hosts available in %s", raceHosts, time.Since(start).Round(time.Millisecond))
	spec := framework.TestProviderSpec("", inGroup(group))
	actuator := sys.Controllers.Machines

	for round := 1; round <= raceRounds; round++ {
		names := make([]string, raceMachines)
		for i := range names {
			names[i] = fmt.Sprintf("race-r%d-m%02d", round, i)
		}
		before := actuator.Stats()
		roundStart := time.Now()
		createConcurrently(t, names, spec)
		waitForClaims(t, group, names, raceHosts, raceMachines-raceHosts)
		claimed := time.Since(roundStart)
		after := actuator.Stats()
		if got := after.Claims - before.Claims; got != raceHosts {
			t.Errorf("round %d: the actuator made %d claims, want exactly %d", round, got, raceHosts)
		}
		// Nothing more happens once every host is taken.
		time.Sleep(time.Second)
		waitForClaims(t, group, names, raceHosts, raceMachines-raceHosts)
		if got := actuator.Stats().Claims - before.Claims; got != raceHosts {
			t.Errorf("round %d: %d claims after settling, want %d", round, got, raceHosts)
		}

		remaining := names
		if round == 1 {
			remaining = deleteSomeAndCheckTheirHostsGoToWaitingMachines(t, group, names)
			if got := actuator.Stats().Claims - before.Claims; got != raceHosts+raceDeleted {
				t.Errorf("round %d: %d claims in all, want %d", round, got, raceHosts+raceDeleted)
			}
		}
		t.Logf("round %d: %d Machines, %d hosts: %d claimed and %d waiting after %s (conflicts %d, stale-cache skips %d)",
			round, raceMachines, raceHosts, raceHosts, raceMachines-raceHosts, claimed.Round(time.Millisecond),
			after.Conflicts-before.Conflicts, after.StaleSkips-before.StaleSkips)

		teardown := time.Now()
		deleteMachinesAndWait(t, remaining)
		for _, h := range hostsOf(t, group) {
			if h.Spec.ConsumerRef != nil {
				t.Errorf("round %d: host %s still consumed by %s after all Machines are gone", round, h.Name, consumer(&h))
			}
		}
		t.Logf("round %d: remaining %d Machines deleted, hosts released, in %s; round took %s",
			round, len(remaining), time.Since(teardown).Round(time.Millisecond), time.Since(roundStart).Round(time.Millisecond))
		if t.Failed() {
			break
		}
	}
	s := actuator.Stats()
	t.Logf("race: %d rounds in %s; actuator totals: claims %d, conflicts %d, stale-cache skips %d, releases %d",
		raceRounds, time.Since(start).Round(time.Millisecond), s.Claims, s.Conflicts, s.StaleSkips, s.Releases)
	deleteHosts(t, hosts)
}

// deleteSomeAndCheckTheirHostsGoToWaitingMachines deletes raceDeleted Machines that have hosts
// and checks that their hosts are released and claimed by Machines that were waiting. It
// returns the Machines left.
func deleteSomeAndCheckTheirHostsGoToWaitingMachines(t *testing.T, group string, names []string) []string {
	t.Helper()
	holders := map[string]string{} // Machine → host
	for _, h := range hostsOf(t, group) {
		holders[consumer(&h)] = h.Name
	}
	var victims []string
	for _, n := range names {
		if holders[n] != "" && len(victims) < raceDeleted {
			victims = append(victims, n)
		}
	}
	waiting := map[string]bool{}
	for _, m := range machinesNamed(t, names) {
		if !hasHost(m) {
			waiting[m.Name] = true
		}
	}
	start := time.Now()
	deleteMachinesAndWait(t, victims)
	released := time.Since(start)
	remaining := without(names, victims)
	waitForClaims(t, group, remaining, raceHosts, len(remaining)-raceHosts)
	for _, v := range victims {
		h := sys.Host(t, holders[v])
		if c := consumer(h); !waiting[c] {
			t.Errorf("host %s of deleted Machine %s went to %q, which was not waiting", h.Name, v, c)
		}
	}
	t.Logf("%d Machines with hosts deleted: hosts deprovisioned and released, Machines gone, in %s; all %d claimed by waiting Machines %s after the deletion",
		len(victims), released.Round(time.Millisecond), len(victims), time.Since(start).Round(time.Millisecond))
	return remaining
}

func createConcurrently(t *testing.T, names []string, spec baremetal.BareMetalMachineProviderSpec) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(names))
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			if _, err := sys.Env.Metal3.MachineV1beta1().Machines(framework.Namespace).Create(context.Background(), framework.NewMachine(n, spec), metav1.CreateOptions{}); err != nil {
				errs <- err
			}
		}(n)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// waitForClaims waits until, among the named Machines, claimedWant have a host and waitWant
// wait with InsufficientResources, then checks that hosts and Machines agree one to one.
func waitForClaims(t *testing.T, group string, names []string, claimedWant, waitWant int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var claimed, waiting int
		for _, m := range machinesNamed(t, names) {
			switch {
			case hasHost(m) && m.Status.ErrorReason == nil:
				claimed++
			case !hasHost(m) && errorReason(m) == machinev1.InsufficientResourcesMachineError:
				waiting++
			}
		}
		if claimed == claimedWant && waiting == waitWant {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3m: %d Machines with a host (want %d), %d waiting (want %d)", claimed, claimedWant, waiting, waitWant)
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkOneToOne(t, group, names)
}

// checkOneToOne checks that every consumed host of the group names a distinct Machine, that
// this Machine records exactly that host, and that no Machine records a host not its own.
func checkOneToOne(t *testing.T, group string, names []string) {
	t.Helper()
	hostOf := map[string]string{} // Machine → host, from the hosts' consumerRefs
	var problems []string
	for _, h := range hostsOf(t, group) {
		c := consumer(&h)
		if c == "" {
			continue
		}
		if prev, dup := hostOf[c]; dup {
			problems = append(problems, fmt.Sprintf("Machine %s consumes hosts %s and %s", c, prev, h.Name))
		}
		hostOf[c] = h.Name
	}
	for _, m := range machinesNamed(t, names) {
		recorded := strings.TrimPrefix(m.Annotations[controller.HostAnnotation], framework.Namespace+"/")
		if recorded != hostOf[m.Name] {
			problems = append(problems, fmt.Sprintf("Machine %s records host %q, but the hosts say %q", m.Name, recorded, hostOf[m.Name]))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

func without(all, drop []string) []string {
	d := map[string]bool{}
	for _, n := range drop {
		d[n] = true
	}
	var out []string
	for _, n := range all {
		if !d[n] {
			out = append(out, n)
		}
	}
	return out
}
