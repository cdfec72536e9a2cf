package framework

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/ironic"
	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ironictest"
)

// Options configure Start.
type Options struct {
	Ironic ironictest.Options
	// Workers is the number of host workers (default 4).
	Workers int
	// SteadyResync for the controller (default 1 minute).
	SteadyResync time.Duration
	// NodePollInterval of the shared node list (default 2s, so tests notice changes quickly).
	NodePollInterval time.Duration
	// MaxProvisioningAttempts for the controller (0: unlimited).
	MaxProvisioningAttempts int
	// MaxConcurrentProvisioning for the controller (0: unlimited).
	MaxConcurrentProvisioning int
	// DiscoveryNamespace turns on discovery of Ironic nodes into this namespace.
	DiscoveryNamespace string
	// With Ironic.Inspector the controller is told Ironic inspects in band and where
	// ironic-inspector is (ironic.Config Inspector, InspectorURL); with Ironic.DeployImages it
	// writes their URLs into driver_info.
}

// System is a running API server, Ironic and host controller.
type System struct {
	Env       *envtest.Environment
	Ironic    *ironictest.Ironic
	Transport *CountingTransport
	// Provisioner is the controller's Ironic client.
	Provisioner *ironic.Ironic
	Controller  *host.Controller

	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts everything. Errors name the component that failed; callers fail, never skip.
func Start(o Options) (s *System, err error) {
	s = &System{Transport: &CountingTransport{Base: http.DefaultTransport.(*http.Transport).Clone()}}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	type result struct {
		err error
	}
	// Start the API server and Ironic side by side: each takes several seconds.
	ironicDone := make(chan result, 1)
	go func() {
		var err error
		s.Ironic, err = ironictest.Start(o.Ironic)
		ironicDone <- result{err}
	}()
	s.Env, err = envtest.Start(envtest.Options{})
	if r := <-ironicDone; r.err != nil {
		return s, fmt.Errorf("starting Ironic: %w", r.err)
	}
	if err != nil {
		return s, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	if err := s.StartController(o); err != nil {
		return s, err
	}
	return s, nil
}

// StartController starts the host controller in-process.
func (s *System) StartController(o Options) error {
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.SteadyResync == 0 {
		o.SteadyResync = time.Minute
	}
	if o.NodePollInterval == 0 {
		o.NodePollInterval = 2 * time.Second
	}
	var err error
	cfg := ironic.Config{Endpoint: s.Ironic.URL, HTTPClient: &http.Client{Transport: s.Transport}}
	if s.Ironic.Inspector != nil {
		cfg.Inspector, cfg.InspectorURL = true, s.Ironic.Inspector.URL
	}
	if d := s.Ironic.DeployImages; d != nil {
		cfg.DeployRamdisk = ironic.DeployRamdisk{KernelURL: d.KernelURL, RamdiskURL: d.RamdiskURL, ISOURL: d.ISOURL}
	}
	s.Provisioner, err = ironic.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ctx = klog.NewContext(ctx, klog.Background().WithName("controller"))
	s.cancel = cancel
	metal3Factory := externalversions.NewSharedInformerFactoryWithOptions(s.Env.Metal3, 0, externalversions.WithTransform(controller.TrimForCache))
	secretFactory := kubeinformers.NewSharedInformerFactoryWithOptions(s.Env.Kube, 0, kubeinformers.WithTweakListOptions(controller.SecretListOptions),
		kubeinformers.WithTransform(controller.TrimForCache))
	s.Controller, err = host.New(ctx, host.Options{
		Kube: s.Env.Kube, Metal3: s.Env.Metal3, Provisioner: s.Provisioner, SteadyResync: o.SteadyResync,
		NodePollInterval: o.NodePollInterval, MaxProvisioningAttempts: o.MaxProvisioningAttempts,
		MaxConcurrentProvisioning: o.MaxConcurrentProvisioning, DiscoveryNamespace: o.DiscoveryNamespace,
		Hosts: metal3Factory.Metal3().V1alpha1().BareMetalHosts(), Secrets: secretFactory.Core().V1().Secrets(),
	})
	if err != nil {
		cancel()
		return err
	}
	metal3Factory.Start(ctx.Done())
	secretFactory.Start(ctx.Done())
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		_ = s.Controller.Run(ctx, o.Workers)
		metal3Factory.Shutdown()
		secretFactory.Shutdown()
	}()
	return nil
}

// StopController stops the in-process controller and waits for it.
func (s *System) StopController() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
}

// Stop stops the controller, Ironic and the API server.
func (s *System) Stop() {
	if s == nil {
		return
	}
	s.StopController()
	s.Ironic.Stop()
	s.Env.Stop()
}

// IronicClient is a gophercloud client for the test's own checks of Ironic (not counted).
func (s *System) IronicClient() *gophercloud.ServiceClient {
	c, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: s.Ironic.Endpoint()})
	if err != nil {
		panic(err)
	}
	c.Microversion = ironictest.MaxMicroversion
	return c
}

// StartPeer starts a second cluster beside s: its own kube-apiserver and host controller, with
// its own counting transport, against s's Ironic (as after a clusterctl move from one cluster
// to another that share the provisioner). Stop it with StopPeer; s's Ironic keeps running.
func (s *System) StartPeer(o Options) (*System, error) {
	peer := &System{Ironic: s.Ironic, Transport: &CountingTransport{Base: http.DefaultTransport.(*http.Transport).Clone()}}
	var err error
	if peer.Env, err = envtest.Start(envtest.Options{}); err != nil {
		return nil, fmt.Errorf("starting the peer's kube-apiserver: %w", err)
	}
	if err := peer.StartController(o); err != nil {
		peer.Env.Stop()
		return nil, err
	}
	return peer, nil
}

// StopPeer stops a peer's controller and API server, leaving the shared Ironic running.
func (s *System) StopPeer() {
	if s == nil {
		return
	}
	s.StopController()
	if s.Env != nil {
		s.Env.Stop()
	}
}
