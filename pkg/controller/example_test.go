package controller_test

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned/fake"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
)

// Example embeds the Machine actuator in another program: the program owns the clients and
// the informer factory, shares the factory's Machine informer with the actuator (its own
// handler below sees the same cache), and runs the actuator with New and Run. Fake clientsets
// stand in for an API server here; test/integration/actuator does the same against a real one.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	host := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "host-0", Namespace: "default", UID: "9f1c", ResourceVersion: "1",
			Labels: map[string]string{"rack": "r1"}},
		Status: metal3.BareMetalHostStatus{Provisioning: metal3.ProvisionStatus{State: metal3.StateAvailable}},
	}
	machine := &machinev1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: "worker-0", Namespace: "default", UID: "51ab"},
		Spec: machinev1.MachineSpec{ProviderSpec: machinev1.ProviderSpec{Value: &runtime.RawExtension{Raw: []byte(`{
			"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "BareMetalMachineProviderSpec",
			"image": {"url": "http://images.example.test/worker.qcow2", "checksum": "d41d8cd98f00b204e9800998ecf8427e"},
			"userData": {"name": "worker-user-data"},
			"hostSelector": {"matchLabels": {"rack": "r1"}}}`)}}},
	}
	client := fake.NewSimpleClientset(host, machine)
	factory := externalversions.NewSharedInformerFactory(client, 0)

	ctrl, err := controller.New(ctx, controller.Config{
		Kube: kubefake.NewSimpleClientset(), Client: client, Informers: factory,
		EnableMachines: true, MachineWorkers: 2,
		Recorder: record.NewFakeRecorder(10),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { _ = ctrl.Run(ctx) }()

	// The embedding program reads the same cache the actuator fills.
	machines := factory.Machine().V1beta1().Machines().Lister()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		m, err := machines.Machines("default").Get("worker-0")
		if err == nil && m.Spec.ProviderID != nil && m.Status.Phase != nil {
			h, _ := client.Metal3V1alpha1().BareMetalHosts("default").Get(ctx, "host-0", metav1.GetOptions{})
			fmt.Println("synced:", ctrl.HasSynced())
			fmt.Println("annotation:", m.Annotations[controller.HostAnnotation])
			fmt.Println("providerID:", *m.Spec.ProviderID)
			fmt.Println("phase:", *m.Status.Phase)
			fmt.Println("host consumer:", h.Spec.ConsumerRef.Kind, h.Spec.ConsumerRef.Name)
			fmt.Println("host image:", h.Spec.Image.URL, "online:", h.Spec.Online)
			fmt.Println("host user data:", h.Spec.UserData.Namespace+"/"+h.Spec.UserData.Name)
			return
		}
	}
	fmt.Println("worker-0 got no host")
	// Output:
	// synced: true
	// annotation: default/host-0
	// providerID: baremetalhost:///default/host-0/9f1c
	// phase: Provisioning
	// host consumer: Machine worker-0
	// host image: http://images.example.test/worker.qcow2 online: true
	// host user data: default/worker-user-data
}
