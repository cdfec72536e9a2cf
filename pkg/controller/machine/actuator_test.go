package machine

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned/fake"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
)

// actuatorFixture is an actuator whose caches the test fills by hand (so they can be stale on
// purpose) in front of a fake API server that enforces resourceVersion preconditions of merge
// patches, as the real one does.
type actuatorFixture struct {
	t        *testing.T
	client   *fake.Clientset
	actuator *Actuator
	recorder *record.FakeRecorder
	factory  externalversions.SharedInformerFactory
}

func newActuatorFixture(t *testing.T, objs ...runtime.Object) *actuatorFixture {
	t.Helper()
	f := &actuatorFixture{t: t, client: fake.NewSimpleClientset(objs...), recorder: record.NewFakeRecorder(100)}
	f.client.PrependReactor("patch", "*", f.patch)
	f.factory = externalversions.NewSharedInformerFactory(f.client, 0)
	var err error
	f.actuator, err = New(context.Background(), Options{
		Kube: kubefake.NewSimpleClientset(), Client: f.client, Recorder: f.recorder,
		Hosts: f.factory.Metal3().V1alpha1().BareMetalHosts(), Machines: f.factory.Machine().V1beta1().Machines(),
		Intn: func(int) int { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.actuator.queue.ShutDown)
	for _, o := range objs {
		f.cache(o)
	}
	return f
}

// cache puts an object into the actuator's cache as the informer would.
func (f *actuatorFixture) cache(obj runtime.Object) {
	f.t.Helper()
	var err error
	switch o := obj.(type) {
	case *metal3.BareMetalHost:
		err = f.factory.Metal3().V1alpha1().BareMetalHosts().Informer().GetIndexer().Update(o.DeepCopy())
	case *machinev1.Machine:
		err = f.factory.Machine().V1beta1().Machines().Informer().GetIndexer().Update(o.DeepCopy())
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// refresh copies the server's version of the objects into the cache.
func (f *actuatorFixture) refresh() {
	for _, h := range f.hosts() {
		f.cache(h)
	}
	list, _ := f.client.MachineV1beta1().Machines("ns").List(context.Background(), metav1.ListOptions{})
	for i := range list.Items {
		f.cache(&list.Items[i])
	}
}

func (f *actuatorFixture) sync(name string) {
	f.t.Helper()
	if err := f.actuator.sync(context.Background(), "ns/"+name); err != nil {
		f.t.Fatalf("sync %s: %v", name, err)
	}
}

func (f *actuatorFixture) host(name string) *metal3.BareMetalHost {
	f.t.Helper()
	h, err := f.client.Metal3V1alpha1().BareMetalHosts("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

func (f *actuatorFixture) hosts() []*metal3.BareMetalHost {
	list, _ := f.client.Metal3V1alpha1().BareMetalHosts("ns").List(context.Background(), metav1.ListOptions{})
	var out []*metal3.BareMetalHost
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out
}

func (f *actuatorFixture) machine(name string) *machinev1.Machine {
	f.t.Helper()
	m, err := f.client.MachineV1beta1().Machines("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

// warnings drains the recorded Events and returns the Warning ones.
func (f *actuatorFixture) warnings() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			if strings.HasPrefix(e, corev1.EventTypeWarning) {
				out = append(out, e)
			}
		default:
			return out
		}
	}
}

// patch applies a JSON merge patch like the API server: a metadata.resourceVersion in the
// patch must match the object's (409 Conflict otherwise), and each write bumps it.
func (f *actuatorFixture) patch(action clienttesting.Action) (bool, runtime.Object, error) {
	pa := action.(clienttesting.PatchAction)
	gvr := pa.GetResource()
	cur, err := f.client.Tracker().Get(gvr, pa.GetNamespace(), pa.GetName())
	if err != nil {
		return true, nil, err
	}
	var doc, patch map[string]interface{}
	raw, _ := json.Marshal(cur)
	if err := json.Unmarshal(raw, &doc); err != nil {
		return true, nil, err
	}
	if err := json.Unmarshal(pa.GetPatch(), &patch); err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	meta, _ := doc["metadata"].(map[string]interface{})
	rv, _ := meta["resourceVersion"].(string)
	if pm, ok := patch["metadata"].(map[string]interface{}); ok {
		if want, ok := pm["resourceVersion"]; ok && want != rv {
			return true, nil, apierrors.NewConflict(gvr.GroupResource(), pa.GetName(), fmt.Errorf("resourceVersion %v, object has %s", want, rv))
		}
	}
	doc = mergePatch(doc, patch).(map[string]interface{})
	n, _ := strconv.Atoi(rv)
	doc["metadata"].(map[string]interface{})["resourceVersion"] = strconv.Itoa(n + 1)
	out := reflect.New(reflect.TypeOf(cur).Elem()).Interface().(runtime.Object)
	raw, _ = json.Marshal(doc)
	if err := json.Unmarshal(raw, out); err != nil {
		return true, nil, err
	}
	return true, out, f.client.Tracker().Update(gvr, out, pa.GetNamespace())
}

// mergePatch is RFC 7386.
func mergePatch(doc, patch interface{}) interface{} {
	p, ok := patch.(map[string]interface{})
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]interface{})
	if !ok {
		d = map[string]interface{}{}
	}
	for k, v := range p {
		if v == nil {
			delete(d, k)
			continue
		}
		d[k] = mergePatch(d[k], v)
	}
	return d
}

const validSpec = `{"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "BareMetalMachineProviderSpec",
	"image": {"url": "http://images.example.test/os.qcow2", "checksum": "d41d8cd98f00b204e9800998ecf8427e"},
	"userData": {"name": "worker-user-data"}}`

func newMachine(name, spec string) *machinev1.Machine {
	return &machinev1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), ResourceVersion: "1"},
		Spec:       machinev1.MachineSpec{ProviderSpec: machinev1.ProviderSpec{Value: &runtime.RawExtension{Raw: []byte(spec)}}},
	}
}

// cached returns deep copies of everything in the actuator's caches, by kind and key.
func (f *actuatorFixture) cached() map[string]runtime.Object {
	out := map[string]runtime.Object{}
	for _, o := range f.factory.Metal3().V1alpha1().BareMetalHosts().Informer().GetIndexer().List() {
		h := o.(*metal3.BareMetalHost)
		out["host "+cacheKey(h)] = h.DeepCopy()
	}
	for _, o := range f.factory.Machine().V1beta1().Machines().Informer().GetIndexer().List() {
		m := o.(*machinev1.Machine)
		out["machine "+cacheKey(m)] = m.DeepCopy()
	}
	return out
}

func TestAMachineClaimsAFreeHostAndIsLinkedToIt(t *testing.T) {
	f := newActuatorFixture(t, availableHost("h0", nil), newMachine("m1", validSpec))
	before := f.cached()
	f.sync("m1")
	if !equality.Semantic.DeepEqual(before, f.cached()) {
		t.Error("sync mutated objects in the cache")
	}

	h := f.host("h0")
	if consumerKey(h) != "ns/m1" || h.Spec.ConsumerRef.UID != "uid-m1" {
		t.Errorf("host consumerRef %+v", h.Spec.ConsumerRef)
	}
	if h.Spec.Image == nil || h.Spec.Image.URL != "http://images.example.test/os.qcow2" || !h.Spec.Online {
		t.Errorf("host spec image %+v online %v", h.Spec.Image, h.Spec.Online)
	}
	if h.Spec.UserData == nil || h.Spec.UserData.Name != "worker-user-data" || h.Spec.UserData.Namespace != "ns" {
		t.Errorf("host spec userData %+v", h.Spec.UserData)
	}
	m := f.machine("m1")
	if m.Annotations[HostAnnotation] != "ns/h0" || stringValue(m.Spec.ProviderID) != "baremetalhost:///ns/h0/uid-h0" {
		t.Errorf("machine annotation %q providerID %q", m.Annotations[HostAnnotation], stringValue(m.Spec.ProviderID))
	}
	if !hasMachineFinalizer(m) || stringValue(m.Status.Phase) != machinev1.PhaseProvisioning || m.Status.ErrorReason != nil {
		t.Errorf("machine finalizers %v phase %q errorReason %v", m.Finalizers, stringValue(m.Status.Phase), m.Status.ErrorReason)
	}
	if s := f.actuator.Stats(); s.Claims != 1 || s.Conflicts != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestAStaleCacheNeverLeadsToASecondClaim(t *testing.T) {
	// The server has h0 claimed by m1; the cache still shows it free.
	claimed := availableHost("h0", nil)
	claimed.ResourceVersion = "5"
	claimed.Spec.ConsumerRef = &corev1.ObjectReference{Kind: "Machine", APIVersion: "machine.openshift.io/v1beta1", Name: "m1", Namespace: "ns"}
	f := newActuatorFixture(t, claimed, newMachine("m2", validSpec))
	stale := availableHost("h0", nil)
	stale.ResourceVersion = "4"
	f.cache(stale)

	f.sync("m2")
	if got := consumerKey(f.host("h0")); got != "ns/m1" {
		t.Errorf("h0 is consumed by %q after a claim on stale data", got)
	}
	if s := f.actuator.Stats(); s.Claims != 0 || s.Conflicts != 1 {
		t.Errorf("stats %+v, want one conflict and no claim", s)
	}
	if w := f.warnings(); len(w) != 0 {
		t.Errorf("a conflict was reported: %q", w)
	}
	if m := f.machine("m2"); m.Spec.ProviderID != nil || m.Status.ErrorReason != nil {
		t.Errorf("m2 after the conflict: providerID %v errorReason %v", m.Spec.ProviderID, m.Status.ErrorReason)
	}

	// With fresh data, m2 sees there is no host for it.
	f.refresh()
	f.sync("m2")
	if m := f.machine("m2"); m.Status.ErrorReason == nil || *m.Status.ErrorReason != machinev1.InsufficientResourcesMachineError {
		t.Errorf("m2 errorReason %v, want InsufficientResources", m.Status.ErrorReason)
	}
}

func TestClaimsInFlightKeepWorkersOffEachOthersHosts(t *testing.T) {
	f := newActuatorFixture(t, availableHost("h0", nil), availableHost("h1", nil),
		newMachine("m1", validSpec), newMachine("m2", validSpec), newMachine("m3", validSpec))
	// The cache never catches up in this test: every sync sees both hosts free.
	f.sync("m1")
	f.sync("m2")
	f.sync("m3")
	f.sync("m1") // again, still on the stale cache: m1 keeps its host

	owners := map[string]string{}
	for _, h := range f.hosts() {
		owners[h.Name] = consumerKey(h)
	}
	if owners["h0"] != "ns/m1" || owners["h1"] != "ns/m2" {
		t.Errorf("host owners %v, want h0→m1, h1→m2", owners)
	}
	if m := f.machine("m3"); m.Status.ErrorReason == nil || *m.Status.ErrorReason != machinev1.InsufficientResourcesMachineError {
		t.Errorf("m3 errorReason %v, want InsufficientResources", m.Status.ErrorReason)
	}
	if s := f.actuator.Stats(); s.Claims != 2 || s.StaleSkips == 0 || s.Conflicts != 0 {
		t.Errorf("stats %+v, want 2 claims, stale skips and no conflicts", s)
	}
}

func TestAnInvalidProviderSpecIsReportedAndClaimsNothing(t *testing.T) {
	bad := strings.Replace(validSpec, `"userData"`, `"userdata"`, 1)
	f := newActuatorFixture(t, availableHost("h0", nil), newMachine("m1", bad))
	f.sync("m1")
	m := f.machine("m1")
	if m.Status.ErrorReason == nil || *m.Status.ErrorReason != machinev1.InvalidConfigurationMachineError ||
		!strings.Contains(stringValue(m.Status.ErrorMessage), "spec.providerSpec.value.userdata") {
		t.Errorf("errorReason %v errorMessage %q", m.Status.ErrorReason, stringValue(m.Status.ErrorMessage))
	}
	if stringValue(m.Status.Phase) != machinev1.PhaseFailed {
		t.Errorf("phase %q", stringValue(m.Status.Phase))
	}
	if h := f.host("h0"); h.Spec.ConsumerRef != nil {
		t.Errorf("an invalid Machine claimed %s", h.Name)
	}
}

func TestAMachineWhoseHostWasDeletedFailsAndClaimsNoOther(t *testing.T) {
	m := newMachine("m1", validSpec)
	id := "baremetalhost:///ns/gone/uid-gone"
	m.Spec.ProviderID = &id
	m.Annotations = map[string]string{HostAnnotation: "ns/gone"}
	m.Finalizers = []string{machinev1.MachineFinalizer}
	f := newActuatorFixture(t, availableHost("h0", nil), m)
	f.sync("m1")
	got := f.machine("m1")
	if got.Status.ErrorReason == nil || *got.Status.ErrorReason != machinev1.UpdateMachineError ||
		!strings.Contains(stringValue(got.Status.ErrorMessage), "ns/gone") || stringValue(got.Status.Phase) != machinev1.PhaseFailed {
		t.Errorf("status %+v", got.Status)
	}
	if got.Annotations[HostAnnotation] != "ns/gone" || stringValue(got.Spec.ProviderID) != id {
		t.Errorf("the Machine lost its record of the host: %v %v", got.Annotations, got.Spec.ProviderID)
	}
	if h := f.host("h0"); h.Spec.ConsumerRef != nil {
		t.Error("a Machine that lost its host claimed another")
	}

	// Deleting it needs nothing from the host.
	now := metav1.Now()
	got.DeletionTimestamp = &now
	f.cache(got)
	f.sync("m1")
	if hasMachineFinalizer(f.machine("m1")) {
		t.Error("the finalizer stayed")
	}
}

func TestDeletingAMachineDeprovisionsThenReleasesItsHost(t *testing.T) {
	h := availableHost("h0", nil)
	h.Status.Provisioning.State = metal3.StateProvisioned
	h.Status.Provisioning.Image = metal3.Image{URL: "http://images.example.test/os.qcow2"}
	h.Spec.ConsumerRef = &corev1.ObjectReference{Kind: "Machine", APIVersion: "machine.openshift.io/v1beta1", Name: "m1", Namespace: "ns"}
	h.Spec.Image = &metal3.Image{URL: "http://images.example.test/os.qcow2"}
	h.Spec.UserData = &corev1.SecretReference{Name: "worker-user-data"}
	h.Spec.Online = true
	now := metav1.Now()
	m := newMachine("m1", validSpec)
	m.Finalizers = []string{machinev1.MachineFinalizer}
	m.DeletionTimestamp = &now
	f := newActuatorFixture(t, h, m)

	f.sync("m1")
	got := f.host("h0")
	if got.Spec.Image != nil || got.Spec.UserData != nil || got.Spec.Online || consumerKey(got) != "ns/m1" {
		t.Errorf("after the first sync: image %v userData %v online %v consumer %q", got.Spec.Image, got.Spec.UserData, got.Spec.Online, consumerKey(got))
	}
	if stringValue(f.machine("m1").Status.Phase) != machinev1.PhaseDeleting || !hasMachineFinalizer(f.machine("m1")) {
		t.Errorf("machine phase %q finalizers %v", stringValue(f.machine("m1").Status.Phase), f.machine("m1").Finalizers)
	}

	// Still deprovisioning: nothing more happens.
	f.refresh()
	f.sync("m1")
	if consumerKey(f.host("h0")) != "ns/m1" {
		t.Fatal("released before the host was deprovisioned")
	}

	// Deprovisioned: the host is released and the Machine let go.
	got = f.host("h0")
	got.Status.Provisioning = metal3.ProvisionStatus{State: metal3.StateAvailable}
	if _, err := f.client.Metal3V1alpha1().BareMetalHosts("ns").UpdateStatus(context.Background(), got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.refresh()
	f.sync("m1")
	if got := f.host("h0"); got.Spec.ConsumerRef != nil {
		t.Errorf("consumerRef %+v after deprovisioning", got.Spec.ConsumerRef)
	}
	if hasMachineFinalizer(f.machine("m1")) {
		t.Error("the finalizer stayed")
	}
	if s := f.actuator.Stats(); s.Releases != 1 {
		t.Errorf("stats %+v", s)
	}
}
