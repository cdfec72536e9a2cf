package controller

import (
	"context"
	"reflect"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// newBucket limits the overall retry rate of the queue: 20 per second, bursts of 200.
func newBucket() *rate.Limiter { return rate.NewLimiter(rate.Limit(20), 200) }

// eventCacheSize bounds each of the event correlator's three LRU caches (client-go's default
// is 4,096 entries, each holding a whole Event): at 1,000 hosts with a dozen Events each in a
// lifecycle, the defaults filled to about 4 MB of the heap. 1,024 entries still hold the last
// Events of every host that repeats one (an error retried with backoff), which is what the
// aggregation and count-patching are for.
const eventCacheSize = 1024

// newEventBroadcaster is the Event broadcaster of a controller that was not given a recorder.
func newEventBroadcaster(ctx context.Context) record.EventBroadcaster {
	return record.NewBroadcaster(record.WithContext(ctx),
		record.WithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: eventCacheSize}))
}

// eventScheme knows the core types and BareMetalHost, so Events can reference hosts.
func eventScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = scheme.AddToScheme(s)
	_ = metal3.AddToScheme(s)
	return s
}

// eventSink writes Events through the core/v1 API.
type eventSink struct{ kube kubernetes.Interface }

var _ record.EventSink = (*eventSink)(nil)

func (s *eventSink) sink() *typedcorev1.EventSinkImpl {
	return &typedcorev1.EventSinkImpl{Interface: s.kube.CoreV1().Events("")}
}
func (s *eventSink) Create(e *corev1.Event) (*corev1.Event, error) { return s.sink().Create(e) }
func (s *eventSink) Update(e *corev1.Event) (*corev1.Event, error) { return s.sink().Update(e) }
func (s *eventSink) Patch(e *corev1.Event, p []byte) (*corev1.Event, error) {
	return s.sink().Patch(e, p)
}

// metadataUnchanged reports whether an update left labels, annotations, finalizers, owner
// references and the deletion timestamp as they were.
func metadataUnchanged(o, n *metal3.BareMetalHost) bool {
	return reflect.DeepEqual(o.Labels, n.Labels) && reflect.DeepEqual(o.Annotations, n.Annotations) &&
		reflect.DeepEqual(o.Finalizers, n.Finalizers) && reflect.DeepEqual(o.OwnerReferences, n.OwnerReferences) &&
		o.DeletionTimestamp.Equal(n.DeletionTimestamp)
}
