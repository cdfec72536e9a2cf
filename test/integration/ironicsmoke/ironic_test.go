// Package ironicsmoke checks the test Ironic itself through gophercloud: a fake-hardware node is
// created, moved enroll -> manageable -> available, and deleted.
package ironicsmoke

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/drivers"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/nodes"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/v1/ports"

	"github.com/metalkube/metalkube/test/ironictest"
)

var ironic *ironictest.Ironic

func TestMain(m *testing.M) {
	var err error
	ironic, err = ironictest.Start(ironictest.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start Ironic: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	ironic.Stop()
	os.Exit(code)
}

func client(t *testing.T) *gophercloud.ServiceClient {
	t.Helper()
	c, err := noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: ironic.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	c.Microversion = ironictest.MaxMicroversion
	return c
}

func TestIronicListsTheHardwareTypesTheProjectNeeds(t *testing.T) {
	all, err := drivers.ListDrivers(client(t), nil).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	list, err := drivers.ExtractDrivers(all)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, d := range list {
		have[d.Name] = true
	}
	for _, want := range []string{"fake-hardware", "ipmi", "redfish"} {
		if !have[want] {
			t.Errorf("hardware type %q is not enabled; have %v", want, have)
		}
	}
}

func TestAFakeHardwareNodeMovesFromEnrollToAvailableAndIsDeleted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := client(t)
	node, err := nodes.Create(ctx, c, nodes.CreateOpts{
		Name:   "smoke-0",
		Driver: "fake-hardware",
		Properties: map[string]interface{}{
			"cpus": 2, "memory_mb": 4096, "local_gb": 20, "cpu_arch": "x86_64",
		},
	}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if node.ProvisionState != string(nodes.Enroll) {
		t.Fatalf("new node is %q, want enroll (is the microversion header sent?)", node.ProvisionState)
	}
	if _, err := ports.Create(ctx, c, ports.CreateOpts{NodeUUID: node.UUID, Address: "52:54:00:aa:bb:01"}).Extract(); err != nil {
		t.Fatal(err)
	}

	moveTo(ctx, t, c, node.UUID, nodes.TargetManage, nodes.Manageable)
	moveTo(ctx, t, c, node.UUID, nodes.TargetProvide, nodes.Available)

	if err := nodes.Delete(ctx, c, node.UUID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes.Get(ctx, c, node.UUID).Extract(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("node still exists after delete: %v", err)
	}
}

// moveTo asks for a provision-state change and waits until the node is stable in want: the
// state matches and no target is pending (provision_state alone can be stale for a moment).
func moveTo(ctx context.Context, t *testing.T, c *gophercloud.ServiceClient, uuid string, target nodes.TargetProvisionState, want nodes.ProvisionState) {
	t.Helper()
	if err := nodes.ChangeProvisionState(ctx, c, uuid, nodes.ProvisionStateOpts{Target: target}).ExtractErr(); err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	for {
		n, err := nodes.Get(ctx, c, uuid).Extract()
		if err != nil {
			t.Fatal(err)
		}
		if n.ProvisionState == string(want) && n.TargetProvisionState == "" {
			return
		}
		if n.LastError != "" {
			t.Fatalf("%s: node in %s with error %q", target, n.ProvisionState, n.LastError)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: node stuck in %q (target %q)", target, n.ProvisionState, n.TargetProvisionState)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
