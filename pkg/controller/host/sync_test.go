package host

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	metal3fake "github.com/metalkube/metalkube/pkg/generated/clientset/versioned/fake"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// fakeProvisioner holds at most one node and records every call by name. Set err to make a
// method fail.
type fakeProvisioner struct {
	node     *provisioner.Node
	hardware *metal3.HardwareDetails
	calls    []string
	err      map[string]error
}

func (p *fakeProvisioner) call(name string) error {
	p.calls = append(p.calls, name)
	return p.err[name]
}

func (p *fakeProvisioner) FindNode(context.Context, provisioner.HostRef) (*provisioner.Node, error) {
	if err := p.call("FindNode"); err != nil {
		return nil, err
	}
	if p.node == nil {
		return nil, nil
	}
	n := *p.node
	return &n, nil
}

func (p *fakeProvisioner) Register(_ context.Context, req provisioner.RegisterRequest, _ *provisioner.Node) (*provisioner.Node, error) {
	if err := p.call("Register"); err != nil {
		return nil, err
	}
	p.node = &provisioner.Node{ID: "node-1", Name: req.Host.NodeName(), ProvisionState: provisioner.StateEnroll,
		BMCAddress: req.BMCAddress, CredentialsVersion: req.CredentialsVersion, BootMACAddress: req.Host.BootMACAddress}
	n := *p.node
	return &n, nil
}

func (p *fakeProvisioner) Manage(context.Context, *provisioner.Node) error { return p.call("Manage") }
func (p *fakeProvisioner) Inspect(context.Context, *provisioner.Node, provisioner.InspectRequest) error {
	return p.call("Inspect")
}
func (p *fakeProvisioner) HardwareDetails(context.Context, *provisioner.Node) (*metal3.HardwareDetails, error) {
	return p.hardware, p.call("HardwareDetails")
}
func (p *fakeProvisioner) Provide(context.Context, *provisioner.Node, bool) error {
	return p.call("Provide")
}
func (p *fakeProvisioner) Deploy(context.Context, *provisioner.Node, provisioner.DeployRequest) error {
	return p.call("Deploy")
}
func (p *fakeProvisioner) Undeploy(context.Context, *provisioner.Node) error {
	return p.call("Undeploy")
}
func (p *fakeProvisioner) Adopt(context.Context, *provisioner.Node, *metal3.Image) error {
	return p.call("Adopt")
}
func (p *fakeProvisioner) Recover(context.Context, *provisioner.Node) error { return p.call("Recover") }
func (p *fakeProvisioner) SetPower(context.Context, *provisioner.Node, provisioner.PowerRequest) error {
	return p.call("SetPower")
}
func (p *fakeProvisioner) Delete(context.Context, *provisioner.Node) error { return p.call("Delete") }
func (p *fakeProvisioner) Ready(context.Context) error                     { return nil }

// syncFixture is a host controller on fake clientsets, with informer caches filled by hand
// and the sync called directly: no workers, no API server.
type syncFixture struct {
	t        *testing.T
	c        *Controller
	prov     *fakeProvisioner
	metal3   *metal3fake.Clientset
	kube     *kubefake.Clientset
	hosts    *externalversions.SharedInformerFactory
	recorder *record.FakeRecorder
	clock    *clocktesting.FakeClock
}

var syncNow = time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)

func newSyncFixture(t *testing.T, host *metal3.BareMetalHost, prov *fakeProvisioner) *syncFixture {
	t.Helper()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: host.Namespace, Name: host.Spec.BMC.CredentialsName,
		ResourceVersion: "7", Labels: map[string]string{SecretLabel: SecretLabelValue}},
		Data: map[string][]byte{"username": []byte("admin"), "password": []byte("s3cret")}}
	f := &syncFixture{t: t, prov: prov, metal3: metal3fake.NewSimpleClientset(host), kube: kubefake.NewSimpleClientset(secret),
		recorder: record.NewFakeRecorder(20), clock: clocktesting.NewFakeClock(syncNow)}
	metal3Factory := externalversions.NewSharedInformerFactory(f.metal3, 0)
	kubeFactory := kubeinformers.NewSharedInformerFactory(f.kube, 0)
	hosts, secrets := metal3Factory.Metal3().V1alpha1().BareMetalHosts(), kubeFactory.Core().V1().Secrets()
	c, err := New(context.Background(), Options{Kube: f.kube, Metal3: f.metal3, Hosts: hosts, Secrets: secrets,
		Provisioner: prov, Recorder: f.recorder, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	if err := hosts.Informer().GetIndexer().Add(host); err != nil {
		t.Fatal(err)
	}
	if err := secrets.Informer().GetIndexer().Add(secret); err != nil {
		t.Fatal(err)
	}
	f.metal3.ClearActions()
	f.kube.ClearActions()
	t.Cleanup(c.queue.ShutDown)
	return f
}

// sync runs one sync of the host and fails the test on an error.
func (f *syncFixture) sync() {
	f.t.Helper()
	if err := f.c.sync(context.Background(), "metal/host-0"); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
}

// writes lists the verbs and subresources of the writes sent to the API server.
func (f *syncFixture) writes() []string {
	var out []string
	for _, a := range f.metal3.Actions() {
		if a.GetVerb() == "get" || a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		w := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			w += "/" + a.GetSubresource()
		}
		out = append(out, w)
	}
	return out
}

// written is the host as the last status write left it.
func (f *syncFixture) written() *metal3.BareMetalHost {
	f.t.Helper()
	h, err := f.metal3.Metal3V1alpha1().BareMetalHosts("metal").Get(context.Background(), "host-0", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// events drains the recorded Events ("Type Reason Message").
func (f *syncFixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func testHost(state metal3.ProvisioningState, opts ...func(*metal3.BareMetalHost)) *metal3.BareMetalHost {
	h := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Namespace: "metal", Name: "host-0", UID: "uid-0", ResourceVersion: "100",
			Finalizers: []string{metal3.BareMetalHostFinalizer}},
		Spec: metal3.BareMetalHostSpec{BMC: metal3.BMCDetails{Address: "fake://bmc-0", CredentialsName: "bmc-0"},
			BootMACAddress: "52:54:00:00:00:01", Online: true},
	}
	h.Status.Provisioning.State = state
	for _, o := range opts {
		o(h)
	}
	return h
}

// registered marks the host's status as a controller leaves it once node-1 was registered
// with the credentials Secret at version 7.
func registered(h *metal3.BareMetalHost) {
	ref := corev1.SecretReference{Namespace: "metal", Name: "bmc-0"}
	h.Status.Provisioning.ID = "node-1"
	h.Status.GoodCredentials = metal3.CredentialsStatus{Reference: &ref, Version: "7"}
	h.Status.TriedCredentials = h.Status.GoodCredentials
}

// nodeOf is node-1 registered for testHost, in state s.
func nodeOf(s provisioner.ProvisionState, power provisioner.PowerState) *provisioner.Node {
	return &provisioner.Node{ID: "node-1", Name: "metal~host-0", ProvisionState: s, PowerState: power,
		BMCAddress: "fake://bmc-0", CredentialsVersion: "7", BootMACAddress: "52:54:00:00:00:01"}
}

// A new host: the sync reads its Secret and (absent) node, registers it and starts BMC
// verification in the same step, as hoststate's Action.Verify says, and writes status once.
func TestSyncRegistersANewHostAndVerifiesIt(t *testing.T) {
	f := newSyncFixture(t, testHost(metal3.StateNone), &fakeProvisioner{})
	f.sync()
	if diff := cmp.Diff([]string{"FindNode", "Register", "Manage"}, f.prov.calls); diff != "" {
		t.Errorf("provisioner calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"update baremetalhosts/status"}, f.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	st := f.written().Status
	if st.Provisioning.State != metal3.StateRegistering || st.TriedCredentials.Version != "7" || st.LastUpdated == nil {
		t.Errorf("status: state %q, tried credentials %q, lastUpdated %v", st.Provisioning.State, st.TriedCredentials.Version, st.LastUpdated)
	}
}

// A host whose state and node agree: the sync reads the node, acts on nothing and writes
// nothing.
func TestSyncWritesNothingWhenNothingChanged(t *testing.T) {
	prov := &fakeProvisioner{node: nodeOf(provisioner.StateAvailable, provisioner.PowerOn)}
	f := newSyncFixture(t, testHost(metal3.StateAvailable, registered), prov)
	f.sync() // the first sync records the decision's conditions
	h := f.written()
	if err := f.c.hostIndex.Update(h); err != nil {
		t.Fatal(err)
	}
	f.metal3.ClearActions()
	f.prov.calls = nil
	f.events()

	f.sync()
	if diff := cmp.Diff([]string{"FindNode"}, f.prov.calls); diff != "" {
		t.Errorf("provisioner calls (-want +got):\n%s", diff)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none: the status did not change", w)
	}
	if e := f.events(); len(e) != 0 {
		t.Errorf("events %v, want none", e)
	}
}

// Inspection data is read only when the decision asks for it, and the decision then made with
// it is the one acted on: the hardware is recorded and the node prepared.
func TestSyncReadsHardwareOnlyWhenTheDecisionAsks(t *testing.T) {
	inspecting := func(h *metal3.BareMetalHost) {
		registered(h)
		h.Status.OperationHistory.Inspect.Start = metav1.NewTime(syncNow.Add(-time.Minute))
	}
	hw := &metal3.HardwareDetails{Hostname: "host-0", RAMMebibytes: 4096}
	for _, tc := range []struct {
		name      string
		node      provisioner.ProvisionState
		wantCalls []string
		wantState metal3.ProvisioningState
	}{
		{"still inspecting: no read", provisioner.StateInspectWait, []string{"FindNode"}, metal3.StateInspecting},
		{"inspected: read once, then prepared", provisioner.StateManageable, []string{"FindNode", "HardwareDetails", "Provide"}, metal3.StatePreparing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := &fakeProvisioner{node: nodeOf(tc.node, provisioner.PowerOff), hardware: hw}
			f := newSyncFixture(t, testHost(metal3.StateInspecting, inspecting), prov)
			f.sync()
			if diff := cmp.Diff(tc.wantCalls, prov.calls); diff != "" {
				t.Errorf("provisioner calls (-want +got):\n%s", diff)
			}
			st := f.written().Status
			if st.Provisioning.State != tc.wantState {
				t.Errorf("state %q, want %q", st.Provisioning.State, tc.wantState)
			}
			if tc.wantState == metal3.StatePreparing && (st.HardwareDetails == nil || st.HardwareDetails.RAMMebibytes != 4096) {
				t.Errorf("hardware details %+v, want what the provisioner read", st.HardwareDetails)
			}
		})
	}
}

// After our own status write, a cache still showing the version it replaced is not decided
// on: the sync neither reads the node nor acts nor writes (the own-write guard).
func TestSyncSkipsACacheOlderThanItsOwnWrite(t *testing.T) {
	f := newSyncFixture(t, testHost(metal3.StateNone), &fakeProvisioner{})
	// The fake clientset keeps resourceVersions; an API server moves them on every write.
	f.metal3.PrependReactor("update", "baremetalhosts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		h := a.(clienttesting.UpdateAction).GetObject().(*metal3.BareMetalHost).DeepCopy()
		h.ResourceVersion = "101"
		return true, h, nil
	})
	f.sync()
	if len(f.prov.calls) == 0 || len(f.writes()) != 1 {
		t.Fatalf("first sync: calls %v, writes %v", f.prov.calls, f.writes())
	}
	f.prov.calls = nil
	f.metal3.ClearActions()

	f.sync() // the cache still has resourceVersion 100
	if len(f.prov.calls) != 0 || len(f.writes()) != 0 {
		t.Errorf("sync on a stale cache: calls %v, writes %v; want none", f.prov.calls, f.writes())
	}
	if !f.c.written.caughtUp("metal/host-0", "101") {
		t.Errorf("the skipped host is not brought back when the cache catches up")
	}
}

// A locked node refuses the action: nothing is recorded on the host (no error, no Event).
// An unreachable provisioner is recorded in the host's conditions with a Warning Event, its
// error fields untouched. Both are hoststate's results; the controller only writes them.
func TestSyncProvisionerFailuresThatAreNotTheHosts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		err       map[string]error
		wantEvent string
	}{
		{"a locked node", map[string]error{"Deploy": fmt.Errorf("node-1: %w", provisioner.ErrLocked)}, ""},
		{"an unreachable provisioner", map[string]error{"FindNode": fmt.Errorf("%w: connection refused", provisioner.ErrUnavailable)}, "Warning ProvisionerUnavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := testHost(metal3.StateProvisioning, registered, func(h *metal3.BareMetalHost) {
				h.Spec.Image = &metal3.Image{URL: "http://images/a.qcow2", Checksum: "abc", ChecksumType: metal3.ChecksumMD5}
				h.Status.Provisioning.Image = *h.Spec.Image
			})
			prov := &fakeProvisioner{node: nodeOf(provisioner.StateAvailable, provisioner.PowerOff), err: tc.err}
			f := newSyncFixture(t, host, prov)
			f.sync()
			if last := prov.calls[len(prov.calls)-1]; tc.wantEvent == "" && last != "Deploy" {
				t.Errorf("calls %v: want the deploy tried", prov.calls)
			}
			st := f.written().Status
			if st.ErrorType != "" || st.ErrorCount != 0 || st.Provisioning.State != metal3.StateProvisioning {
				t.Errorf("status: state %q, error %q (%d): want provisioning without an error", st.Provisioning.State, st.ErrorType, st.ErrorCount)
			}
			events := f.events()
			switch {
			case tc.wantEvent == "" && len(events) != 0:
				t.Errorf("events %v, want none", events)
			case tc.wantEvent != "" && (len(events) != 1 || !strings.HasPrefix(events[0], tc.wantEvent)):
				t.Errorf("events %v, want one %q", events, tc.wantEvent)
			}
			c := meta.FindStatusCondition(st.Conditions, hoststate.ConditionProvisionerReady)
			unreachable := c != nil && c.Status == metav1.ConditionFalse
			if unreachable != (tc.wantEvent != "") {
				t.Errorf("ProvisionerReady condition %+v", c)
			}
		})
	}
}

// A paused host is left alone: nothing is read, decided or written.
func TestSyncLeavesAPausedHostAlone(t *testing.T) {
	host := testHost(metal3.StateNone, func(h *metal3.BareMetalHost) {
		h.Annotations = map[string]string{hoststate.PausedAnnotation: ""}
	})
	f := newSyncFixture(t, host, &fakeProvisioner{err: map[string]error{"FindNode": errors.New("must not be called")}})
	f.sync()
	if len(f.prov.calls) != 0 || len(f.writes()) != 0 {
		t.Errorf("paused host: calls %v, writes %v; want none", f.prov.calls, f.writes())
	}
}
