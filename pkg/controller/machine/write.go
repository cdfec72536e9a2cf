package machine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"

	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
)

// All writes here are JSON merge patches. Machines are patched because this project's Machine
// type lacks fields real clusters have; hosts are patched so that only the fields the
// actuator owns (consumerRef, image, userData, customDeploy, online) are touched. Writes that
// must not act on stale data carry metadata.resourceVersion, which the API server checks:
// a mismatch is a 409 Conflict.

var getOptions = metav1.GetOptions{}

func patchOptions() metav1.PatchOptions {
	return metav1.PatchOptions{FieldManager: worker.FieldManager}
}

func cacheKey(obj metav1.Object) string { return cache.MetaObjectToName(obj).String() }

// retryQuietlyOnConflict turns a lost race into errRetryQuietly.
func retryQuietlyOnConflict(err error) error {
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return fmt.Errorf("%w: %v", errRetryQuietly, err)
	}
	return err
}

func hasMachineFinalizer(m *machinev1.Machine) bool {
	for _, f := range m.Finalizers {
		if f == machinev1.MachineFinalizer {
			return true
		}
	}
	return false
}

// addMachineFinalizer adds the finalizer. The list is replaced whole, so the patch is guarded
// by the resourceVersion it was computed from.
func (a *Actuator) addMachineFinalizer(ctx context.Context, m *machinev1.Machine) error {
	finalizers := append(append([]string{}, m.Finalizers...), machinev1.MachineFinalizer)
	return a.patchMachineFinalizers(ctx, m, finalizers)
}

func (a *Actuator) removeMachineFinalizer(ctx context.Context, m *machinev1.Machine) error {
	var finalizers []string
	for _, f := range m.Finalizers {
		if f != machinev1.MachineFinalizer {
			finalizers = append(finalizers, f)
		}
	}
	if finalizers == nil {
		finalizers = []string{}
	}
	return a.patchMachineFinalizers(ctx, m, finalizers)
}

func (a *Actuator) patchMachineFinalizers(ctx context.Context, m *machinev1.Machine, finalizers []string) error {
	patch := map[string]interface{}{"metadata": map[string]interface{}{
		"resourceVersion": m.ResourceVersion, "finalizers": finalizers,
	}}
	updated, err := a.patchMachine(ctx, m, patch, "")
	if err != nil {
		return retryQuietlyOnConflict(err)
	}
	*m = *updated
	return nil
}

// linkMachine records the host on the Machine: the annotation and spec.providerID.
func (a *Actuator) linkMachine(ctx context.Context, m *machinev1.Machine, h *metal3.BareMetalHost) error {
	annotation, id := h.Namespace+"/"+h.Name, providerID(h)
	if m.Annotations[HostAnnotation] == annotation && stringValue(m.Spec.ProviderID) == id {
		return nil
	}
	patch := map[string]interface{}{
		"metadata": map[string]interface{}{"annotations": map[string]string{HostAnnotation: annotation}},
		"spec":     map[string]interface{}{"providerID": id},
	}
	updated, err := a.patchMachine(ctx, m, patch, "")
	if err != nil {
		return retryQuietlyOnConflict(err)
	}
	*m = *updated
	return nil
}

// writeStatus writes the status decideStatus derives, when it differs from the Machine's,
// and records an Event when a new problem appears.
func (a *Actuator) writeStatus(ctx context.Context, m *machinev1.Machine, host *metal3.BareMetalHost, p *machineProblem) error {
	want := decideStatus(m, host, p)
	if !statusDiffers(m.Status, want) {
		return nil
	}
	status := map[string]interface{}{
		"phase":        want.phase,
		"errorReason":  want.errorReason,
		"errorMessage": want.errorMessage,
		"addresses":    want.addresses,
		"lastUpdated":  metav1.NewTime(a.clock.Now()),
	}
	if len(want.addresses) == 0 {
		status["addresses"] = nil
	}
	updated, err := a.patchMachine(ctx, m, map[string]interface{}{"status": status}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("writing Machine status: %w", err)
	}
	if want.errorReason != nil && (m.Status.ErrorReason == nil || *m.Status.ErrorReason != *want.errorReason) {
		a.recorder.Event(m, corev1.EventTypeWarning, string(*want.errorReason), *want.errorMessage)
	}
	*m = *updated
	return nil
}

func (a *Actuator) patchMachine(ctx context.Context, m *machinev1.Machine, patch map[string]interface{}, subresource string) (*machinev1.Machine, error) {
	data, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	var sub []string
	if subresource != "" {
		sub = []string{subresource}
	}
	return a.client.MachineV1beta1().Machines(m.Namespace).Patch(ctx, m.Name, types.MergePatchType, data, patchOptions(), sub...)
}

// writeClaim makes the host the Machine's: consumerRef, image, user data, custom deploy and
// online, guarded by the resourceVersion the choice was made on. A host changed since (by
// another claim, or anything else) answers 409 Conflict and is not claimed.
func (a *Actuator) writeClaim(ctx context.Context, m *machinev1.Machine, h *metal3.BareMetalHost, want hostSpecFor) (*metal3.BareMetalHost, error) {
	spec := map[string]interface{}{
		"consumerRef": corev1.ObjectReference{
			Kind: machineKind, APIVersion: machinev1.SchemeGroupVersion.String(),
			Name: m.Name, Namespace: m.Namespace, UID: m.UID,
		},
		"online":       true,
		"image":        nil,
		"userData":     nil,
		"customDeploy": nil,
	}
	if want.image != nil {
		spec["image"] = want.image
	}
	if want.userData != nil {
		spec["userData"] = want.userData
	}
	if want.customDeploy != nil {
		spec["customDeploy"] = want.customDeploy
	}
	return a.patchHostGuarded(ctx, h, spec)
}

// writeDeprovision asks the host to give up what the Machine put on it.
func (a *Actuator) writeDeprovision(ctx context.Context, h *metal3.BareMetalHost) (*metal3.BareMetalHost, error) {
	return a.patchHostGuarded(ctx, h, map[string]interface{}{"image": nil, "userData": nil, "customDeploy": nil, "online": false})
}

// writeRelease clears the host's consumerRef.
func (a *Actuator) writeRelease(ctx context.Context, h *metal3.BareMetalHost) error {
	_, err := a.patchHostGuarded(ctx, h, map[string]interface{}{"consumerRef": nil})
	return err
}

// patchHostGuarded merges spec into the host if it is still at the resourceVersion h has.
func (a *Actuator) patchHostGuarded(ctx context.Context, h *metal3.BareMetalHost, spec map[string]interface{}) (*metal3.BareMetalHost, error) {
	if h.ResourceVersion == "" {
		return nil, errors.New("refusing to write a host without a resourceVersion")
	}
	data, err := json.Marshal(map[string]interface{}{
		"metadata": map[string]interface{}{"resourceVersion": h.ResourceVersion},
		"spec":     spec,
	})
	if err != nil {
		return nil, err
	}
	return a.client.Metal3V1alpha1().BareMetalHosts(h.Namespace).Patch(ctx, h.Name, types.MergePatchType, data, patchOptions())
}

// machineMetadataUnchanged reports whether an update left the metadata the actuator reads as
// it was.
func machineMetadataUnchanged(o, n *machinev1.Machine) bool {
	return reflect.DeepEqual(o.Annotations, n.Annotations) && reflect.DeepEqual(o.Finalizers, n.Finalizers) &&
		o.DeletionTimestamp.Equal(n.DeletionTimestamp)
}

func equalNodeRef(a, b *corev1.ObjectReference) bool { return reflect.DeepEqual(a, b) }

func equalLabels(a, b map[string]string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}
