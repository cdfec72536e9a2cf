package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/test/framework"
)

const (
	hostCount = 40
	namespace = "default"
	// minKills is how many times the controller is killed in each phase, at least.
	minKills = 8
	// phaseTimeout bounds each phase; a host not at its goal by then is stuck.
	phaseTimeout = 4 * time.Minute
	// outage is how long the API server is down while hosts are being prepared.
	outage = 30 * time.Second
)

// noFaults runs the same phases without kills or outage: the figures it logs are the
// no-fault counts the test compares against (METALKUBE_CRASH_NO_FAULTS=1).
var noFaults = os.Getenv("METALKUBE_CRASH_NO_FAULTS") != ""

// phase is one step of the hosts' lifecycle, driven for all hosts at once.
type phase struct {
	name string
	// change edits the specs (or deletes the hosts).
	change func(t *testing.T, name string)
	// reached reports whether a host is where its spec asks (nil: the host is gone).
	reached func(h *metal3.BareMetalHost) bool
	// nodeState is the provision state every node must be in at the end ("" = no node).
	nodeState string
	// want is what Ironic accepts per node in this phase without faults.
	want map[string]int
	// apiOutage stops the API server for outage, early in the phase.
	apiOutage bool
}

// TestHostsConvergeWhileTheControllerIsKilledAndTheAPIServerGoesAway drives 40 hosts through
// enroll, provision, deprovision and delete while the controller is killed with SIGKILL every
// 1–3 s (at least 8 times per phase) and, while they are prepared, the API server is down
// for 30 s. Each phase must end with every host where its spec asks, and Ironic must have
// accepted per node exactly what the same phase asks for without faults: one provide (a
// clean) to enroll, one deploy to provision, one undeploy (a clean) to deprovision, nothing to
// delete. Every node has its boot port, and no host is left with a finalizer.
func TestHostsConvergeWhileTheControllerIsKilledAndTheAPIServerGoesAway(t *testing.T) {
	client, err := versioned.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	hosts := client.Metal3V1alpha1().BareMetalHosts(namespace)
	kube := env.Kube
	names := make([]string, hostCount)
	macs := map[string]string{}
	for i := range names {
		names[i] = fmt.Sprintf("crash-%02d", i)
		macs[names[i]] = fmt.Sprintf("52:54:00:c0:00:%02x", i)
	}
	l := startLedger(t, ironic.URL)
	ctl := startController(t, l.URL)
	seed := time.Now().UnixNano()
	t.Logf("kill schedule seed %d", seed)
	x := &chaos{c: ctl, rng: rand.New(rand.NewSource(seed)), min: time.Second, max: 3 * time.Second}
	stop := make(chan struct{})
	if !noFaults {
		go x.run(stop)
	}
	defer close(stop)

	update := func(t *testing.T, name string, change func(*metal3.BareMetalHost)) {
		for {
			h, err := hosts.Get(context.Background(), name, metav1.GetOptions{})
			if err == nil {
				change(h)
				if _, err = hosts.Update(context.Background(), h, metav1.UpdateOptions{}); err == nil {
					return
				}
			}
			if !apierrors.IsConflict(err) {
				t.Fatalf("updating host %s: %v", name, err)
			}
		}
	}
	phases := []phase{{
		name: "enroll",
		change: func(t *testing.T, name string) {
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-bmc", Namespace: namespace},
				Data: map[string][]byte{"username": []byte("admin"), "password": []byte("pw")}}
			if _, err := kube.CoreV1().Secrets(namespace).Create(context.Background(), sec, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			h := framework.FakeHost(name, macs[name])
			h.Namespace = namespace
			if _, err := hosts.Create(context.Background(), h, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		reached:   inState(metal3.StateAvailable),
		nodeState: "available",
		want:      map[string]int{targetProvide: 1},
		apiOutage: !noFaults,
	}, {
		name: "provision",
		change: func(t *testing.T, name string) {
			update(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage() })
		},
		reached:   inState(metal3.StateProvisioned),
		nodeState: "active",
		want:      map[string]int{targetDeploy: 1},
	}, {
		name: "deprovision",
		change: func(t *testing.T, name string) {
			update(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = nil })
		},
		reached:   inState(metal3.StateAvailable),
		nodeState: "available",
		want:      map[string]int{targetUndeploy: 1},
	}, {
		name: "delete",
		change: func(t *testing.T, name string) {
			if err := hosts.Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		want: map[string]int{},
	}}

	nodeOf := map[string]string{} // host name → node UUID
	var summary []string
	for _, p := range phases {
		kills0, _ := x.count()
		before := l.snapshot()
		start := time.Now()
		for _, name := range names {
			p.change(t, name)
		}
		if p.apiOutage {
			go func() {
				time.Sleep(5 * time.Second)
				x.pause(true)
				env.StopAPIServer()
				time.Sleep(outage)
				if err := env.StartAPIServer(); err != nil {
					t.Errorf("restarting the API server: %v", err)
				}
				x.pause(false)
			}()
		}
		// Wait for every host to reach its goal, and for the phase's kills.
		var atGoal map[string]*metal3.BareMetalHost
		deadline := start.Add(phaseTimeout)
		if p.apiOutage {
			deadline = deadline.Add(outage)
		}
		for {
			atGoal = reachedHosts(client, names, p.reached)
			kills, _ := x.count()
			if (len(atGoal) == len(names) && (noFaults || kills-kills0 >= minKills)) || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		took := time.Since(start)
		if p.apiOutage {
			for !apiServerUp(client) && time.Now().Before(deadline) { // the outage ends before the checks
				time.Sleep(time.Second)
			}
			atGoal = reachedHosts(client, names, p.reached)
		}
		kills, exited := x.count()
		for name, h := range atGoal {
			if h != nil && h.Status.Provisioning.ID != "" {
				nodeOf[name] = h.Status.Provisioning.ID
			}
		}
		var ids []string
		for _, name := range names {
			ids = append(ids, nodeOf[name])
		}
		got := since(before, l.snapshot(), ids)
		stuck := len(names) - len(atGoal)
		line := fmt.Sprintf("%-11s %2d/%d hosts at goal after %5.1fs, %2d stuck; %2d kills; Ironic accepted %2d manage, %2d inspect, %2d deploy, %2d clean",
			p.name, len(atGoal), len(names), took.Seconds(), stuck, kills-kills0, got.manages, got.inspections, got.deploys, got.cleans)
		summary = append(summary, line)
		t.Log(line)
		if stuck > 0 {
			var which []string
			for _, name := range names {
				if _, ok := atGoal[name]; !ok {
					which = append(which, name+" "+describe(client, name))
				}
			}
			t.Errorf("%s: %d hosts not at their goal after %s:\n%s", p.name, stuck, phaseTimeout, strings.Join(which, "\n"))
		}
		if exited > 0 {
			t.Errorf("%s: the controller exited by itself %d times", p.name, exited)
		}
		if !noFaults && kills-kills0 < minKills {
			t.Errorf("%s: only %d kills, want at least %d", p.name, kills-kills0, minKills)
		}
		// Exactly what the phase asks for without faults, per node: no extra deploy or clean.
		for _, name := range names {
			id := nodeOf[name]
			if diff := diffCounts(p.want, got.perNode[id]); diff != "" {
				t.Errorf("%s: node of %s (%s): Ironic accepted %s", p.name, name, id, diff)
			}
		}
		checkNodes(t, p, names, nodeOf, macs)
		if p.name == "enroll" {
			for name, n := range l.creations() {
				if strings.HasPrefix(name, namespace+"~crash-") && n != 1 {
					t.Errorf("node %s was created %d times, want once", name, n)
				}
			}
		}
	}
	t.Logf("summary (%d hosts, controller started %d times):\n%s", hostCount, ctl.started, strings.Join(summary, "\n"))
}

func inState(s metal3.ProvisioningState) func(*metal3.BareMetalHost) bool {
	return func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == s && h.Status.ErrorType == ""
	}
}

// reachedHosts returns the hosts at their goal (a gone host maps to nil when reached is nil).
func reachedHosts(client versioned.Interface, names []string, reached func(*metal3.BareMetalHost) bool) map[string]*metal3.BareMetalHost {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := client.Metal3V1alpha1().BareMetalHosts(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil // the API server is down: nothing is known to be there
	}
	byName := map[string]*metal3.BareMetalHost{}
	for i := range list.Items {
		byName[list.Items[i].Name] = &list.Items[i]
	}
	out := map[string]*metal3.BareMetalHost{}
	for _, name := range names {
		h, ok := byName[name]
		switch {
		case reached == nil && !ok:
			out[name] = nil
		case reached != nil && ok && reached(h):
			out[name] = h
		}
	}
	return out
}

func apiServerUp(client versioned.Interface) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := client.Metal3V1alpha1().BareMetalHosts(namespace).List(ctx, metav1.ListOptions{Limit: 1})
	return err == nil
}

func describe(client versioned.Interface, name string) string {
	h, err := client.Metal3V1alpha1().BareMetalHosts(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("state=%q error=%q %q finalizers=%v node=%s", h.Status.Provisioning.State, h.Status.ErrorType,
		h.Status.ErrorMessage, h.Finalizers, h.Status.Provisioning.ID)
}

// diffCounts says how got differs from want ("" when equal; absent keys are zero). Manage and
// inspect are not compared: a kill may cost one more of either, which changes no disk.
func diffCounts(want, got map[string]int) string {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k != targetManage && k != targetInspect && want[k] != got[k] {
			out = append(out, fmt.Sprintf("%d %s, want %d", got[k], k, want[k]))
		}
	}
	return strings.Join(out, "; ")
}

// checkNodes compares Ironic's nodes with the phase's end: each in nodeState with exactly its
// boot port, or gone after the delete.
func checkNodes(t *testing.T, p phase, names []string, nodeOf, macs map[string]string) {
	t.Helper()
	for _, name := range names {
		id := nodeOf[name]
		if id == "" {
			t.Errorf("%s: host %s never recorded its node", p.name, name)
			continue
		}
		var node struct {
			ProvisionState string `json:"provision_state"`
		}
		status := ironicGet(t, "/v1/nodes/"+id+"?fields=provision_state", &node)
		if p.nodeState == "" {
			if status != http.StatusNotFound {
				t.Errorf("%s: node %s of deleted host %s is still in Ironic (%d, %s)", p.name, id, name, status, node.ProvisionState)
			}
			continue
		}
		if status != http.StatusOK || node.ProvisionState != p.nodeState {
			t.Errorf("%s: node %s of %s is %q (HTTP %d), want %q", p.name, id, name, node.ProvisionState, status, p.nodeState)
		}
		var ports struct {
			Ports []struct {
				Address string `json:"address"`
			} `json:"ports"`
		}
		ironicGet(t, "/v1/ports?node_uuid="+id, &ports)
		if len(ports.Ports) != 1 || !strings.EqualFold(ports.Ports[0].Address, macs[name]) {
			t.Errorf("%s: node %s of %s has ports %+v, want exactly its boot port %s", p.name, id, name, ports.Ports, macs[name])
		}
	}
}

func ironicGet(t *testing.T, path string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ironic.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-OpenStack-Ironic-API-Version", "1.82")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}
