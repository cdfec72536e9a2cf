package host

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
)

// HardwareDataFinalizer keeps a host's HardwareData until the host lets it go (metal3's name),
// so that nothing but the host's own deletion removes what inspection found.
const HardwareDataFinalizer = metal3.BareMetalHostFinalizer + "/hardwareData"

func equalHardware(a, b *metal3.HardwareDetails) bool { return equality.Semantic.DeepEqual(a, b) }

// hardwareData reads spec.hardware of the HardwareData named after the host (nil if none). It
// is read only when a decision asks for it (a status about to be restored), so no informer
// holds every host's inventory.
func (c *Controller) hardwareData(ctx context.Context, h *metal3.BareMetalHost) (*metal3.HardwareDetails, error) {
	hd, err := c.metal3.Metal3V1alpha1().HardwareDatas(h.Namespace).Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading HardwareData %s/%s: %w", h.Namespace, h.Name, err)
	}
	return hd.Spec.HardwareDetails, nil
}

// hardwareDataOwner is the controller reference a host's HardwareData carries, as in metal3.
func hardwareDataOwner(h *metal3.BareMetalHost) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion: metal3.SchemeGroupVersion.String(), Kind: "BareMetalHost", Name: h.Name, UID: h.UID,
		Controller: &yes, BlockOwnerDeletion: &yes,
	}
}

// writeHardwareData creates or updates the HardwareData named after the host: owned by it (a
// controller reference) and held by HardwareDataFinalizer.
func (c *Controller) writeHardwareData(ctx context.Context, h *metal3.BareMetalHost) error {
	client := c.metal3.Metal3V1alpha1().HardwareDatas(h.Namespace)
	owner := hardwareDataOwner(h)
	desired := &metal3.HardwareData{
		ObjectMeta: metav1.ObjectMeta{
			Name: h.Name, Namespace: h.Namespace,
			OwnerReferences: []metav1.OwnerReference{owner},
			Finalizers:      []string{HardwareDataFinalizer},
		},
		Spec: metal3.HardwareDataSpec{HardwareDetails: h.Status.HardwareDetails.DeepCopy()},
	}
	existing, err := client.Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = client.Create(ctx, desired, metav1.CreateOptions{FieldManager: worker.FieldManager})
		return err
	}
	if err != nil {
		return err
	}
	owned := slices.ContainsFunc(existing.OwnerReferences, func(r metav1.OwnerReference) bool {
		return r.UID == owner.UID && r.Controller != nil && *r.Controller
	})
	if equalHardware(existing.Spec.HardwareDetails, desired.Spec.HardwareDetails) && owned &&
		slices.Contains(existing.Finalizers, HardwareDataFinalizer) {
		return nil
	}
	updated := existing.DeepCopy()
	updated.Spec = desired.Spec
	if !owned {
		// Another controller reference (a stale one) would make the API server refuse ours.
		refs := slices.DeleteFunc(updated.OwnerReferences, func(r metav1.OwnerReference) bool {
			return r.Controller != nil && *r.Controller
		})
		updated.OwnerReferences = append(refs, owner)
	}
	if !slices.Contains(updated.Finalizers, HardwareDataFinalizer) {
		updated.Finalizers = append(updated.Finalizers, HardwareDataFinalizer)
	}
	_, err = client.Update(ctx, updated, metav1.UpdateOptions{FieldManager: worker.FieldManager})
	return err
}

// deleteHardwareData lets the host's HardwareData go: its finalizer is removed (with a patch
// that tests it is still where it was read), then the object is deleted.
func (c *Controller) deleteHardwareData(ctx context.Context, h *metal3.BareMetalHost) error {
	client := c.metal3.Metal3V1alpha1().HardwareDatas(h.Namespace)
	hd, err := client.Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if i := slices.Index(hd.Finalizers, HardwareDataFinalizer); i >= 0 {
		patch, err := json.Marshal([]map[string]interface{}{
			{"op": "test", "path": fmt.Sprintf("/metadata/finalizers/%d", i), "value": HardwareDataFinalizer},
			{"op": "remove", "path": fmt.Sprintf("/metadata/finalizers/%d", i)},
		})
		if err != nil {
			return err
		}
		if _, err := client.Patch(ctx, h.Name, types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: worker.FieldManager}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("removing the finalizer of HardwareData %s/%s: %w", h.Namespace, h.Name, err)
		}
	}
	err = client.Delete(ctx, h.Name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
