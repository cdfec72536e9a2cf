package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func equalHardware(a, b *metal3.HardwareDetails) bool { return equality.Semantic.DeepEqual(a, b) }

// writeHardwareData creates or updates the HardwareData named after the host, owned by it.
func (c *HostController) writeHardwareData(ctx context.Context, h *metal3.BareMetalHost) error {
	client := c.metal3.Metal3V1alpha1().HardwareDatas(h.Namespace)
	desired := &metal3.HardwareData{
		ObjectMeta: metav1.ObjectMeta{
			Name: h.Name, Namespace: h.Namespace,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: metal3.SchemeGroupVersion.String(), Kind: "BareMetalHost", Name: h.Name, UID: h.UID,
			}},
		},
		Spec: metal3.HardwareDataSpec{HardwareDetails: h.Status.HardwareDetails.DeepCopy()},
	}
	existing, err := client.Get(ctx, h.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = client.Create(ctx, desired, metav1.CreateOptions{FieldManager: FieldManager})
		return err
	}
	if err != nil {
		return err
	}
	if equalHardware(existing.Spec.HardwareDetails, desired.Spec.HardwareDetails) {
		return nil
	}
	updated := existing.DeepCopy()
	updated.Spec = desired.Spec
	_, err = client.Update(ctx, updated, metav1.UpdateOptions{FieldManager: FieldManager})
	return err
}
