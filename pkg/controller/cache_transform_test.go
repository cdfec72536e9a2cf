package controller

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestTrimForCacheDropsManagedFieldsAndTheLastAppliedCopy(t *testing.T) {
	h := &metal3.BareMetalHost{ObjectMeta: metav1.ObjectMeta{
		Name: "h", Namespace: "metal",
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		Annotations: map[string]string{
			lastAppliedAnnotation:              `{"spec":{}}`,
			"baremetalhost.metal3.io/detached": "",
		},
	}}
	out, err := TrimForCache(h)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*metal3.BareMetalHost)
	if got.ManagedFields != nil {
		t.Errorf("managedFields kept: %v", got.ManagedFields)
	}
	if diff := cmp.Diff(map[string]string{"baremetalhost.metal3.io/detached": ""}, got.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}

	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{lastAppliedAnnotation: `{"data":{"password":"c2VjcmV0"}}`}}}
	if _, err := TrimForCache(s); err != nil || len(s.Annotations) != 0 {
		t.Errorf("a Secret keeps kubectl's copy of its data: %v, %v", s.Annotations, err)
	}

	tomb := cache.DeletedFinalStateUnknown{Key: "metal/h", Obj: h}
	if out, err := TrimForCache(tomb); err != nil || out != any(tomb) {
		t.Errorf("a tombstone is changed: %v, %v", out, err)
	}
}
