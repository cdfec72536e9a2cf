// Package leader runs a function only while this process holds a Lease, so that of several
// controller replicas exactly one acts. It wraps client-go's leaderelection.
package leader

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Options configure Run.
type Options struct {
	// Namespace and Name of the Lease.
	Namespace, Name string
	// Identity of this replica; default "<hostname>_<random>".
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod as in client-go (defaults 15s, 10s, 2s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// Run blocks until ctx ends, calling run while this process leads. When leadership is lost
// while ctx is still live, run's context is cancelled and Run returns an error: the caller
// should exit, because work started as leader may still be in flight, and a fresh process
// is the simplest guarantee that nothing is done twice. On a clean stop (ctx cancelled) the
// Lease is released at once so another replica takes over without waiting it out.
func Run(ctx context.Context, kube kubernetes.Interface, o Options, run func(ctx context.Context)) error {
	logger := klog.FromContext(ctx)
	if o.Identity == "" {
		host, _ := os.Hostname()
		o.Identity = host + "_" + uuid.NewString()
	}
	if o.LeaseDuration == 0 {
		o.LeaseDuration = 15 * time.Second
	}
	if o.RenewDeadline == 0 {
		o.RenewDeadline = 10 * time.Second
	}
	if o.RetryPeriod == 0 {
		o.RetryPeriod = 2 * time.Second
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name},
		Client:     kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: o.Identity},
	}
	lost := make(chan struct{})
	done := make(chan struct{})
	var led atomic.Bool
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, ReleaseOnCancel: true, Name: o.Name,
		LeaseDuration: o.LeaseDuration, RenewDeadline: o.RenewDeadline, RetryPeriod: o.RetryPeriod,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				logger.Info("Became leader; starting controllers", "lease", klog.KRef(o.Namespace, o.Name), "identity", o.Identity)
				led.Store(true)
				defer close(done)
				run(ctx)
			},
			OnStoppedLeading: func() {
				if ctx.Err() == nil {
					logger.Info("Lost leadership", "lease", klog.KRef(o.Namespace, o.Name))
					close(lost)
				}
			},
			OnNewLeader: func(identity string) {
				if identity != o.Identity {
					logger.Info("Another replica leads; standing by", "leader", identity)
				}
			},
		},
	})
	if err != nil {
		return err
	}
	elector.Run(ctx) // returns when ctx ends or leadership is lost
	select {
	case <-lost:
		return fmt.Errorf("lost leadership of lease %s/%s", o.Namespace, o.Name)
	default:
	}
	if led.Load() {
		<-done // run has returned: nothing started as leader is still going
	}
	return nil
}
