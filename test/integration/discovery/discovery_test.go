// Package discovery tests importing nodes enrolled directly in a real Ironic as
// BareMetalHosts, against a real API server.
package discovery

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/pagination"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/test/framework"
)

const ns = "discovered"

var sys *framework.System

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{DiscoveryNamespace: ns})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}

// enroll creates a fake-hardware node directly in Ironic and drives it to target.
func enroll(t *testing.T, name string, deploy bool) *nodes.Node {
	t.Helper()
	ctx := context.Background()
	c := sys.IronicClient()
	n, err := nodes.Create(ctx, c, nodes.CreateOpts{Name: name, Driver: "fake-hardware"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	steps := []nodes.TargetProvisionState{nodes.TargetManage, nodes.TargetProvide}
	waits := []nodes.ProvisionState{nodes.Manageable, nodes.Available}
	if deploy {
		if _, err := nodes.Update(ctx, c, n.UUID, nodes.UpdateOpts{nodes.UpdateOperation{Op: nodes.AddOp, Path: "/instance_info",
			Value: map[string]interface{}{"image_source": "http://images.example.test/legacy.qcow2"}}}).Extract(); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, nodes.TargetActive)
		waits = append(waits, nodes.Active)
	}
	for i, target := range steps {
		if err := nodes.ChangeProvisionState(ctx, c, n.UUID, nodes.ProvisionStateOpts{Target: target}).ExtractErr(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			cur, err := nodes.Get(ctx, c, n.UUID).Extract()
			if err != nil {
				t.Fatal(err)
			}
			if cur.ProvisionState == string(waits[i]) && cur.TargetProvisionState == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s stuck in %s", name, cur.ProvisionState)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return n
}

func countNodes(t *testing.T) int {
	n := 0
	err := nodes.List(sys.IronicClient(), nodes.ListOpts{Fields: []string{"uuid"}}).EachPage(context.Background(),
		func(_ context.Context, p pagination.Page) (bool, error) {
			l, err := nodes.ExtractNodes(p)
			n += len(l)
			return true, err
		})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitHost(t *testing.T, name string, ok func(*metal3.BareMetalHost) bool, what string) *metal3.BareMetalHost {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		h, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("discovered host %s: no %s (last: %v, err %v)", name, what, h, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestNodesEnrolledDirectlyInIronicAreImportedAsHosts(t *testing.T) {
	ctx := context.Background()
	if _, err := sys.Env.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := func(name string) {
		_, err := sys.Env.Kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-bmc"},
			StringData: map[string]string{"username": "admin", "password": "pw"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	secret("rack1-node1")
	ready := enroll(t, "rack1-node1", false)
	running := enroll(t, "rack1-node2", true)

	// With credentials waiting for it, an available node becomes an available host.
	h := waitHost(t, "rack1-node1", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable
	}, "available state")
	if h.Labels[host.DiscoveredLabel] != "true" || h.Labels[host.IronicNodeLabel] != ready.UUID {
		t.Errorf("labels %v", h.Labels)
	}
	if h.Status.Provisioning.ID != ready.UUID || h.Spec.BMC.Address != "fake://"+ready.UUID {
		t.Errorf("host adopted node %q with BMC %q, want %s", h.Status.Provisioning.ID, h.Spec.BMC.Address, ready.UUID)
	}

	// Without credentials the running node's host is unmanaged, with the BMC address noted.
	h = waitHost(t, "rack1-node2", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateUnmanaged
	}, "unmanaged state")
	if got := h.Annotations[host.DiscoveredBMCAnnotation]; got != "fake://"+running.UUID {
		t.Errorf("discovered BMC annotation %q", got)
	}
	// Supplying credentials adopts it as provisioned, never deploying it.
	secret("rack1-node2")
	for i := 0; ; i++ {
		h = waitHost(t, "rack1-node2", func(*metal3.BareMetalHost) bool { return true }, "host")
		h.Spec.BMC = metal3.BMCDetails{Address: h.Annotations[host.DiscoveredBMCAnnotation], CredentialsName: "rack1-node2-bmc"}
		if _, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(ns).Update(ctx, h, metav1.UpdateOptions{}); err == nil {
			break
		} else if i > 5 {
			t.Fatal(err)
		}
	}
	h = waitHost(t, "rack1-node2", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned
	}, "provisioned state")
	n, err := nodes.Get(ctx, sys.IronicClient(), running.UUID).Extract()
	if err != nil || n.ProvisionState != "active" || h.Status.Provisioning.ID != running.UUID {
		t.Errorf("node %v (%v); host ID %s", n, err, h.Status.Provisioning.ID)
	}
	if got := countNodes(t); got != 2 {
		t.Errorf("%d nodes in Ironic, want the 2 enrolled: discovery must not enroll new ones", got)
	}
	// Hosts the controller creates nodes for are never imported a second time.
	time.Sleep(5 * time.Second)
	list, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 2 {
		t.Errorf("%d hosts in %s, want 2 (%v)", len(list.Items), ns, err)
	}
}
