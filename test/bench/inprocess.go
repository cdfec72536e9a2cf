package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/ironic"
)

// startInProcess runs the host controller inside the harness, wired as cmd/baremetal-controller
// wires it, so that it can be profiled. The /proc figures are then the harness's own (they
// include its informer and proxy) and are reported as such.
func startInProcess(ctx context.Context, base *rest.Config, cfg Config, ironicEndpoint string) (stop func(), err error) {
	runtime.MemProfileRate = 16 << 10 // finer than the default 512 KiB: the live heap is small
	rc := rest.CopyConfig(base)
	rc.QPS, rc.Burst, rc.UserAgent = float32(cfg.KubeQPS), cfg.KubeBurst, controller.FieldManager
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	client, err := versioned.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	prov, err := ironic.New(ironic.Config{Endpoint: ironicEndpoint})
	if err != nil {
		return nil, err
	}
	c := controller.Config{
		Kube: kube, Client: client, Provisioner: prov, EnableHosts: true, HostWorkers: cfg.HostWorkers,
		Informers: externalversions.NewSharedInformerFactoryWithOptions(client, 0, externalversions.WithNamespace(cfg.Namespace),
			externalversions.WithTransform(controller.TrimForCache)),
		SecretInformers: kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0,
			kubeinformers.WithNamespace(cfg.Namespace), kubeinformers.WithTweakListOptions(controller.SecretListOptions),
			kubeinformers.WithTransform(controller.TrimForCache)),
		HostOptions: controller.HostControllerOptions{MaxConcurrentProvisioning: cfg.InProcessMaxConcurrent},
	}
	ctx, cancel := context.WithCancel(ctx)
	ctrl, err := controller.New(ctx, c)
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = ctrl.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
		c.Informers.Shutdown()
		c.SecretInformers.Shutdown()
	}, nil
}

// profiler writes a CPU profile of one phase and heap profiles, into dir.
type profiler struct {
	dir string
	cpu *os.File
}

func (p *profiler) startCPU(name string) error {
	if p == nil {
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.cpu = f
	return nil
}

func (p *profiler) stopCPU() {
	if p == nil || p.cpu == nil {
		return
	}
	pprof.StopCPUProfile()
	p.cpu.Close()
	p.cpu = nil
}

// heap writes the live heap after a collection.
func (p *profiler) heap(name string) error {
	if p == nil {
		return nil
	}
	runtime.GC()
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("writing the heap profile: %w", err)
	}
	return nil
}
