package worker

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// eventCacheSize bounds each of the event correlator's three LRU caches (client-go's default
// is 4,096 entries, each holding a whole Event): at 1,000 hosts with a dozen Events each in a
// lifecycle, the defaults filled to about 4 MB of the heap. 1,024 entries still hold the last
// Events of every host that repeats one (an error retried with backoff), which is what the
// aggregation and count-patching are for.
const eventCacheSize = 1024

// Events is the Event broadcaster of a controller that was not given a recorder.
type Events struct {
	broadcaster record.EventBroadcaster
	kube        kubernetes.Interface
	// Recorder records Events that Start sends to the API server.
	Recorder record.EventRecorder
}

// Recorder returns given when it is set (the caller owns it; events is nil); otherwise a new
// recorder writing through kube, and the Events to Start with the controller.
func Recorder(ctx context.Context, given record.EventRecorder, kube kubernetes.Interface) (record.EventRecorder, *Events) {
	if given != nil {
		return given, nil
	}
	b := record.NewBroadcaster(record.WithContext(ctx),
		record.WithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: eventCacheSize}))
	e := &Events{broadcaster: b, kube: kube,
		Recorder: b.NewRecorder(eventScheme(), corev1.EventSource{Component: FieldManager})}
	return e.Recorder, e
}

// Start sends the recorded Events to the API server until the returned stop is called.
func (e *Events) Start() (stop func()) {
	e.broadcaster.StartRecordingToSink(&eventSink{e.kube})
	return e.broadcaster.Shutdown
}

// eventScheme knows the core types, BareMetalHost and Machine, so Events can reference any
// object the controllers handle.
func eventScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = scheme.AddToScheme(s)
	_ = metal3.AddToScheme(s)
	_ = machinev1.AddToScheme(s)
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
