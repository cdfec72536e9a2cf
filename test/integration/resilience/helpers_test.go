package resilience

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

// setLabel marks the hosts of one test, so it can list and delete exactly its own.
const setLabel = "resilience.metalkube.io/set"

// createHosts creates each host with its credentials Secret, labelled as part of set.
func createHosts(t *testing.T, set string, hosts []*metal3.BareMetalHost) {
	t.Helper()
	for _, h := range hosts {
		if h.Labels == nil {
			h.Labels = map[string]string{}
		}
		h.Labels[setLabel] = set
		sys.Credentials(t, h.Spec.BMC.CredentialsName, "admin", "pw-"+h.Name)
		sys.CreateHost(t, h)
	}
}

// fakeHost is framework.FakeHost with a MAC unique to (prefix, i).
func fakeHost(name string, prefix byte, i int) *metal3.BareMetalHost {
	return framework.FakeHost(name, fmt.Sprintf("52:54:00:%02x:%02x:%02x", prefix, i/256, i%256))
}

// listHosts returns the hosts of set, by name.
func listHosts(t *testing.T, set string) map[string]*metal3.BareMetalHost {
	t.Helper()
	list, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).List(context.Background(),
		metav1.ListOptions{LabelSelector: setLabel + "=" + set})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*metal3.BareMetalHost, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out
}

// waitForHosts lists the hosts of set every half second (one request, whatever their number)
// until there are want of them and ok holds for each. It fails after timeout naming the hosts
// that were not ok.
func waitForHosts(t *testing.T, set string, want int, timeout time.Duration, what string, ok func(*metal3.BareMetalHost) bool) map[string]*metal3.BareMetalHost {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		hosts := listHosts(t, set)
		var notOK []string
		for _, h := range hosts {
			if !ok(h) {
				notOK = append(notOK, describe(h))
			}
		}
		if len(hosts) == want && len(notOK) == 0 {
			return hosts
		}
		if time.Now().After(deadline) {
			sort.Strings(notOK)
			if len(notOK) > 10 {
				notOK = append(notOK[:10], fmt.Sprintf("... and %d more", len(notOK)-10))
			}
			t.Fatalf("%d hosts of set %q (want %d) after %s, not all %s:\n%s",
				len(hosts), set, want, timeout, what, strings.Join(notOK, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func describe(h *metal3.BareMetalHost) string {
	ready := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
	cond := "<no Settled condition>"
	if ready != nil {
		cond = fmt.Sprintf("Settled=%s %s: %s", ready.Status, ready.Reason, ready.Message)
	}
	return fmt.Sprintf("%s: state=%q node=%s poweredOn=%v error=%q %q; %s", h.Name, h.Status.Provisioning.State,
		h.Status.Provisioning.ID, h.Status.PoweredOn, h.Status.ErrorType, h.Status.ErrorMessage, cond)
}

// stable reports whether the host rests in a stable state: no error, Settled=True.
func stable(h *metal3.BareMetalHost) bool {
	ready := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
	return h.Status.ErrorType == "" && ready != nil && ready.Status == metav1.ConditionTrue &&
		ready.Reason == hoststate.ReasonStable && ready.ObservedGeneration == h.Generation
}

// stableIn returns a check that the host is stable in state.
func stableIn(state metal3.ProvisioningState) func(*metal3.BareMetalHost) bool {
	return func(h *metal3.BareMetalHost) bool { return h.Status.Provisioning.State == state && stable(h) }
}

// deleteHosts deletes the hosts of set and waits until they are gone.
func deleteHosts(t *testing.T, set string, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).DeleteCollection(ctx,
		metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: setLabel + "=" + set})
	if err != nil {
		t.Errorf("deleting the hosts of set %q: %v", set, err)
		return
	}
	deadline := time.Now().Add(timeout)
	for {
		hosts := listHosts(t, set)
		if len(hosts) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var left []string
			for _, h := range hosts {
				left = append(left, describe(h))
			}
			sort.Strings(left)
			t.Errorf("%d hosts of set %q still exist %s after deletion:\n%s", len(hosts), set, timeout, strings.Join(left, "\n"))
			return
		}
		time.Sleep(time.Second)
	}
}

// eventCounts returns, by reason, how many Events were recorded on the host (an Event
// recorded again is one object with a higher count).
func eventCounts(t *testing.T, name string) map[string]int {
	t.Helper()
	list, err := sys.Env.Kube.CoreV1().Events(framework.Namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: fields.Set{"involvedObject.kind": "BareMetalHost", "involvedObject.name": name}.String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range list.Items {
		out[e.Reason] += max(int(e.Count), 1)
	}
	return out
}

// settledEventCounts reads eventCounts for every host until two reads a second apart agree:
// Events are recorded asynchronously, after the status write that made the host stable.
func settledEventCounts(t *testing.T, names []string) map[string]map[string]int {
	t.Helper()
	read := func() map[string]map[string]int {
		out := make(map[string]map[string]int, len(names))
		for _, n := range names {
			out[n] = eventCounts(t, n)
		}
		return out
	}
	prev := read()
	for i := 0; i < 30; i++ {
		time.Sleep(time.Second)
		cur := read()
		if fmt.Sprint(cur) == fmt.Sprint(prev) {
			return cur
		}
		prev = cur
	}
	t.Fatalf("Events of %d hosts still changing after 30 s", len(names))
	return nil
}

// stateRequest is one PUT /v1/nodes/{id}/states/{provision,power} the controller sent.
type stateRequest struct {
	Node   string // node UUID
	Kind   string // "provision" or "power"
	Target string
}

// stateRecorder records the state change requests the controller sends to Ironic. It uses
// the counting transport's FailIf hook with a matcher that never selects a request.
type stateRecorder struct {
	mu   sync.Mutex
	seen []stateRequest
}

func recordStateRequests(t *testing.T) *stateRecorder {
	r := &stateRecorder{}
	sys.Transport.FailIf(http.StatusInternalServerError, func(method, path string, body []byte) bool {
		parts := strings.Split(strings.Trim(path, "/"), "/") // v1 nodes {id} states {kind}
		if method != http.MethodPut || len(parts) != 5 || parts[1] != "nodes" || parts[3] != "states" {
			return false
		}
		var b struct {
			Target string `json:"target"`
		}
		_ = json.Unmarshal(body, &b)
		r.mu.Lock()
		r.seen = append(r.seen, stateRequest{Node: parts[2], Kind: parts[4], Target: b.Target})
		r.mu.Unlock()
		return false
	})
	t.Cleanup(func() { sys.Transport.FailIf(0, nil) })
	return r
}

func (r *stateRecorder) requests() []stateRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stateRequest(nil), r.seen...)
}

// requestsSince returns the Ironic request counts by pattern since before; node names
// ("<namespace>~<name>") in paths are shown as {name}.
func requestsSince(before map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range sys.Transport.Counts() {
		if d := v - before[k]; d > 0 {
			out[namePattern(k)] += d
		}
	}
	return out
}

// namePattern replaces a node name segment of a request pattern with {name}.
func namePattern(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, framework.Namespace+"~") {
			parts[i] = "{name}"
		}
	}
	return strings.Join(parts, "/")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
