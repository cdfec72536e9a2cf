package worker

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/time/rate"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/metrics"
)

// FieldManager is the field manager of every write this project makes (and the component of
// its Events).
const FieldManager = "baremetal-controller"

// NewQueue is a controller's named workqueue (its name also names its workqueue metrics): a
// failing key is retried after 500ms doubling up to 2m, and all retries together at most 20
// per second, in bursts of 200.
func NewQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](500*time.Millisecond, 2*time.Minute),
			&workqueue.TypedBucketRateLimiter[string]{Limiter: rate.NewLimiter(rate.Limit(20), 200)},
		),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name},
	)
}

// Loop runs a queue's workers.
type Loop struct {
	// Name is what the logs call the controller ("host controller").
	Name string
	// Item is what the logs call a key's object ("host").
	Item string
	// Queue is the controller's queue; Run shuts it down when it returns.
	Queue workqueue.TypedRateLimitingInterface[string]
	// Synced are the informers whose caches Run waits for.
	Synced []cache.InformerSynced
	// Sync reconciles one key.
	Sync func(ctx context.Context, key string) error
	// Metrics, when set, receives each sync's duration and result, labelled with the queue's
	// name (QueueName).
	Metrics *metrics.Metrics
	// QueueName labels the metrics.
	QueueName string
	// Done, when set, is told how each sync ended.
	Done func(key string, err error)
	// Events, when set, is started with Run and shut down when it returns.
	Events *Events
}

// Run waits for the caches, calls started (when set), then runs workers until ctx ends.
func (l *Loop) Run(ctx context.Context, workers int, started func(context.Context)) error {
	defer utilruntime.HandleCrash()
	defer l.Queue.ShutDown()
	logger := klog.FromContext(ctx)
	if l.Events != nil {
		stop := l.Events.Start()
		defer stop()
	}
	logger.Info("Starting "+l.Name, "workers", workers)
	if !cache.WaitForNamedCacheSyncWithContext(ctx, l.Synced...) {
		return fmt.Errorf("%s: caches did not sync", l.Name)
	}
	if started != nil {
		started(ctx)
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, l.runWorker, time.Second)
	}
	<-ctx.Done()
	logger.Info("Stopping " + l.Name)
	return nil
}

// HasSynced reports whether the loop's informer caches have synced.
func (l *Loop) HasSynced() bool {
	for _, s := range l.Synced {
		if !s() {
			return false
		}
	}
	return true
}

func (l *Loop) runWorker(ctx context.Context) {
	for l.ProcessNextWorkItem(ctx) {
	}
}

// ProcessNextWorkItem syncs the next key: a failed key is retried with backoff, a synced one
// forgotten. It returns false once the queue is shut down.
func (l *Loop) ProcessNextWorkItem(ctx context.Context) bool {
	key, shutdown := l.Queue.Get()
	if shutdown {
		return false
	}
	defer l.Queue.Done(key)
	start := time.Now()
	err := l.Sync(ctx, key)
	if l.Done != nil {
		l.Done(key, err)
	}
	if err != nil {
		l.Metrics.Reconciled(l.QueueName, "error", time.Since(start))
		utilruntime.HandleErrorWithContext(ctx, err, "Syncing "+l.Item+" failed", "key", key)
		l.Queue.AddRateLimited(key)
		return true
	}
	l.Metrics.Reconciled(l.QueueName, "success", time.Since(start))
	l.Queue.Forget(key)
	return true
}
