package api

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/informers/externalversions"
)

func newHost(name string) *metal3.BareMetalHost {
	format := "qcow2"
	return &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: metal3.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: "52:54:00:12:34:56",
			BMC:            metal3.BMCDetails{Address: "ipmi://192.168.1.10", CredentialsName: name + "-bmc"},
			Image: &metal3.Image{URL: "http://images.example/os.qcow2", Checksum: "abc",
				ChecksumType: metal3.ChecksumSHA256, DiskFormat: &format},
			RootDeviceHints: &metal3.RootDeviceHints{DeviceName: "/dev/sda", MinSizeGigabytes: 10},
			BootMode:        metal3.BootModeUEFI,
		},
	}
}

func TestClientsetCreatesGetsListsUpdatesStatusAndDeletesAHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hosts := env.Metal3.Metal3V1alpha1().BareMetalHosts("default")

	created, err := hosts.Create(ctx, newHost("crud"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.Spec.AutomatedCleaningMode != metal3.CleaningModeMetadata {
		t.Errorf("automatedCleaningMode defaulted to %q, want %q", created.Spec.AutomatedCleaningMode, metal3.CleaningModeMetadata)
	}
	got, err := hosts.Get(ctx, "crud", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(created.Spec, got.Spec); diff != "" {
		t.Errorf("spec read back differs (-created +got):\n%s", diff)
	}
	list, err := hosts.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("list: %v (%d items)", err, len(list.Items))
	}

	// Status is a subresource: an Update of the main resource must not change it...
	got.Status.Provisioning.State = metal3.StateRegistering
	got, err = hosts.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.Status.Provisioning.State != "" {
		t.Errorf("update of the main resource wrote status state %q", got.Status.Provisioning.State)
	}
	// ...while UpdateStatus does.
	now := metav1.Now()
	got.Status = metal3.BareMetalHostStatus{
		OperationalStatus: metal3.OperationalStatusOK,
		Provisioning:      metal3.ProvisionStatus{State: metal3.StateAvailable, ID: "uuid-1"},
		PoweredOn:         true,
		LastUpdated:       &now,
		HardwareDetails:   &metal3.HardwareDetails{CPU: metal3.CPU{Arch: "x86_64", Count: 8, ClockMegahertz: 2400.5}, RAMMebibytes: 16384},
		Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Available",
			Message: "ready to provision", LastTransitionTime: now}},
	}
	updated, err := hosts.UpdateStatus(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if updated.Status.Provisioning.State != metal3.StateAvailable || updated.Status.HardwareDetails.CPU.ClockMegahertz != 2400.5 {
		t.Errorf("status not stored: %+v", updated.Status)
	}

	if err := hosts.Delete(ctx, "crud", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := hosts.Get(ctx, "crud", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after delete: got %v, want NotFound", err)
	}
}

func TestAFinalizerKeepsADeletedHostUntilItIsRemoved(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hosts := env.Metal3.Metal3V1alpha1().BareMetalHosts("default")
	h := newHost("finalized")
	h.Finalizers = []string{metal3.BareMetalHostFinalizer}
	if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
	if err != nil || got.DeletionTimestamp == nil {
		t.Fatalf("want host kept with a deletion timestamp, got %v, %v", got, err)
	}
	got.Finalizers = nil
	if _, err := hosts.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := hosts.Get(ctx, h.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("host still present after its finalizer was removed: %v", err)
	}
}

func TestAnInformerSeesAddUpdateAndDeleteEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := env.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "informer"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	factory := externalversions.NewSharedInformerFactoryWithOptions(env.Metal3, 0, externalversions.WithNamespace("informer"))
	informer := factory.Metal3().V1alpha1().BareMetalHosts()
	events := make(chan string, 16)
	_, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { events <- "add " + obj.(*metal3.BareMetalHost).Name },
		UpdateFunc: func(_, obj interface{}) {
			events <- "update " + string(obj.(*metal3.BareMetalHost).Status.Provisioning.State)
		},
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			events <- "delete " + obj.(*metal3.BareMetalHost).Name
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	factory.Start(stop)
	defer func() { close(stop); factory.Shutdown() }()
	if !cache.WaitForCacheSync(stop, informer.Informer().HasSynced) {
		t.Fatal("informer cache never synced")
	}

	hosts := env.Metal3.Metal3V1alpha1().BareMetalHosts("informer")
	h := newHost("watched")
	h.Namespace = "informer"
	created, err := hosts.Create(ctx, h, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, events, "add watched")
	created.Status.Provisioning.State = metal3.StateInspecting
	if _, err := hosts.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(t, events, "update inspecting")
	if got, err := informer.Lister().BareMetalHosts("informer").Get("watched"); err != nil || got.Status.Provisioning.State != metal3.StateInspecting {
		t.Errorf("lister: %v, %v", got, err)
	}
	if err := hosts.Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(t, events, "delete watched")
}

func expect(t *testing.T, events <-chan string, want string) {
	t.Helper()
	select {
	case got := <-events:
		if got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event, want %q", want)
	}
}

func TestHardwareDataRoundTrips(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hd := &metal3.HardwareData{
		ObjectMeta: metav1.ObjectMeta{Name: "hd", Namespace: "default"},
		Spec: metal3.HardwareDataSpec{HardwareDetails: &metal3.HardwareDetails{
			Hostname: "node-1",
			NIC:      []metal3.NIC{{Name: "eth0", MAC: "52:54:00:00:00:01", IP: "192.0.2.10", PXE: true}},
			Storage:  []metal3.Storage{{Name: "/dev/sda", SizeBytes: 500 << 30, Type: metal3.DiskTypeSSD}},
		}},
	}
	if _, err := env.Metal3.Metal3V1alpha1().HardwareDatas("default").Create(ctx, hd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := env.Metal3.Metal3V1alpha1().HardwareDatas("default").Get(ctx, "hd", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hd.Spec, got.Spec); diff != "" {
		t.Errorf("hardware data differs (-want +got):\n%s", diff)
	}
}
