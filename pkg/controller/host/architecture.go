package host

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// fillArchitecture writes the architecture inspection found into the host's empty
// spec.architecture, as metal3 does: a spec write (a patch of the host, not of its status),
// made only if the host is still the version the decision saw, so a value the user sets
// meanwhile is never overwritten; the update it brings decides again.
func (c *Controller) fillArchitecture(ctx context.Context, h *metal3.BareMetalHost, arch string) error {
	if arch == "" || h.Spec.Architecture != "" || h.DeletionTimestamp != nil {
		return nil
	}
	err := c.patchHost(ctx, h, []map[string]interface{}{
		{"op": "test", "path": "/metadata/resourceVersion", "value": h.ResourceVersion},
		{"op": "add", "path": "/spec/architecture", "value": arch},
	})
	if apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		return nil // changed meanwhile: the update event brings the host back
	}
	if err != nil {
		return fmt.Errorf("filling spec.architecture: %w", err)
	}
	klog.FromContext(ctx).V(1).Info("Filled spec.architecture from inspection", "architecture", arch)
	return nil
}
