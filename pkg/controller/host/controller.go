package host

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	metal3informers "github.com/metalkube/metalkube/pkg/generated/informers/externalversions/metal3.io/v1alpha1"
	metal3listers "github.com/metalkube/metalkube/pkg/generated/listers/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/metrics"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// HostQueueName names the host controller's workqueue (and its workqueue metrics).
const QueueName = "baremetalhost"

// HostControllerOptions are what NewHostController needs. Informers come from factories the
// caller owns and starts, so an embedding controller can share them.
type Options struct {
	Kube   kubernetes.Interface
	Metal3 versioned.Interface
	// Hosts is the BareMetalHost informer.
	Hosts metal3informers.BareMetalHostInformer
	// Secrets is a Secret informer limited to SecretLabelSelector (see SecretListOptions); the
	// controller labels each credentials Secret it reads so it enters this cache.
	Secrets coreinformers.SecretInformer
	// Provisioner drives nodes (Ironic).
	Provisioner provisioner.Provisioner
	// Recorder records Events; nil makes one that writes to Kube.
	Recorder record.EventRecorder
	// Clock is the time source; nil means the real clock.
	Clock clock.PassiveClock
	// SteadyResync is how often a host in a stable state is looked at again when the
	// provisioner cannot list nodes for the shared poll (default 5m).
	SteadyResync time.Duration
	// MaxProvisioningAttempts stops retrying a failing deploy of the same image after this many
	// consecutive failures (0: retry forever, with backoff).
	MaxProvisioningAttempts int
	// Metrics, when set, receives reconcile, error and operation metrics and serves the host
	// gauges from this controller's cache.
	Metrics *metrics.Metrics
	// MaxConcurrentProvisioning limits the hosts inspecting, cleaning or (de)provisioning at
	// once (0: no limit). Others wait for a slot, which their Settled condition says (operationalStatus delayed).
	MaxConcurrentProvisioning int
	// DiscoveryNamespace, when set, turns on discovery: Ironic nodes that no host owns are
	// imported as BareMetalHosts in this namespace (needs a provisioner that lists nodes).
	DiscoveryNamespace string
	// NodePollInterval is the period of the shared node list that notices changes to stable
	// hosts' nodes (default 1m).
	NodePollInterval time.Duration
	// NodeFeedInterval is the period of the feed of recently changed nodes that tells hosts
	// waiting on an operation that their node moved (default 500ms; negative turns it off,
	// and such hosts then read their node every second or so).
	NodeFeedInterval time.Duration
}

// HostController reconciles BareMetalHosts with their nodes.
type Controller struct {
	kube         kubernetes.Interface
	metal3       versioned.Interface
	hosts        metal3listers.BareMetalHostLister
	hostIndex    cache.Indexer
	secrets      corelisters.SecretLister
	synced       []cache.InformerSynced
	prov         provisioner.Provisioner
	recorder     record.EventRecorder
	clock        clock.PassiveClock
	steadyResync time.Duration
	// maxProvisioningAttempts is HostControllerOptions.MaxProvisioningAttempts.
	maxProvisioningAttempts int
	// nodes is where sync gets a host's node, and when to look at it again.
	nodes *nodeSource
	// written are the host versions our own writes replaced, to tell a stale cache.
	written *ownWrites
	// metrics may be nil.
	metrics *metrics.Metrics
	// discoveryNamespace is HostControllerOptions.DiscoveryNamespace.
	discoveryNamespace string
	// slots counts hosts in slot states (hoststate.HoldsSlot) against MaxConcurrentProvisioning.
	slots *provisioningSlots
	queue workqueue.TypedRateLimitingInterface[string]
	// loop runs the queue's workers.
	loop *worker.Loop

	// syncHandler is sync, replaceable in tests.
	syncHandler func(ctx context.Context, key string) error
}

// secretsIndex indexes hosts by "<namespace>/<Secret name>" for each Secret they use: BMC
// credentials, user data, network data and meta data (of their own namespace only).
const secretsIndex = "secrets"

// NewHostController wires the controller to its informers. It does not start anything.
func New(ctx context.Context, o Options) (*Controller, error) {
	if o.Kube == nil || o.Metal3 == nil || o.Hosts == nil || o.Secrets == nil || o.Provisioner == nil {
		return nil, fmt.Errorf("host controller: Kube, Metal3, Hosts, Secrets and Provisioner are required")
	}
	c := &Controller{
		kube: o.Kube, metal3: o.Metal3, prov: o.Provisioner, clock: o.Clock,
		maxProvisioningAttempts: o.MaxProvisioningAttempts, metrics: o.Metrics,
		slots: newProvisioningSlots(o.MaxConcurrentProvisioning), discoveryNamespace: o.DiscoveryNamespace,
		written: newOwnWrites(),
		hosts:   o.Hosts.Lister(), hostIndex: o.Hosts.Informer().GetIndexer(), secrets: o.Secrets.Lister(),
		synced: []cache.InformerSynced{o.Hosts.Informer().HasSynced, o.Secrets.Informer().HasSynced},
		queue:  worker.NewQueue(QueueName),
	}
	if c.clock == nil {
		c.clock = clock.RealClock{}
	}
	steadyResync := o.SteadyResync
	if steadyResync == 0 {
		steadyResync = 5 * time.Minute
	}
	var events *worker.Events
	c.recorder, events = worker.Recorder(ctx, o.Recorder, c.kube)
	c.syncHandler = c.sync
	c.loop = &worker.Loop{Name: "host controller", Item: "host", Queue: c.queue, Synced: c.synced, Events: events,
		Sync: func(ctx context.Context, key string) error { return c.syncHandler(ctx, key) }, Metrics: c.metrics, QueueName: QueueName, Done: c.recordSync}
	c.slots.wake = func(key string) { c.queue.Add(key) }
	if o.Metrics != nil {
		o.Metrics.RegisterHostCollector(c.hosts)
	}
	nodes := nodeSourceOptions{Provisioner: o.Provisioner, Clock: c.clock, PollInterval: o.NodePollInterval,
		FeedInterval: o.NodeFeedInterval, SteadyResync: steadyResync, Enqueue: func(key string) { c.queue.Add(key) },
		HostNodes: c.hostNodeIDs}
	if c.discoveryNamespace != "" {
		nodes.Observe = c.discover
	}
	c.nodes = newNodeSource(nodes)

	if err := o.Hosts.Informer().AddIndexers(cache.Indexers{secretsIndex: indexBySecrets, bmcEndpointIndex: indexByBMCEndpoint}); err != nil {
		return nil, err
	}
	logger := klog.FromContext(ctx)
	if _, err := o.Hosts.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueHost,
		UpdateFunc: func(old, cur interface{}) { c.updateHost(logger, old, cur) },
		DeleteFunc: c.hostDeleted,
	}); err != nil {
		return nil, err
	}
	if _, err := o.Secrets.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueSecretUsers,
		UpdateFunc: func(_, cur interface{}) { c.enqueueSecretUsers(cur) },
		DeleteFunc: c.enqueueSecretUsers,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func indexBySecrets(obj interface{}) ([]string, error) {
	h, ok := obj.(*metal3.BareMetalHost)
	if !ok {
		return nil, nil
	}
	var keys []string
	if h.Spec.BMC.CredentialsName != "" {
		keys = append(keys, h.Namespace+"/"+h.Spec.BMC.CredentialsName)
	}
	if h.Spec.PreprovisioningNetworkDataName != "" {
		keys = append(keys, h.Namespace+"/"+h.Spec.PreprovisioningNetworkDataName)
	}
	for _, ref := range []*corev1.SecretReference{h.Spec.UserData, h.Spec.NetworkData, h.Spec.MetaData} {
		// A reference to another namespace is refused (secretValue): it never enqueues.
		if ref != nil && ref.Name != "" && (ref.Namespace == "" || ref.Namespace == h.Namespace) {
			keys = append(keys, h.Namespace+"/"+ref.Name)
		}
	}
	return keys, nil
}

// Run waits for the caches, then runs workers until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) error {
	return c.loop.Run(ctx, workers, func(ctx context.Context) {
		c.countSlotHolders()
		go c.nodes.run(ctx)
	})
}

// HasSynced reports whether the controller's informer caches have synced.
func (c *Controller) HasSynced() bool { return c.loop.HasSynced() }

// recordSync records the per-host metrics of one sync of key.
func (c *Controller) recordSync(key string, err error) {
	if ns, name, kerr := cache.SplitMetaNamespaceKey(key); kerr == nil {
		// A host that is gone has its per-host series dropped, not counted once more.
		if _, gerr := c.hosts.BareMetalHosts(ns).Get(name); apierrors.IsNotFound(gerr) {
			c.metrics.ForgetHost(ns, name)
		} else {
			c.metrics.HostReconciled(ns, name, err != nil)
		}
	}
}

func (c *Controller) enqueueHost(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	c.queue.Add(key)
}

// hostDeleted enqueues a deleted host (to forget it) and the hosts that share its server.
func (c *Controller) hostDeleted(obj interface{}) {
	c.enqueueHost(obj)
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if h, ok := obj.(*metal3.BareMetalHost); ok {
		c.enqueueBMCTwins(h)
	}
}

// updateHost enqueues a host unless the update is a resync or touches only status, which is
// what our own status writes do: acting on those would only repeat the last decision.
func (c *Controller) updateHost(logger klog.Logger, old, cur interface{}) {
	o, n := old.(*metal3.BareMetalHost), cur.(*metal3.BareMetalHost)
	if o.ResourceVersion == n.ResourceVersion {
		return
	}
	if o.Generation == n.Generation && metadataUnchanged(o, n) {
		if key := cache.MetaObjectToName(n).String(); c.written.caughtUp(key, n.ResourceVersion) {
			c.queue.Add(key) // a sync skipped it while the cache lagged behind our write
			return
		}
		logger.V(5).Info("Ignoring status-only update", "host", klog.KObj(n))
		return
	}
	c.enqueueHost(cur)
}

// enqueueSecretUsers enqueues the hosts that use the Secret: a fixed user data Secret is
// retried at once, not after the backoff.
func (c *Controller) enqueueSecretUsers(obj interface{}) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	users, err := c.hostIndex.ByIndex(secretsIndex, s.Namespace+"/"+s.Name)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	for _, u := range users {
		c.enqueueHost(u)
	}
}

// EnqueueAfter asks for a host to be looked at after d (used by embedders and tests).
func (c *Controller) EnqueueAfter(namespace, name string, d time.Duration) {
	c.queue.AddAfter(namespace+"/"+name, d)
}

// metadataUnchanged reports whether an update left labels, annotations, finalizers, owner
// references and the deletion timestamp as they were.
func metadataUnchanged(o, n *metal3.BareMetalHost) bool {
	return reflect.DeepEqual(o.Labels, n.Labels) && reflect.DeepEqual(o.Annotations, n.Annotations) &&
		reflect.DeepEqual(o.Finalizers, n.Finalizers) && reflect.DeepEqual(o.OwnerReferences, n.OwnerReferences) &&
		o.DeletionTimestamp.Equal(n.DeletionTimestamp)
}

// countSlotHolders fills the provisioning slots from the cache once at start, so hosts already
// working when the controller (re)starts count against the limit.
func (c *Controller) countSlotHolders() {
	hosts, err := c.hosts.List(labels.Everything())
	if err != nil {
		return
	}
	for _, h := range hosts {
		if hoststate.HoldsSlot(h.Status.Provisioning.State) {
			c.slots.settle(cache.MetaObjectToName(h).String(), true)
		}
	}
}
