package machine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	machineinformers "github.com/metalkube/metalkube/pkg/generated/informers/externalversions/machine.openshift.io/v1beta1"
	metal3informers "github.com/metalkube/metalkube/pkg/generated/informers/externalversions/metal3.io/v1alpha1"
	machinelisters "github.com/metalkube/metalkube/pkg/generated/listers/machine.openshift.io/v1beta1"
	metal3listers "github.com/metalkube/metalkube/pkg/generated/listers/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/metrics"
)

// MachineQueueName names the actuator's workqueue (and its workqueue metrics).
const QueueName = "machine"

// consumerIndex indexes hosts by the "<namespace>/<name>" of the Machine that consumes them.
const consumerIndex = "machineConsumer"

// ActuatorOptions are what NewActuator needs. Informers come from factories the caller owns
// and starts; the host informer is meant to be the one the host controller uses.
type Options struct {
	Kube kubernetes.Interface
	// Client is the clientset for BareMetalHosts and Machines.
	Client versioned.Interface
	// Hosts is the BareMetalHost informer, shared with the host controller.
	Hosts metal3informers.BareMetalHostInformer
	// Machines is the Machine informer.
	Machines machineinformers.MachineInformer
	// Recorder records Events on Machines; nil makes one that writes to Kube.
	Recorder record.EventRecorder
	// Clock is the time source; nil means the real clock.
	Clock clock.PassiveClock
	// ClaimTTL bounds how long a written claim is remembered while the host cache does not
	// show it yet (default 1 minute).
	ClaimTTL time.Duration
	// Metrics, when set, receives reconcile metrics (controller "machine").
	Metrics *metrics.Metrics
	// Intn chooses among candidate hosts, returning a number in [0, n); nil means
	// math/rand/v2.IntN. Tests make the choice predictable with it.
	Intn func(n int) int
}

// ActuatorStats count what the actuator did since it started.
type Stats struct {
	// Claims is the number of hosts claimed.
	Claims int64
	// Conflicts is the number of host writes refused because the host had changed (each
	// retried quietly).
	Conflicts int64
	// StaleSkips is the number of times a host the lister showed free was passed over because
	// a claim of it was in flight.
	StaleSkips int64
	// Releases is the number of hosts released by deleted Machines.
	Releases int64
}

// Actuator gives Machines BareMetalHosts: it claims a free host that matches a Machine's
// provider spec, reports the host's progress on the Machine, and releases the host when the
// Machine is deleted.
type Actuator struct {
	client    versioned.Interface
	kube      kubernetes.Interface
	hosts     metal3listers.BareMetalHostLister
	hostIndex cache.Indexer
	machines  machinelisters.MachineLister
	synced    []cache.InformerSynced
	recorder  record.EventRecorder
	clock     clock.PassiveClock
	intn      func(int) int
	queue     workqueue.TypedRateLimitingInterface[string]
	loop      *worker.Loop
	claims    *claimTracker
	metrics   *metrics.Metrics // may be nil

	// waitBackoff spaces the retries of Machines that wait for a host; conflictBackoff those
	// of claims refused by optimistic concurrency. Both are per Machine.
	waitBackoff     workqueue.TypedRateLimiter[string]
	conflictBackoff workqueue.TypedRateLimiter[string]

	// waiting holds the keys of Machines without a host, by namespace, so that a host
	// becoming free wakes them at once rather than at their next retry.
	waitingMu sync.Mutex
	waiting   map[string]map[string]bool

	stats struct{ claims, conflicts, staleSkips, releases atomic.Int64 }

	// syncHandler is sync, replaceable in tests.
	syncHandler func(ctx context.Context, key string) error
}

// NewActuator wires the actuator to its informers. It does not start anything; call it before
// the informer factories are started (it adds an index to the host informer).
func New(ctx context.Context, o Options) (*Actuator, error) {
	if o.Kube == nil || o.Client == nil || o.Hosts == nil || o.Machines == nil {
		return nil, fmt.Errorf("machine actuator: Kube, Client, Hosts and Machines are required")
	}
	a := &Actuator{
		client: o.Client, kube: o.Kube, clock: o.Clock, intn: o.Intn, recorder: o.Recorder, metrics: o.Metrics,
		hosts: o.Hosts.Lister(), hostIndex: o.Hosts.Informer().GetIndexer(), machines: o.Machines.Lister(),
		synced:          []cache.InformerSynced{o.Hosts.Informer().HasSynced, o.Machines.Informer().HasSynced},
		queue:           worker.NewQueue(QueueName),
		waitBackoff:     workqueue.NewTypedItemExponentialFailureRateLimiter[string](2*time.Second, 2*time.Minute),
		conflictBackoff: workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 5*time.Second),
		waiting:         map[string]map[string]bool{},
	}
	if a.clock == nil {
		a.clock = clock.RealClock{}
	}
	if a.intn == nil {
		a.intn = rand.IntN
	}
	ttl := o.ClaimTTL
	if ttl == 0 {
		ttl = time.Minute
	}
	a.claims = newClaimTracker(a.clock, ttl)
	var events *worker.Events
	a.recorder, events = worker.Recorder(ctx, o.Recorder, a.kube)
	a.syncHandler = a.sync
	a.loop = &worker.Loop{Name: "machine actuator", Item: "machine", Queue: a.queue, Synced: a.synced, Events: events,
		Sync:    func(ctx context.Context, key string) error { return a.syncHandler(ctx, key) },
		Metrics: a.metrics, QueueName: QueueName}

	if err := addConsumerIndex(o.Hosts.Informer()); err != nil {
		return nil, err
	}
	logger := klog.FromContext(ctx)
	if _, err := o.Hosts.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj interface{}) { a.hostChanged(nil, obj) },
		UpdateFunc: func(old, cur interface{}) { a.hostChanged(old, cur) },
		DeleteFunc: a.hostDeleted,
	}); err != nil {
		return nil, err
	}
	if _, err := o.Machines.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    a.enqueueMachine,
		UpdateFunc: func(old, cur interface{}) { a.updateMachine(logger, old, cur) },
		DeleteFunc: a.enqueueMachine,
	}); err != nil {
		return nil, err
	}
	return a, nil
}

// addConsumerIndex adds the consumer index unless the informer has it (two actuators may
// share a factory in tests).
func addConsumerIndex(inf cache.SharedIndexInformer) error {
	if _, ok := inf.GetIndexer().GetIndexers()[consumerIndex]; ok {
		return nil
	}
	return inf.AddIndexers(cache.Indexers{consumerIndex: func(obj interface{}) ([]string, error) {
		h, ok := obj.(*metal3.BareMetalHost)
		if !ok {
			return nil, nil
		}
		if k := consumerKey(h); k != "" {
			return []string{k}, nil
		}
		return nil, nil
	}})
}

// Run waits for the caches, then runs workers until ctx ends.
func (a *Actuator) Run(ctx context.Context, workers int) error {
	go a.warnIfNotSynced(ctx)
	return a.loop.Run(ctx, workers, nil)
}

// warnIfNotSynced says what is most likely wrong when the caches take long to fill: on a
// cluster without the machine API, the Machine informer can never list anything.
func (a *Actuator) warnIfNotSynced(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		if !a.HasSynced() {
			klog.FromContext(ctx).Info("Machine actuator caches have not synced after 30s; is the Machine CRD installed? (manifests/machine-api)")
		}
	}
}

// HasSynced reports whether the actuator's informer caches have synced.
func (a *Actuator) HasSynced() bool { return a.loop.HasSynced() }

// Stats returns what the actuator did so far.
func (a *Actuator) Stats() Stats {
	return Stats{
		Claims: a.stats.claims.Load(), Conflicts: a.stats.conflicts.Load(),
		StaleSkips: a.stats.staleSkips.Load(), Releases: a.stats.releases.Load(),
	}
}

func (a *Actuator) enqueueMachine(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	a.queue.Add(key)
}

// updateMachine enqueues a Machine unless the update is a resync or only our own status
// write: the actuator's decisions depend on the spec, metadata and status.nodeRef only.
func (a *Actuator) updateMachine(logger klog.Logger, old, cur interface{}) {
	o, n := old.(*machinev1.Machine), cur.(*machinev1.Machine)
	if o.ResourceVersion == n.ResourceVersion {
		return
	}
	if o.Generation == n.Generation && machineMetadataUnchanged(o, n) &&
		equalNodeRef(o.Status.NodeRef, n.Status.NodeRef) {
		logger.V(5).Info("Ignoring status-only update", "machine", klog.KObj(n))
		return
	}
	a.enqueueMachine(cur)
}

// hostChanged enqueues the Machine that consumes the host (and the one that consumed it
// before, if that changed), and wakes the Machines waiting in the host's namespace when the
// host has become claimable.
func (a *Actuator) hostChanged(old, cur interface{}) {
	h := cur.(*metal3.BareMetalHost)
	var o *metal3.BareMetalHost
	if old != nil {
		o = old.(*metal3.BareMetalHost)
		if o.ResourceVersion == h.ResourceVersion {
			return
		}
	}
	consumer := consumerKey(h)
	a.claims.observed(cache.MetaObjectToName(h).String(), h.Spec.ConsumerRef != nil)
	if consumer != "" {
		a.queue.Add(consumer)
	}
	if o != nil {
		if prev := consumerKey(o); prev != "" && prev != consumer {
			a.queue.Add(prev)
		}
	}
	if whyNotClaimable(h) == "" && (o == nil || whyNotClaimable(o) != "" || !equalLabels(o.Labels, h.Labels)) {
		a.wakeWaiting(h.Namespace)
	}
}

func (a *Actuator) hostDeleted(obj interface{}) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	h, ok := obj.(*metal3.BareMetalHost)
	if !ok {
		return
	}
	a.claims.forget(cache.MetaObjectToName(h).String())
	if consumer := consumerKey(h); consumer != "" {
		a.queue.Add(consumer)
	}
}

// setWaiting records whether the Machine waits for a host.
func (a *Actuator) setWaiting(namespace, key string, waiting bool) {
	a.waitingMu.Lock()
	defer a.waitingMu.Unlock()
	if waiting {
		if a.waiting[namespace] == nil {
			a.waiting[namespace] = map[string]bool{}
		}
		a.waiting[namespace][key] = true
		return
	}
	delete(a.waiting[namespace], key)
}

// wakeWaiting enqueues every Machine of the namespace that waits for a host.
func (a *Actuator) wakeWaiting(namespace string) {
	a.waitingMu.Lock()
	keys := make([]string, 0, len(a.waiting[namespace]))
	for k := range a.waiting[namespace] {
		keys = append(keys, k)
	}
	a.waitingMu.Unlock()
	for _, k := range keys {
		a.queue.Add(k)
	}
}

// Enqueue asks for a Machine to be looked at again (used by embedders and tests).
func (a *Actuator) Enqueue(namespace, name string) { a.queue.Add(namespace + "/" + name) }
