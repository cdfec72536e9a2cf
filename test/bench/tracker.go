package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	metal3listers "github.com/metalkube/metalkube/pkg/generated/listers/metal3.io/v1alpha1"
)

// Tracker watches the hosts of one namespace through an informer and records, per host, when
// it was first seen in each state and when it disappeared. It also samples the number of
// hosts per state at a fixed interval for the plot.
type Tracker struct {
	factory externalversions.SharedInformerFactory
	lister  metal3listers.BareMetalHostLister
	synced  cache.InformerSynced

	mu sync.Mutex
	// firstIn[state][name] is when the host was first seen in state.
	firstIn map[metal3.ProvisioningState]map[string]time.Time
	// gone[name] is when the host's deletion was seen.
	gone map[string]time.Time
	// created[name] is when the harness's create call returned.
	created map[string]time.Time
	// deleted[name] is when the harness's delete call returned.
	deleted map[string]time.Time
	// watchers are called on every add or update.
	watchers map[int]func(*metal3.BareMetalHost)
	nextID   int
	samples  []Sample
	// start is the zero of the samples' time axis.
	start time.Time
}

// NewTracker builds (but does not start) a tracker of the hosts in namespace.
func NewTracker(client versioned.Interface, namespace string) (*Tracker, error) {
	f := externalversions.NewSharedInformerFactoryWithOptions(client, 0, externalversions.WithNamespace(namespace))
	inf := f.Metal3().V1alpha1().BareMetalHosts()
	t := &Tracker{
		factory: f, lister: inf.Lister(), synced: inf.Informer().HasSynced,
		firstIn: map[metal3.ProvisioningState]map[string]time.Time{}, gone: map[string]time.Time{},
		created: map[string]time.Time{}, deleted: map[string]time.Time{}, watchers: map[int]func(*metal3.BareMetalHost){},
	}
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { t.observe(obj) },
		UpdateFunc: func(_, obj interface{}) { t.observe(obj) },
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if h, ok := obj.(*metal3.BareMetalHost); ok {
				t.mu.Lock()
				if _, seen := t.gone[h.Name]; !seen {
					t.gone[h.Name] = time.Now()
				}
				t.mu.Unlock()
			}
		},
	})
	return t, err
}

func (t *Tracker) observe(obj interface{}) {
	h, ok := obj.(*metal3.BareMetalHost)
	if !ok {
		return
	}
	now := time.Now()
	st := h.Status.Provisioning.State
	t.mu.Lock()
	m := t.firstIn[st]
	if m == nil {
		m = map[string]time.Time{}
		t.firstIn[st] = m
	}
	if _, seen := m[h.Name]; !seen {
		m[h.Name] = now
	}
	watchers := make([]func(*metal3.BareMetalHost), 0, len(t.watchers))
	for _, w := range t.watchers {
		watchers = append(watchers, w)
	}
	t.mu.Unlock()
	for _, w := range watchers {
		w(h)
	}
}

// Start runs the informer and waits for its cache.
func (t *Tracker) Start(ctx context.Context) error {
	t.factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), t.synced) {
		return fmt.Errorf("the hosts' informer did not sync")
	}
	return nil
}

// Stop ends the informer.
func (t *Tracker) Stop() { t.factory.Shutdown() }

// Watch calls f on every add or update of a host until the returned function is called.
func (t *Tracker) Watch(f func(*metal3.BareMetalHost)) (stop func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := t.nextID
	t.nextID++
	t.watchers[id] = f
	return func() {
		t.mu.Lock()
		delete(t.watchers, id)
		t.mu.Unlock()
	}
}

// Created and Deleted record the harness's own calls.
func (t *Tracker) Created(name string, at time.Time) {
	t.mu.Lock()
	t.created[name] = at
	t.mu.Unlock()
}

func (t *Tracker) Deleted(name string, at time.Time) {
	t.mu.Lock()
	t.deleted[name] = at
	t.mu.Unlock()
}

// Hosts lists the hosts in the cache.
func (t *Tracker) Hosts() []*metal3.BareMetalHost {
	hs, _ := t.lister.List(labels.Everything())
	return hs
}

// Host returns a host from the cache, or nil.
func (t *Tracker) Host(namespace, name string) *metal3.BareMetalHost {
	h, err := t.lister.BareMetalHosts(namespace).Get(name)
	if err != nil {
		return nil
	}
	return h
}

// CountIn returns how many of names have been seen in state.
func (t *Tracker) CountIn(state metal3.ProvisioningState, names []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, name := range names {
		if _, ok := t.firstIn[state][name]; ok {
			n++
		}
	}
	return n
}

// CountGone returns how many of names have been deleted.
func (t *Tracker) CountGone(names []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, name := range names {
		if _, ok := t.gone[name]; ok {
			n++
		}
	}
	return n
}

// Durations returns, per host of names, the time from its creation to its first sighting in
// state, and the latest such sighting.
func (t *Tracker) Durations(state metal3.ProvisioningState, names []string) (ds []time.Duration, last time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range names {
		c, ok1 := t.created[name]
		at, ok2 := t.firstIn[state][name]
		if ok1 && ok2 {
			ds = append(ds, at.Sub(c))
			if at.After(last) {
				last = at
			}
		}
	}
	return ds, last
}

// GoneDurations returns, per host, the time from the harness's delete call to the host's
// disappearance, and the latest disappearance.
func (t *Tracker) GoneDurations(names []string) (ds []time.Duration, last time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range names {
		d, ok1 := t.deleted[name]
		at, ok2 := t.gone[name]
		if ok1 && ok2 {
			ds = append(ds, at.Sub(d))
			if at.After(last) {
				last = at
			}
		}
	}
	return ds, last
}

// stateName is how a state appears in samples and plots.
func stateName(s metal3.ProvisioningState) string {
	if s == metal3.StateNone {
		return "(no state)"
	}
	return string(s)
}

// Sample records the number of hosts per state now, plus the hosts already deleted.
func (t *Tracker) Sample() {
	counts := map[string]int{}
	for _, h := range t.Hosts() {
		counts[stateName(h.Status.Provisioning.State)]++
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.gone) > 0 {
		counts["deleted"] = len(t.gone)
	}
	if t.start.IsZero() {
		t.start = time.Now()
	}
	t.samples = append(t.samples, Sample{T: round(time.Since(t.start).Seconds(), 2), Counts: counts})
}

// RunSampler samples every interval until ctx ends, with the time axis starting at start.
func (t *Tracker) RunSampler(ctx context.Context, start time.Time, interval time.Duration) {
	t.mu.Lock()
	t.start = start
	t.mu.Unlock()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		t.Sample()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Samples returns the samples so far.
func (t *Tracker) Samples() []Sample {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Sample(nil), t.samples...)
}

// HostStates is the order in which host states are stacked in the plot: the lifecycle order.
var HostStates = []string{
	"deleted", "provisioned", "deprovisioning", "powering off before delete", "deleting",
	"provisioning", "available", "preparing", "inspecting", "registering", "(no state)",
}

// sortedNames returns map keys in order.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
