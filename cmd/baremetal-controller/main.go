// Command baremetal-controller runs the BareMetalHost controller: it drives physical servers
// toward their BareMetalHost specs through OpenStack Ironic.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/ironic"
)

func klogFlags(fs *flag.FlagSet) { klog.InitFlags(fs) }

func main() {
	o, err := parseOptions(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "baremetal-controller:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		klog.ErrorS(err, "baremetal-controller failed")
		klog.Flush()
		os.Exit(1)
	}
	klog.Flush()
}

func run(ctx context.Context, o *options) error {
	logger := klog.FromContext(ctx)
	cfg, err := kubeConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = float32(o.kubeQPS), o.kubeBurst
	cfg.UserAgent = controller.FieldManager
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	metal3, err := versioned.NewForConfig(cfg)
	if err != nil {
		return err
	}
	prov, err := newIronic(o)
	if err != nil {
		return err
	}

	metal3Factory := externalversions.NewSharedInformerFactoryWithOptions(metal3, 0, externalversions.WithNamespace(o.namespace))
	secretFactory := kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0,
		kubeinformers.WithNamespace(o.namespace), kubeinformers.WithTweakListOptions(controller.SecretListOptions))
	hosts, err := controller.NewHostController(ctx, controller.HostControllerOptions{
		Kube: kube, Metal3: metal3, Provisioner: prov, SteadyResync: o.steadyResync,
		Hosts:   metal3Factory.Metal3().V1alpha1().BareMetalHosts(),
		Secrets: secretFactory.Core().V1().Secrets(),
	})
	if err != nil {
		return err
	}
	metal3Factory.Start(ctx.Done())
	secretFactory.Start(ctx.Done())
	defer metal3Factory.Shutdown()
	defer secretFactory.Shutdown()
	logger.Info("Starting", "ironic", o.ironicEndpoint, "namespace", o.namespace, "hostWorkers", o.hostWorkers)
	return hosts.Run(ctx, o.hostWorkers)
}

func kubeConfig(path string) (*rest.Config, error) {
	if path == "" {
		return rest.InClusterConfig()
	}
	return clientcmd.BuildConfigFromFlags("", path)
}

func newIronic(o *options) (*ironic.Ironic, error) {
	cfg := ironic.Config{Endpoint: o.ironicEndpoint, Insecure: o.ironicInsecure}
	if o.ironicAuthFile != "" {
		user, password, err := readAuthFile(o.ironicAuthFile)
		if err != nil {
			return nil, err
		}
		cfg.Username, cfg.Password = user, password
	}
	if o.ironicCACert != "" {
		pem, err := os.ReadFile(o.ironicCACert)
		if err != nil {
			return nil, fmt.Errorf("reading Ironic CA certificate: %w", err)
		}
		cfg.CACertPEM = pem
	}
	return ironic.New(cfg)
}
