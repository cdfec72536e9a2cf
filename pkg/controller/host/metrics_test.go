package host

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

func TestDeleteDelayedForDetached(t *testing.T) {
	now := metav1.Now()
	for _, tc := range []struct {
		name       string
		annotation *string
		deleting   bool
		released   bool
		want       bool
	}{
		{"delay asked while deleting", ptrTo(`{"deleteAction":"delay"}`), true, false, true},
		{"delay asked, not deleting", ptrTo(`{"deleteAction":"delay"}`), false, false, false},
		{"deleting, detached without delay", ptrTo(`{"deleteAction":"delete"}`), true, false, false},
		{"another program's value", ptrTo("assisted-service-controller"), true, false, false},
		{"released at last", ptrTo(`{"deleteAction":"delay"}`), true, true, false},
		{"not detached", nil, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &metal3.BareMetalHost{}
			if tc.annotation != nil {
				h.Annotations = map[string]string{hoststate.DetachedAnnotation: *tc.annotation}
			}
			if tc.deleting {
				h.DeletionTimestamp = &now
			}
			if got := deleteDelayedForDetached(h, hoststate.Result{RemoveFinalizer: tc.released}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func ptrTo(s string) *string { return &s }
