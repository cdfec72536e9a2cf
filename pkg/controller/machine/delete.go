package machine

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// deprovisionRecheck is how often a deleted Machine looks at its host even without host
// events, in case one was missed.
const deprovisionRecheck = 30 * time.Second

// syncDeletion releases the host of a deleted Machine, then lets the Machine go: it asks the
// host to be deprovisioned (image, user data and custom deploy cleared, powered off), waits
// until it is, clears the host's consumerRef, and removes the Machine's finalizer.
func (a *Actuator) syncDeletion(ctx context.Context, m *machinev1.Machine) error {
	logger := klog.FromContext(ctx)
	if !hasMachineFinalizer(m) {
		return nil
	}
	host, p, err := a.hostOf(ctx, m)
	if err != nil {
		return err
	}
	if host == nil || host.DeletionTimestamp != nil {
		// No host to release: it is gone, consumed by another, or being deleted (which
		// deprovisions it anyway).
		logger.Info("Machine deleted; it has no host to release", "problem", problemMessage(p))
		return a.removeMachineFinalizer(ctx, m)
	}
	if err := a.writeStatus(ctx, m, host, nil); err != nil {
		return err
	}
	if asksForProvisioning(host) {
		updated, err := a.writeDeprovision(ctx, host)
		if err != nil {
			return retryQuietlyOnConflict(err)
		}
		logger.Info("Deprovisioning host of deleted Machine", "host", klog.KObj(host))
		a.recorder.Eventf(m, corev1.EventTypeNormal, "DeprovisioningHost", "Deprovisioning BareMetalHost %s/%s", host.Namespace, host.Name)
		host = updated
	}
	if !deprovisioned(host) {
		logger.V(2).Info("Waiting for the host to be deprovisioned", "host", klog.KObj(host), "state", host.Status.Provisioning.State)
		a.queue.AddAfter(cacheKey(m), deprovisionRecheck)
		return nil
	}
	if err := a.writeRelease(ctx, host); err != nil {
		return retryQuietlyOnConflict(err)
	}
	a.claims.forget(cacheKey(host))
	a.stats.releases.Add(1)
	logger.Info("Released host of deleted Machine", "host", klog.KObj(host))
	a.recorder.Eventf(m, corev1.EventTypeNormal, "HostReleased", "Released BareMetalHost %s/%s", host.Namespace, host.Name)
	return a.removeMachineFinalizer(ctx, m)
}

// asksForProvisioning reports whether the host's spec still asks for anything the Machine put
// there.
func asksForProvisioning(h *metal3.BareMetalHost) bool {
	return h.Spec.Image != nil || h.Spec.UserData != nil || h.Spec.CustomDeploy != nil || h.Spec.Online
}

// deprovisioned reports whether a host whose spec no longer asks for an image has finished
// deprovisioning: it is available again, or no image was ever recorded on it (it never got
// as far as provisioning).
func deprovisioned(h *metal3.BareMetalHost) bool {
	if asksForProvisioning(h) {
		return false
	}
	switch h.Status.Provisioning.State {
	case metal3.StateAvailable, metal3.StateReady:
		return true
	case metal3.StateProvisioning, metal3.StateProvisioned, metal3.StateDeprovisioning, metal3.StateExternallyProvisioned:
		return false
	}
	return h.Status.Provisioning.Image.URL == "" && h.Status.Provisioning.CustomDeploy == nil
}

func problemMessage(p *machineProblem) string {
	if p == nil {
		return ""
	}
	return p.message
}
