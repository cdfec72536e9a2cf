package host

import (
	"context"
	"errors"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// sync reconciles one host: gather inputs, decide, act, record.
func (c *Controller) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	logger := klog.FromContext(ctx).WithValues("host", klog.KRef(namespace, name))
	ctx = klog.NewContext(ctx, logger)
	start := c.clock.Now()
	defer func() { logger.V(4).Info("Finished syncing host", "duration", c.clock.Since(start)) }()

	cached, err := c.hosts.BareMetalHosts(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		c.slots.settle(key, false)
		c.nodes.forget(key)
		c.written.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if c.written.stale(key, cached.ResourceVersion) {
		logger.V(4).Info("Cached host predates our last write; waiting for the cache", "resourceVersion", cached.ResourceVersion)
		c.queue.AddAfter(key, staleCacheRecheck)
		return nil
	}
	if hoststate.IsPaused(cached) {
		logger.V(2).Info("Host is paused; leaving it alone", "annotation", hoststate.PausedAnnotation)
		return nil
	}
	if cached.DeletionTimestamp == nil && !hasFinalizer(cached) {
		return c.addFinalizer(ctx, cached)
	}
	if cached.DeletionTimestamp != nil && !hasFinalizer(cached) {
		return nil // not ours to clean up any more
	}
	host := cached.DeepCopy()

	in := hoststate.Input{Host: host, Credentials: c.credentials(ctx, host), Now: c.clock.Now(),
		MaxProvisioningAttempts: c.maxProvisioningAttempts, ProvisioningSlotsFull: !c.slots.acquire(key),
		BMCOwner: c.bmcOwner(cached), NetworkDataVersion: c.networkDataVersion(ctx, host), NodeUpdates: c.nodes.updates(),
		InBandInspection: inBandInspection(c.prov)}
	// Whatever happens below, the slot follows the state the host ends up in.
	defer func() { c.slots.settle(key, hoststate.HoldsSlot(host.Status.Provisioning.State)) }()
	if hoststate.NeedsNode(host) {
		if in.Node, err = c.nodes.node(ctx, key, host); err != nil {
			return c.readFailed(ctx, in, err)
		}
	}
	if hoststate.NeedsHardwareData(host) {
		if in.HardwareData, err = c.hardwareData(ctx, host); err != nil {
			return err
		}
	}

	res := hoststate.Decide(in)
	if res.NeedsHardware {
		if in.Hardware, err = c.prov.HardwareDetails(ctx, in.Node); err != nil {
			return c.readFailed(ctx, in, err)
		}
		res = hoststate.Decide(in)
	}
	if res.WaitingForSlot {
		c.slots.wait(key)
	}
	done := actionDone{kind: res.Action.Kind}
	if res.Action.Kind != hoststate.ActionNone {
		logger.V(2).Info("Acting on host", "action", res.Action.Kind, "state", res.Status.Provisioning.State)
		err := c.act(ctx, host, in.Node, res, in.Credentials)
		c.nodes.acted(key)
		if err != nil {
			locked := errors.Is(err, provisioner.ErrLocked)
			done.failed = !locked // a locked node refused nothing
			logger.V(logLevelOf(locked)).Info("Action failed", "action", res.Action.Kind, "err", redact.URLs(err.Error()))
			res = hoststate.ActionFailed(in, res.Action, err)
		}
	}
	return c.finishAfter(ctx, host, res, done)
}

// logLevelOf is the verbosity of a provisioner error: a locked node is routine.
func logLevelOf(locked bool) int {
	if locked {
		return 2
	}
	return 0
}

func hostRef(h *metal3.BareMetalHost) provisioner.HostRef {
	id := h.Status.Provisioning.ID
	if id == "" {
		// A discovered host names its node from birth, before its status can.
		id = h.Labels[IronicNodeLabel]
	}
	return provisioner.HostRef{Namespace: h.Namespace, Name: h.Name, NodeID: id, BootMACAddress: h.Spec.BootMACAddress}
}

// readFailed records a failed read of the node or its hardware as hoststate says.
func (c *Controller) readFailed(ctx context.Context, in hoststate.Input, err error) error {
	klog.FromContext(ctx).V(logLevelOf(errors.Is(err, provisioner.ErrLocked))).Info("Reading the node failed", "err", redact.URLs(err.Error()))
	return c.finish(ctx, in.Host, hoststate.ObservationFailed(in, err))
}

// actionDone is the provisioner action a sync issued, if any, and whether it failed.
type actionDone struct {
	kind   hoststate.ActionKind
	failed bool
}

// finish is finishAfter for a sync that issued no action.
func (c *Controller) finish(ctx context.Context, host *metal3.BareMetalHost, res hoststate.Result) error {
	return c.finishAfter(ctx, host, res, actionDone{})
}

// finishAfter writes the decided status (if it changed), records metrics and events, removes
// the finalizer when the host is done, and schedules the next look.
func (c *Controller) finishAfter(ctx context.Context, host *metal3.BareMetalHost, res hoststate.Result, done actionDone) error {
	before := host.Status.DeepCopy()
	if err := c.writeStatus(ctx, host, res.Status); err != nil {
		return err
	}
	c.recordMetrics(host, before, res, done)
	for _, e := range res.Events {
		c.recorder.Event(host, e.Type, e.Reason, e.Message)
	}
	if err := c.fillArchitecture(ctx, host, res.FillArchitecture); err != nil {
		return err
	}
	if len(res.RemoveAnnotations) > 0 {
		if err := c.removeAnnotations(ctx, host, res.RemoveAnnotations); err != nil {
			return err
		}
	}
	if res.RemoveFinalizer {
		return c.release(ctx, host)
	}
	key := cache.MetaObjectToName(host).String()
	c.nodes.track(key, res.WatchNode, res.Action.Kind != hoststate.ActionNone)
	if res.RequeueAfter > 0 {
		c.queue.AddAfter(key, res.RequeueAfter)
	}
	return nil
}

// statusChanged compares statuses, ignoring LastUpdated.
func statusChanged(old, cur metal3.BareMetalHostStatus) bool {
	cur.LastUpdated = old.LastUpdated
	return !equality.Semantic.DeepEqual(old, cur)
}
