package actuator

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
	"github.com/metalkube/metalkube/pkg/ironic"
	"github.com/metalkube/metalkube/test/framework"
)

// TestAnotherProgramEmbedsTheControllers is what a program that embeds the library does, as
// the package example shows with fake clients: it owns the clients and informer factories,
// watches Machines through the same factory itself, and runs both controllers in its own
// namespace with New and Run, next to (and independent of) the test system's controllers,
// which watch only their namespace.
func TestAnotherProgramEmbedsTheControllers(t *testing.T) {
	const ns = "embedded"
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), klog.Background().WithName("embedded")))
	defer cancel()
	kube, client := sys.Env.Kube, sys.Env.Metal3
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The embedding program's own wiring.
	informers := externalversions.NewSharedInformerFactoryWithOptions(client, 0, externalversions.WithNamespace(ns))
	secrets := kubeinformers.NewSharedInformerFactoryWithOptions(kube, 0, kubeinformers.WithNamespace(ns),
		kubeinformers.WithTweakListOptions(controller.SecretListOptions))
	prov, err := ironic.New(ironic.Config{Endpoint: sys.Ironic.URL, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int32 // the program's own handler on the shared Machine informer
	if _, err := informers.Machine().V1beta1().Machines().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, cur interface{}) {
			if m := cur.(*machinev1.Machine); m.Spec.ProviderID != nil {
				seen.Add(1)
			}
		},
	}); err != nil {
		t.Fatal(err)
	}
	ctrl, err := controller.New(ctx, controller.Config{
		Kube: kube, Client: client, Informers: informers, SecretInformers: secrets, Provisioner: prov,
		EnableHosts: true, EnableMachines: true, HostWorkers: 2, MachineWorkers: 2,
		HostOptions: controller.HostControllerOptions{NodePollInterval: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ctrl.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		informers.Shutdown()
		secrets.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), ctrl.HasSynced) {
		t.Fatal("the embedded controllers' caches did not sync")
	}

	// A host and a Machine in the program's namespace.
	cred := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "embedded-host-bmc", Namespace: ns},
		StringData: map[string]string{"username": "admin", "password": "pw"}}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, cred, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	host := framework.FakeHost("embedded-host", mac(220))
	host.Namespace = ns
	if _, err := client.Metal3V1alpha1().BareMetalHosts(ns).Create(ctx, host, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	m := framework.NewMachine("embedded-machine", framework.TestProviderSpec("", baremetal.HostSelector{}))
	m.Namespace = ns
	if _, err := client.MachineV1beta1().Machines(ns).Create(ctx, m, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(2 * time.Minute)
	for {
		h, err := client.Metal3V1alpha1().BareMetalHosts(ns).Get(ctx, host.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := client.MachineV1beta1().Machines(ns).Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if h.Status.Provisioning.State == metal3.StateProvisioned && phase(got) == machinev1.PhaseProvisioned {
			if consumer(h) != m.Name || got.Annotations[controller.HostAnnotation] != ns+"/"+host.Name {
				t.Errorf("host consumer %q, Machine annotation %q", consumer(h), got.Annotations[controller.HostAnnotation])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("embedded: host %q, Machine %s", h.Status.Provisioning.State, framework.DescribeMachine(got))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if seen.Load() == 0 {
		t.Error("the program's own handler on the shared Machine informer saw no update")
	}

	// Clean up through the embedded controllers: the Machine releases the host, the host goes.
	if err := client.MachineV1beta1().Machines(ns).Delete(ctx, m.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.Metal3V1alpha1().BareMetalHosts(ns).Delete(ctx, host.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, merr := client.MachineV1beta1().Machines(ns).Get(ctx, m.Name, metav1.GetOptions{})
		_, herr := client.Metal3V1alpha1().BareMetalHosts(ns).Get(ctx, host.Name, metav1.GetOptions{})
		if merr != nil && herr != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("embedded Machine (%v) or host (%v) not gone", merr, herr)
		}
	}
}
