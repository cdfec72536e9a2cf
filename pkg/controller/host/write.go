package host

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
)

func hasFinalizer(h *metal3.BareMetalHost) bool {
	for _, f := range h.Finalizers {
		if f == metal3.BareMetalHostFinalizer {
			return true
		}
	}
	return false
}

// addFinalizer adds our finalizer with a JSON patch guarded by the resourceVersion, so no
// field of the host is ever rewritten from our (possibly older) copy.
func (c *Controller) addFinalizer(ctx context.Context, h *metal3.BareMetalHost) error {
	ops := []map[string]interface{}{{"op": "test", "path": "/metadata/resourceVersion", "value": h.ResourceVersion}}
	if len(h.Finalizers) == 0 {
		ops = append(ops, map[string]interface{}{"op": "add", "path": "/metadata/finalizers", "value": []string{metal3.BareMetalHostFinalizer}})
	} else {
		ops = append(ops, map[string]interface{}{"op": "add", "path": "/metadata/finalizers/-", "value": metal3.BareMetalHostFinalizer})
	}
	return c.patchHost(ctx, h, ops)
}

// release removes our finalizer and the host's HardwareData once its node is gone.
func (c *Controller) release(ctx context.Context, h *metal3.BareMetalHost) error {
	if err := c.deleteHardwareData(ctx, h); err != nil {
		return err
	}
	for i, f := range h.Finalizers {
		if f == metal3.BareMetalHostFinalizer {
			ops := []map[string]interface{}{
				{"op": "test", "path": fmt.Sprintf("/metadata/finalizers/%d", i), "value": f},
				{"op": "remove", "path": fmt.Sprintf("/metadata/finalizers/%d", i)},
			}
			klog.FromContext(ctx).Info("Host released: node deleted, finalizer removed")
			return c.patchHost(ctx, h, ops)
		}
	}
	return nil
}

// removeAnnotations removes annotations the decision consumed, each guarded by a test that it
// still holds the value the decision saw (a newer value set meanwhile is kept).
func (c *Controller) removeAnnotations(ctx context.Context, h *metal3.BareMetalHost, keys []string) error {
	var ops []map[string]interface{}
	for _, k := range keys {
		v, ok := h.Annotations[k]
		if !ok {
			continue
		}
		path := "/metadata/annotations/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
		ops = append(ops, map[string]interface{}{"op": "test", "path": path, "value": v}, map[string]interface{}{"op": "remove", "path": path})
	}
	if len(ops) == 0 {
		return nil
	}
	err := c.patchHost(ctx, h, ops)
	if apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		return nil // changed meanwhile: the update event brings the host back
	}
	return err
}

// patchHost applies a JSON patch; h is not changed (it may be the cache's copy).
func (c *Controller) patchHost(ctx context.Context, h *metal3.BareMetalHost, ops []map[string]interface{}) error {
	patch, err := json.Marshal(ops)
	if err != nil {
		return err
	}
	updated, err := c.metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).Patch(ctx, h.Name, types.JSONPatchType, patch,
		metav1.PatchOptions{FieldManager: worker.FieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c.wrote(h, updated)
	return nil
}

// wrote records that our write replaced h by updated. A write that left the version as it
// was (a fake clientset's) tells nothing about the cache.
func (c *Controller) wrote(h, updated *metal3.BareMetalHost) {
	if h.ResourceVersion != "" && updated.ResourceVersion != h.ResourceVersion {
		c.written.wrote(cache.MetaObjectToName(h).String(), h.ResourceVersion)
	}
}

// writeStatus writes status when it differs from what the host has. A conflict means our copy
// is stale: the error requeues the host, which then decides again from fresh data.
func (c *Controller) writeStatus(ctx context.Context, h *metal3.BareMetalHost, st metal3.BareMetalHostStatus) error {
	if !statusChanged(h.Status, st) {
		return nil
	}
	oldHardware := h.Status.HardwareDetails
	now := metav1.NewTime(c.clock.Now())
	st.LastUpdated = &now
	h.Status = st
	updated, err := c.metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).UpdateStatus(ctx, h, metav1.UpdateOptions{FieldManager: worker.FieldManager})
	if err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	c.wrote(h, updated)
	*h = *updated
	if st.HardwareDetails != nil && !equalHardware(oldHardware, st.HardwareDetails) {
		return c.writeHardwareData(ctx, h)
	}
	return nil
}
