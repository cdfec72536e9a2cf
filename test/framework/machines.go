package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/klog/v2"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/ironic"
	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ironictest"
)

// MachineOptions configure StartWithMachines.
type MachineOptions struct {
	// Options configure the API server, Ironic and the host controller as for Start.
	Options
	// MachineWorkers is the number of actuator workers (default 4).
	MachineWorkers int
	// Namespace limits both controllers to one namespace (default Namespace), so that a test
	// can run further controllers of its own in other namespaces.
	Namespace string
}

// MachineSystem is a running API server (with the Machine CRD), Ironic, and the host
// controller and Machine actuator built through the controller library, sharing one
// BareMetalHost informer.
type MachineSystem struct {
	*System
	Controllers *controller.Controllers
}

// MachineCRDDir is the directory of the Machine CRD.
func MachineCRDDir() (string, error) {
	root, err := envtest.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "manifests", "machine-api"), nil
}

// StartWithMachines starts everything Start does, installs the Machine CRD, and runs both
// controllers in-process through controller.New.
func StartWithMachines(o MachineOptions) (ms *MachineSystem, err error) {
	s := &System{Transport: &CountingTransport{Base: http.DefaultTransport.(*http.Transport).Clone()}}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	ironicDone := make(chan error, 1)
	go func() {
		var err error
		s.Ironic, err = ironictest.Start(o.Ironic)
		ironicDone <- err
	}()
	s.Env, err = envtest.Start(envtest.Options{})
	if ierr := <-ironicDone; ierr != nil {
		return nil, fmt.Errorf("starting Ironic: %w", ierr)
	}
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver: %w", err)
	}
	dir, err := MachineCRDDir()
	if err != nil {
		return nil, err
	}
	if err := s.Env.InstallCRDs(dir); err != nil {
		return nil, fmt.Errorf("installing the Machine CRD: %w", err)
	}
	ms = &MachineSystem{System: s}
	if err := ms.startControllers(o); err != nil {
		return nil, err
	}
	return ms, nil
}

func (ms *MachineSystem) startControllers(o MachineOptions) error {
	s := ms.System
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.MachineWorkers == 0 {
		o.MachineWorkers = 4
	}
	if o.SteadyResync == 0 {
		o.SteadyResync = time.Minute
	}
	if o.NodePollInterval == 0 {
		o.NodePollInterval = 2 * time.Second
	}
	if o.Namespace == "" {
		o.Namespace = Namespace
	}
	var err error
	s.Provisioner, err = ironic.New(ironic.Config{Endpoint: s.Ironic.URL, HTTPClient: &http.Client{Transport: s.Transport}})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	ctx = klog.NewContext(ctx, klog.Background().WithName("controller"))
	informers := externalversions.NewSharedInformerFactoryWithOptions(s.Env.Metal3, 0, externalversions.WithNamespace(o.Namespace), externalversions.WithTransform(controller.TrimForCache))
	secrets := kubeinformers.NewSharedInformerFactoryWithOptions(s.Env.Kube, 0,
		kubeinformers.WithNamespace(o.Namespace), kubeinformers.WithTweakListOptions(controller.SecretListOptions),
		kubeinformers.WithTransform(controller.TrimForCache))
	ms.Controllers, err = controller.New(ctx, controller.Config{
		Kube: s.Env.Kube, Client: s.Env.Metal3, Informers: informers, SecretInformers: secrets,
		Provisioner: s.Provisioner, EnableHosts: true, EnableMachines: true,
		HostWorkers: o.Workers, MachineWorkers: o.MachineWorkers,
		HostOptions: controller.HostControllerOptions{
			SteadyResync: o.SteadyResync, NodePollInterval: o.NodePollInterval, MaxProvisioningAttempts: o.MaxProvisioningAttempts,
			MaxConcurrentProvisioning: o.MaxConcurrentProvisioning, DiscoveryNamespace: o.DiscoveryNamespace,
		},
	})
	if err != nil {
		cancel()
		return err
	}
	s.Controller = ms.Controllers.Hosts
	s.cancel = cancel
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		_ = ms.Controllers.Run(ctx)
		informers.Shutdown()
		secrets.Shutdown()
	}()
	return nil
}

// ProviderSpec is a provider spec with its apiVersion and kind set, as JSON for a Machine.
func ProviderSpec(spec baremetal.BareMetalMachineProviderSpec) *runtime.RawExtension {
	spec.APIVersion, spec.Kind = baremetal.SchemeGroupVersion.String(), baremetal.ProviderSpecKind
	raw, err := json.Marshal(spec)
	if err != nil {
		panic(err)
	}
	return &runtime.RawExtension{Raw: raw}
}

// TestProviderSpec asks for TestImage with the given user data Secret and host selector.
func TestProviderSpec(userData string, selector baremetal.HostSelector) baremetal.BareMetalMachineProviderSpec {
	img := TestImage()
	spec := baremetal.BareMetalMachineProviderSpec{
		Image:        baremetal.Image{URL: img.URL, Checksum: img.Checksum, ChecksumType: string(img.ChecksumType), DiskFormat: img.DiskFormat},
		HostSelector: selector,
	}
	if userData != "" {
		spec.UserData = &corev1.SecretReference{Name: userData}
	}
	return spec
}

// NewMachine is a Machine in Namespace with the provider spec.
func NewMachine(name string, spec baremetal.BareMetalMachineProviderSpec) *machinev1.Machine {
	return &machinev1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Spec:       machinev1.MachineSpec{ProviderSpec: machinev1.ProviderSpec{Value: ProviderSpec(spec)}},
	}
}

// CreateMachine creates a Machine.
func (s *System) CreateMachine(t testing.TB, m *machinev1.Machine) *machinev1.Machine {
	t.Helper()
	out, err := s.Env.Metal3.MachineV1beta1().Machines(m.Namespace).Create(context.Background(), m, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Machine reads a Machine from the API server.
func (s *System) Machine(t testing.TB, name string) *machinev1.Machine {
	t.Helper()
	m, err := s.Env.Metal3.MachineV1beta1().Machines(Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// DeleteMachine deletes a Machine (its finalizer keeps it until its host is released).
func (s *System) DeleteMachine(t testing.TB, name string) {
	t.Helper()
	err := s.Env.Metal3.MachineV1beta1().Machines(Namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
}

// WaitForMachine polls the Machine until ok returns true, failing after timeout with its
// last status.
func (s *System) WaitForMachine(t testing.TB, name string, timeout time.Duration, what string, ok func(*machinev1.Machine) bool) *machinev1.Machine {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *machinev1.Machine
	for {
		m, err := s.Env.Metal3.MachineV1beta1().Machines(Namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			last = m
			if ok(m) {
				return m
			}
		} else if !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("machine %s: timed out after %s waiting for %s; last: %s", name, timeout, what, DescribeMachine(last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitForMachineGone waits until the Machine no longer exists.
func (s *System) WaitForMachineGone(t testing.TB, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := s.Env.Metal3.MachineV1beta1().Machines(Namespace).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("machine %s still exists after %s: %s", name, timeout, DescribeMachine(m))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// DescribeMachine summarises a Machine for failure messages.
func DescribeMachine(m *machinev1.Machine) string {
	if m == nil {
		return "<none>"
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	reason := ""
	if m.Status.ErrorReason != nil {
		reason = string(*m.Status.ErrorReason)
	}
	return fmt.Sprintf("phase=%q errorReason=%q errorMessage=%q providerID=%q host=%q finalizers=%v deleting=%v",
		str(m.Status.Phase), reason, str(m.Status.ErrorMessage), str(m.Spec.ProviderID),
		m.Annotations[controller.HostAnnotation], m.Finalizers, m.DeletionTimestamp != nil)
}
