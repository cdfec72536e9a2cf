package ironicprov

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// TestAnIPMIHostIsRegisteredWithItsDriverInfo registers (but never manages: there is no BMC) an
// ipmi host and checks what Ironic stored, then changes its credentials.
func TestAnIPMIHostIsRegisteredWithItsDriverInfo(t *testing.T) {
	ctx := context.Background()
	p, rec := newProvisioner(t)
	host := provisioner.HostRef{Namespace: "ipmi", Name: "host-0", BootMACAddress: "52:54:00:20:00:01"}
	req := provisioner.RegisterRequest{
		Host:               host,
		BMC:                parseBMC(t, "ipmi://127.0.0.1:6230"),
		Credentials:        bmc.Credentials{Username: "admin", Password: "password"},
		CredentialsVersion: "1",
		BMCAddress:         "ipmi://127.0.0.1:6230",
		BootMode:           metal3.BootModeLegacy,
	}
	node, err := p.Register(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := node.ID
	host.NodeID = id
	rec.take(id)

	doc := raw(t, "GET", "/v1/nodes/"+id, nil)
	wantInfo := map[string]any{
		"ipmi_address": "127.0.0.1", "ipmi_port": float64(6230), "ipmi_username": "admin",
		"ipmi_password": "******", "ipmi_priv_level": "ADMINISTRATOR",
	}
	if diff := cmp.Diff(wantInfo, doc["driver_info"]); diff != "" {
		t.Errorf("driver_info (-want +got):\n%s", diff)
	}
	for field, want := range map[string]any{
		"driver": "ipmi", "provision_state": "enroll", "automated_clean": false,
		"boot_interface": "ipxe", "deploy_interface": "direct", "management_interface": "ipmitool", "power_interface": "ipmitool",
	} {
		if doc[field] != want {
			t.Errorf("node %s = %v, want %v", field, doc[field], want)
		}
	}
	if caps := doc["properties"].(map[string]any)["capabilities"]; caps != "boot_mode:bios" {
		t.Errorf("capabilities = %v, want boot_mode:bios", caps)
	}

	// Unchanged: no request, although Ironic masks the password.
	existing := waitState(t, p, host, provisioner.StateEnroll)
	rec.take(id)
	if _, err := p.Register(ctx, req, existing); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(id); len(got) != 0 {
		t.Errorf("unchanged Register sent %v", got)
	}

	// New credentials: one PATCH rewriting the driver_info.
	req.Credentials = bmc.Credentials{Username: "operator", Password: "n3w-password"}
	req.CredentialsVersion = "2"
	node, err = p.Register(ctx, req, existing)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"PATCH /v1/nodes/{id}"}, rec.take(id)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if node.CredentialsVersion != "2" {
		t.Errorf("CredentialsVersion = %q, want 2", node.CredentialsVersion)
	}
	info := raw(t, "GET", "/v1/nodes/"+id, nil)["driver_info"].(map[string]any)
	if info["ipmi_username"] != "operator" || info["ipmi_password"] != "******" {
		t.Errorf("driver_info after new credentials = %v", info)
	}
	if node.ProvisionState != provisioner.StateEnroll {
		t.Errorf("node is %q after Register, want it left in enroll", node.ProvisionState)
	}

	if err := p.Delete(ctx, node); err != nil {
		t.Fatal(err)
	}
}
