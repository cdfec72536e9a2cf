package controller

import (
	"k8s.io/apimachinery/pkg/api/meta"
)

// lastAppliedAnnotation is kubectl's copy of the whole applied manifest (of a Secret: its data).
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// TrimForCache drops what the controllers never read from objects before an informer stores
// them: managedFields (about half of a host's size) and kubectl's last-applied copy. Pass it to
// the informer factories' WithTransform. Safe because every write of the controllers is a
// patch or a status update, which never sends these fields back.
func TrimForCache(obj interface{}) (interface{}, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return obj, nil // a tombstone or an unknown type: keep as is
	}
	m.SetManagedFields(nil)
	if a := m.GetAnnotations(); a != nil {
		if _, ok := a[lastAppliedAnnotation]; ok {
			trimmed := make(map[string]string, len(a)-1)
			for k, v := range a {
				if k != lastAppliedAnnotation {
					trimmed[k] = v
				}
			}
			m.SetAnnotations(trimmed)
		}
	}
	return obj, nil
}
