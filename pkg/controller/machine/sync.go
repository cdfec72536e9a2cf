package machine

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// errRetryQuietly says a write lost a race (a conflict, or an object that vanished meanwhile):
// the Machine is looked at again shortly, with fresh data, and nothing is reported.
var errRetryQuietly = errors.New("lost a race; retrying")

// sync reconciles one Machine: find or claim its host, link the Machine to it, and report.
func (a *Actuator) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	logger := klog.FromContext(ctx).WithValues("machine", klog.KRef(namespace, name))
	ctx = klog.NewContext(ctx, logger)
	start := a.clock.Now()
	defer func() { logger.V(4).Info("Finished syncing machine", "duration", a.clock.Since(start)) }()

	cached, err := a.machines.Machines(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		a.forgetMachine(namespace, key)
		return nil
	}
	if err != nil {
		return err
	}
	m := cached.DeepCopy()
	if m.DeletionTimestamp != nil {
		err = a.syncDeletion(ctx, m)
	} else {
		err = a.syncMachine(ctx, m)
	}
	if errors.Is(err, errRetryQuietly) {
		logger.V(2).Info("Lost a race, retrying", "err", err)
		a.queue.AddAfter(key, a.conflictBackoff.When(key))
		return nil
	}
	if err == nil {
		a.conflictBackoff.Forget(key)
	}
	return err
}

// syncMachine makes sure a live Machine has a host, or says why it has none.
func (a *Actuator) syncMachine(ctx context.Context, m *machinev1.Machine) error {
	key := cache.MetaObjectToName(m).String()
	if !hasMachineFinalizer(m) {
		if err := a.addMachineFinalizer(ctx, m); err != nil {
			return err
		}
	}
	host, p, err := a.hostOf(ctx, m)
	if err != nil {
		return err
	}
	if host == nil && p == nil {
		if host, p, err = a.claim(ctx, m); err != nil {
			return err
		}
	}
	if host != nil {
		if err := a.linkMachine(ctx, m, host); err != nil {
			return err
		}
	}
	waiting := host == nil && p != nil && p.reason == machinev1.InsufficientResourcesMachineError
	a.setWaiting(m.Namespace, key, waiting)
	if waiting {
		a.queue.AddAfter(key, a.waitBackoff.When(key))
	} else {
		a.waitBackoff.Forget(key)
	}
	return a.writeStatus(ctx, m, host, p)
}

// hostOf finds the host that backs the Machine, trusting in turn: the consumer index of the
// host cache; this process's record of claims the cache does not show yet; and, when the
// Machine records a host the cache does not show as its own, the API server itself. A
// Machine whose recorded host is gone, or consumed by another, has lost it: the host is
// returned as nil with a problem saying so, and no other host is claimed for the Machine.
func (a *Actuator) hostOf(ctx context.Context, m *machinev1.Machine) (*metal3.BareMetalHost, *machineProblem, error) {
	key := cache.MetaObjectToName(m).String()
	objs, err := a.hostIndex.ByIndex(consumerIndex, key)
	if err != nil {
		return nil, nil, err
	}
	if len(objs) > 0 {
		host := pickConsumed(ctx, m, objs)
		if host.DeletionTimestamp != nil {
			return host, problem(machinev1.UpdateMachineError, "BareMetalHost %s/%s, which backs this Machine, is being deleted", host.Namespace, host.Name), nil
		}
		return host, nil, nil
	}
	if hostKey, ok := a.claims.uncachedClaim(key); ok {
		ns, name, _ := cache.SplitMetaNamespaceKey(hostKey)
		if h, err := a.hosts.BareMetalHosts(ns).Get(name); err == nil {
			return h, nil, nil // the claim is written; the cache is behind
		}
	}
	ns, name, ok := recordedHost(m)
	if !ok {
		return nil, nil, nil
	}
	claimed := m.Spec.ProviderID != nil && *m.Spec.ProviderID != ""
	live, err := a.client.Metal3V1alpha1().BareMetalHosts(ns).Get(ctx, name, getOptions)
	switch {
	case apierrors.IsNotFound(err) && claimed:
		return nil, problem(machinev1.UpdateMachineError, "BareMetalHost %s/%s, which backed this Machine, was deleted; the Machine will not get another host: delete it to replace it", ns, name), nil
	case apierrors.IsNotFound(err):
		return nil, nil, nil // a requested host that does not exist (yet): claim reports it
	case err != nil:
		return nil, nil, err
	}
	if consumerKey(live) == key {
		return live, nil, nil
	}
	if !claimed {
		return nil, nil, nil // a requested host, not claimed yet
	}
	if _, _, uid, _ := parseProviderID(*m.Spec.ProviderID); uid != "" && uid != string(live.UID) {
		return nil, problem(machinev1.UpdateMachineError, "BareMetalHost %s/%s, which backed this Machine, was deleted (a new host has its name); the Machine will not get another host: delete it to replace it", ns, name), nil
	}
	return nil, problem(machinev1.UpdateMachineError, "BareMetalHost %s/%s, which backed this Machine, no longer names it as its consumer; the Machine will not get another host: delete it to replace it", ns, name), nil
}

// pickConsumed returns the Machine's host among the hosts that name it as consumer. There
// should be one; should there be more (written by someone else), the recorded one wins.
func pickConsumed(ctx context.Context, m *machinev1.Machine, objs []interface{}) *metal3.BareMetalHost {
	hosts := make([]*metal3.BareMetalHost, 0, len(objs))
	for _, o := range objs {
		hosts = append(hosts, o.(*metal3.BareMetalHost))
	}
	if len(hosts) > 1 {
		klog.FromContext(ctx).Error(nil, "Several hosts name this Machine as consumer", "hosts", len(hosts))
		if ns, name, ok := recordedHost(m); ok {
			for _, h := range hosts {
				if h.Namespace == ns && h.Name == name {
					return h
				}
			}
		}
	}
	return hosts[0]
}

// claim chooses a host for the Machine and writes the claim. It returns the claimed host, or a
// problem saying why there is none; a claim refused by optimistic concurrency is
// errRetryQuietly.
func (a *Actuator) claim(ctx context.Context, m *machinev1.Machine) (*metal3.BareMetalHost, *machineProblem, error) {
	logger := klog.FromContext(ctx)
	var raw []byte
	if v := m.Spec.ProviderSpec.Value; v != nil {
		raw = v.Raw
	}
	spec, err := baremetal.Decode(raw)
	if err != nil {
		return nil, problem(machinev1.InvalidConfigurationMachineError, "%v", err), nil
	}
	want, err := hostSpecFromProviderSpec(spec, m.Namespace)
	if err != nil {
		return nil, problem(machinev1.InvalidConfigurationMachineError, "%v", err), nil
	}
	candidates, p, err := a.candidates(m, spec)
	if p != nil || err != nil {
		return nil, p, err
	}
	names := make([]string, len(candidates))
	byName := make(map[string]*metal3.BareMetalHost, len(candidates))
	for i, h := range candidates {
		names[i] = cache.MetaObjectToName(h).String()
		byName[names[i]] = h
	}
	key := cache.MetaObjectToName(m).String()
	chosen, skipped := a.claims.reserve(key, names, a.intn)
	a.stats.staleSkips.Add(int64(skipped))
	if chosen == "" {
		return nil, noHostProblem(m, spec), nil
	}
	host, err := a.writeClaim(ctx, m, byName[chosen], want)
	if err != nil {
		a.claims.cancel(chosen, key)
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			a.stats.conflicts.Add(1)
			return nil, nil, fmt.Errorf("claiming host %s: %w (%v)", chosen, errRetryQuietly, err)
		}
		return nil, nil, fmt.Errorf("claiming host %s: %w", chosen, err)
	}
	a.claims.written(chosen, key)
	a.stats.claims.Add(1)
	logger.Info("Claimed host", "host", klog.KObj(host), "candidates", len(candidates))
	a.recorder.Eventf(m, corev1.EventTypeNormal, "HostClaimed", "Claimed BareMetalHost %s/%s", host.Namespace, host.Name)
	return host, nil, nil
}

// candidates lists the hosts the Machine may claim: the one its annotation asks for, or those
// of its namespace that match its selector.
func (a *Actuator) candidates(m *machinev1.Machine, spec *baremetal.BareMetalMachineProviderSpec) ([]*metal3.BareMetalHost, *machineProblem, error) {
	if ns, name, ok := recordedHost(m); ok {
		h, err := a.hosts.BareMetalHosts(ns).Get(name)
		if apierrors.IsNotFound(err) {
			return nil, problem(machinev1.InsufficientResourcesMachineError, "BareMetalHost %s/%s, named by the %s annotation, does not exist", ns, name, HostAnnotation), nil
		}
		if err != nil {
			return nil, nil, err
		}
		if why := whyNotClaimable(h); why != "" {
			return nil, problem(machinev1.InsufficientResourcesMachineError, "BareMetalHost %s/%s, named by the %s annotation, cannot be claimed: %s", ns, name, HostAnnotation, why), nil
		}
		return []*metal3.BareMetalHost{h}, nil, nil
	}
	sel, err := spec.HostSelector.Selector()
	if err != nil { // Decode validated the selector already
		return nil, problem(machinev1.InvalidConfigurationMachineError, "%v", err), nil
	}
	hosts, err := a.hosts.BareMetalHosts(m.Namespace).List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	out := claimableHosts(hosts, sel)
	if len(out) == 0 {
		return nil, noHostProblem(m, spec), nil
	}
	return out, nil, nil
}

// noHostProblem is the problem of a Machine for which no host is free. Its message is stable,
// so that waiting Machines are not rewritten each time the pool changes.
func noHostProblem(m *machinev1.Machine, spec *baremetal.BareMetalMachineProviderSpec) *machineProblem {
	if ns, name, ok := recordedHost(m); ok {
		return problem(machinev1.InsufficientResourcesMachineError, "BareMetalHost %s/%s, named by the %s annotation, is being claimed by another Machine", ns, name, HostAnnotation)
	}
	if len(spec.HostSelector.MatchLabels) == 0 && len(spec.HostSelector.MatchExpressions) == 0 {
		return problem(machinev1.InsufficientResourcesMachineError, "no available BareMetalHost in namespace %s", m.Namespace)
	}
	return problem(machinev1.InsufficientResourcesMachineError, "no available BareMetalHost in namespace %s matches the hostSelector", m.Namespace)
}

// forgetMachine drops what the actuator keeps about a Machine that no longer exists.
func (a *Actuator) forgetMachine(namespace, key string) {
	a.setWaiting(namespace, key, false)
	a.waitBackoff.Forget(key)
	a.conflictBackoff.Forget(key)
}
