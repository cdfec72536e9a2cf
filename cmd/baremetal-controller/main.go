// Command baremetal-controller runs the BareMetalHost controller, which drives physical servers
// toward their BareMetalHost specs through OpenStack Ironic, and the Machine actuator, which
// gives machine.openshift.io Machines hosts. Both run by default; either can be switched off.
// It is a thin user of pkg/controller's library API.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
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
	"github.com/metalkube/metalkube/pkg/leader"
	"github.com/metalkube/metalkube/pkg/metrics"
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
	m := metrics.New()
	m.RegisterWorkqueueMetrics() // before the controllers create their queues
	ctrlConfig := controller.Config{
		Kube: kube, Client: metal3, Metrics: m,
		Informers: externalversions.NewSharedInformerFactoryWithOptions(metal3, 0,
			externalversions.WithNamespace(o.namespace), externalversions.WithTransform(controller.TrimForCache)),
		EnableHosts: o.enableHosts, EnableMachines: o.enableMachines,
		HostWorkers: o.hostWorkers, MachineWorkers: o.machineWorkers,
		HostOptions: controller.HostControllerOptions{
			SteadyResync: o.steadyResync, NodePollInterval: o.nodePollInterval,
			NodeFeedInterval:        o.nodeFeedInterval,
			MaxProvisioningAttempts: o.maxProvisioningAttempts, MaxConcurrentProvisioning: o.maxConcurrentProvisioning,
			DiscoveryNamespace: o.discoveryNamespace,
		},
	}
	var prov *ironic.Ironic
	if o.enableHosts {
		if prov, err = newIronic(o, m); err != nil {
			return err
		}
		ctrlConfig.Provisioner = prov
		ctrlConfig.SecretInformers = kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0,
			kubeinformers.WithNamespace(o.namespace), kubeinformers.WithTweakListOptions(controller.SecretListOptions),
			kubeinformers.WithTransform(controller.TrimForCache))
		defer ctrlConfig.SecretInformers.Shutdown()
	}
	defer ctrlConfig.Informers.Shutdown()
	ctrl, err := controller.New(ctx, ctrlConfig)
	if err != nil {
		return err
	}
	logger.Info("Starting", "hostController", o.enableHosts, "machineActuator", o.enableMachines,
		"ironic", o.ironicEndpoint, "namespace", o.namespace, "hostWorkers", o.hostWorkers, "machineWorkers", o.machineWorkers,
		"leaderElect", o.leaderElect)

	var leading atomic.Bool
	if o.metricsAddress != "" {
		// A standby replica is ready: it is healthy and waiting for the Lease.
		standby := func() bool { return o.leaderElect && !leading.Load() }
		checks := metrics.Checks{Synced: func() bool { return standby() || ctrl.HasSynced() }}
		if prov != nil {
			checks.Provisioner = prov.Ready
		}
		srv := metrics.NewServer(m, checks)
		if o.metricsSecure {
			tlsConfig, err := metrics.ServingTLS(o.metricsCertFile, o.metricsKeyFile)
			if err != nil {
				return err
			}
			srv.Serving = metrics.Serving{TLS: tlsConfig, Auth: metrics.NewAuthorizer(kube)}
		}
		go func() {
			if err := srv.ListenAndServe(ctx, o.metricsAddress); err != nil {
				logger.Error(err, "Metrics and health server failed", "address", o.metricsAddress)
			}
		}()
	}
	if !o.leaderElect {
		return ctrl.Run(ctx)
	}
	var runErr error
	err = leader.Run(ctx, kube, leader.Options{
		Namespace: o.leaderElectionNS, Name: o.leaderElectionID,
		LeaseDuration: o.leaseDuration, RenewDeadline: o.renewDeadline, RetryPeriod: o.retryPeriod,
	}, func(ctx context.Context) {
		leading.Store(true)
		runErr = ctrl.Run(ctx)
	})
	if err != nil {
		return err
	}
	return runErr
}

func kubeConfig(path string) (*rest.Config, error) {
	if path == "" {
		return rest.InClusterConfig()
	}
	return clientcmd.BuildConfigFromFlags("", path)
}

func newIronic(o *options, m *metrics.Metrics) (*ironic.Ironic, error) {
	cfg := ironic.Config{Endpoint: o.ironicEndpoint, Insecure: o.ironicInsecure, WrapTransport: m.IronicTransport,
		Inspector: o.inspector, InspectorURL: o.inspectorURL, DeployRamdisk: ironic.DeployRamdisk{
			KernelURL: o.deployKernelURL, RamdiskURL: o.deployRamdiskURL, ISOURL: o.deployISOURL}}
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
