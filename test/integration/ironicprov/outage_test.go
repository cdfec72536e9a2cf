package ironicprov

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// TestAnIronicOutageIsUnavailableAndRecovers kills Ironic: calls fail with ErrUnavailable
// naming the endpoint; after a restart (same database) the node is found again, after one
// new version negotiation.
func TestAnIronicOutageIsUnavailableAndRecovers(t *testing.T) {
	ctx := context.Background()
	p, rec := newProvisioner(t)
	host := provisioner.HostRef{Namespace: "outage", Name: "fake-0", BootMACAddress: "52:54:00:30:00:01"}
	node, err := p.Register(ctx, provisioner.RegisterRequest{
		Host: host, BMC: parseBMC(t, "fake://x"), BMCAddress: "fake://x", CredentialsVersion: "1", BootMode: metal3.BootModeUEFI,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	host.NodeID = node.ID

	ironic.Kill()
	restarted := false
	defer func() {
		if !restarted {
			if err := ironic.Restart(); err != nil {
				t.Errorf("restarting Ironic: %v", err)
			}
		}
	}()
	if _, err := p.FindNode(ctx, host); !errors.Is(err, provisioner.ErrUnavailable) || !strings.Contains(err.Error(), ironic.URL) {
		t.Errorf("FindNode with Ironic down: %v, want ErrUnavailable naming %s", err, ironic.URL)
	}
	if err := p.Ready(ctx); !errors.Is(err, provisioner.ErrUnavailable) {
		t.Errorf("Ready with Ironic down: %v, want ErrUnavailable", err)
	}
	if err := p.Manage(ctx, node); !errors.Is(err, provisioner.ErrUnavailable) {
		t.Errorf("Manage with Ironic down: %v, want ErrUnavailable", err)
	}

	restarted = true
	if err := ironic.Restart(); err != nil {
		t.Fatalf("restarting Ironic: %v", err)
	}
	rec.take(node.ID)
	found, err := p.FindNode(ctx, host)
	if err != nil || found == nil || found.ID != node.ID {
		t.Fatalf("FindNode after the restart = %+v, %v; want node %s", found, err, node.ID)
	}
	if diff := cmp.Diff([]string{"GET /", "GET /v1/nodes/{id}?fields=…"}, rec.take(node.ID)); diff != "" {
		t.Errorf("requests after the restart (-want +got):\n%s", diff)
	}
	if err := p.Ready(ctx); err != nil {
		t.Errorf("Ready after the restart: %v", err)
	}
	if err := p.Delete(ctx, found); err != nil {
		t.Fatal(err)
	}
}
