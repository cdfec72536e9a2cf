package controller

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
	"github.com/metalkube/metalkube/pkg/controller/machine"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/metrics"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// FieldManager is the field manager of every write the controllers make.
const FieldManager = worker.FieldManager

// HostAnnotation is the Machine annotation naming its host ("<namespace>/<name>").
const HostAnnotation = machine.HostAnnotation

// SecretListOptions limits a Secret informer to the Secrets the host controller uses; pass it
// to informers.WithTweakListOptions.
func SecretListOptions(o *metav1.ListOptions) { host.SecretListOptions(o) }

// The types Config and Controllers expose, from the packages of the two controllers.
type (
	// HostControllerOptions tune the host controller (package host).
	HostControllerOptions = host.Options
	// HostController is the host controller (package host).
	HostController = host.Controller
	// ActuatorOptions tune the Machine actuator (package machine).
	ActuatorOptions = machine.Options
	// Actuator is the Machine actuator (package machine).
	Actuator = machine.Actuator
)

// Config is what New needs to build the controllers. Clients and informer factories are the
// caller's: an embedding controller passes the factories it uses itself, so that one cache
// (and one watch) per resource serves everybody.
type Config struct {
	// Kube is the core clientset (Secrets, Events).
	Kube kubernetes.Interface
	// Client serves BareMetalHosts, HardwareData and Machines.
	Client versioned.Interface
	// Informers is the factory of the BareMetalHost and Machine informers. Its namespace, if
	// any, is the namespace the controllers work in.
	Informers externalversions.SharedInformerFactory
	// SecretInformers is a Secret informer factory limited with SecretListOptions (an
	// unlimited one works too, at the cost of caching every Secret). Required with EnableHosts.
	SecretInformers kubeinformers.SharedInformerFactory
	// Provisioner drives the servers (Ironic). Required with EnableHosts.
	Provisioner provisioner.Provisioner

	// EnableHosts runs the BareMetalHost controller.
	EnableHosts bool
	// EnableMachines runs the Machine actuator.
	EnableMachines bool
	// HostWorkers and MachineWorkers are how many objects of each kind are reconciled at
	// once (default 4 each).
	HostWorkers, MachineWorkers int

	// Recorder records Events; nil makes one that writes to Kube.
	Recorder record.EventRecorder
	// Metrics, when set, receives both controllers' metrics.
	Metrics *metrics.Metrics
	// HostOptions tunes the host controller. Its clients, informers, provisioner and recorder
	// are set from the fields above; zero values of the others mean their defaults.
	HostOptions HostControllerOptions
	// MachineOptions tunes the actuator in the same way.
	MachineOptions ActuatorOptions
}

// Controllers are the controllers New built, ready to Run.
type Controllers struct {
	// Hosts is the host controller, nil unless Config.EnableHosts.
	Hosts *HostController
	// Machines is the Machine actuator, nil unless Config.EnableMachines.
	Machines *Actuator

	informers       externalversions.SharedInformerFactory
	secretInformers kubeinformers.SharedInformerFactory
	events          *worker.Events
	hostWorkers     int
	machineWorkers  int
}

// New builds the enabled controllers on the caller's clients and informer factories. It
// registers the informers it needs with the factories, so call it before starting them (Run
// starts them too; starting a factory twice is harmless).
func New(ctx context.Context, cfg Config) (*Controllers, error) {
	if !cfg.EnableHosts && !cfg.EnableMachines {
		return nil, errors.New("controller: neither the host controller nor the machine actuator is enabled")
	}
	if cfg.Kube == nil || cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("controller: Kube, Client and Informers are required")
	}
	c := &Controllers{
		informers: cfg.Informers, secretInformers: cfg.SecretInformers,
		hostWorkers: cfg.HostWorkers, machineWorkers: cfg.MachineWorkers,
	}
	if c.hostWorkers <= 0 {
		c.hostWorkers = 4
	}
	if c.machineWorkers <= 0 {
		c.machineWorkers = 4
	}
	var recorder record.EventRecorder
	recorder, c.events = worker.Recorder(ctx, cfg.Recorder, cfg.Kube)
	hosts := cfg.Informers.Metal3().V1alpha1().BareMetalHosts()
	if cfg.EnableHosts {
		if cfg.SecretInformers == nil || cfg.Provisioner == nil {
			return nil, errors.New("controller: the host controller needs SecretInformers and a Provisioner")
		}
		o := cfg.HostOptions
		o.Kube, o.Metal3, o.Provisioner, o.Recorder = cfg.Kube, cfg.Client, cfg.Provisioner, recorder
		o.Hosts, o.Secrets = hosts, cfg.SecretInformers.Core().V1().Secrets()
		if cfg.Metrics != nil {
			o.Metrics = cfg.Metrics
		}
		var err error
		if c.Hosts, err = host.New(ctx, o); err != nil {
			return nil, err
		}
	}
	if cfg.EnableMachines {
		o := cfg.MachineOptions
		o.Kube, o.Client, o.Recorder = cfg.Kube, cfg.Client, recorder
		o.Hosts, o.Machines = hosts, cfg.Informers.Machine().V1beta1().Machines()
		if cfg.Metrics != nil {
			o.Metrics = cfg.Metrics
		}
		var err error
		if c.Machines, err = machine.New(ctx, o); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Run starts the informer factories (if the caller has not), runs the enabled controllers
// until ctx ends, and returns the first error of any of them. The caller still owns the
// factories and shuts them down.
func (c *Controllers) Run(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	if c.events != nil {
		defer c.events.Start()()
	}
	c.informers.Start(ctx.Done())
	if c.secretInformers != nil && c.Hosts != nil {
		c.secretInformers.Start(ctx.Done())
	}
	errs := make(chan error, 2)
	running := 0
	if c.Hosts != nil {
		running++
		go func() { errs <- c.Hosts.Run(ctx, c.hostWorkers) }()
	}
	if c.Machines != nil {
		running++
		go func() { errs <- c.Machines.Run(ctx, c.machineWorkers) }()
	}
	logger.Info("Controllers running", "hosts", c.Hosts != nil, "machines", c.Machines != nil)
	var first error
	for ; running > 0; running-- {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return fmt.Errorf("controller: %w", first)
	}
	return nil
}

// HasSynced reports whether the caches of every enabled controller have synced.
func (c *Controllers) HasSynced() bool {
	if c.Hosts != nil && !c.Hosts.HasSynced() {
		return false
	}
	return c.Machines == nil || c.Machines.HasSynced()
}
