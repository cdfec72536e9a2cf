package ironictest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/metalkube/metalkube/test/agentsim/inventory"
	"github.com/metalkube/metalkube/test/ironictest"
)

// TestInspectorInBandInspection drives a fake-hardware node through in-band inspection with
// the real ironic-inspector: Ironic hands the node to the inspector (unmanaged boot: fake boot
// cannot boot a ramdisk), the node waits in "inspect wait", the test posts an inventory as
// the ramdisk would, and Ironic ends up manageable with the inventory stored (API 1.81).
func TestInspectorInBandInspection(t *testing.T) {
	t0 := time.Now()
	ir, err := ironictest.Start(ironictest.Options{Inspector: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ir.Stop()
	t.Logf("Ironic and ironic-inspector up in %s", time.Since(t0).Round(time.Millisecond))

	mac := inventory.MAC(7, 0)
	var node struct {
		UUID string `json:"uuid"`
	}
	call(t, ir, http.MethodPost, "/v1/nodes", map[string]any{
		"name": "inband-0", "driver": "fake-hardware", "inspect_interface": "inspector",
	}, &node)
	call(t, ir, http.MethodPost, "/v1/ports", map[string]any{"node_uuid": node.UUID, "address": mac}, nil)
	call(t, ir, http.MethodPut, "/v1/nodes/"+node.UUID+"/states/provision", map[string]any{"target": "manage"}, nil)
	waitState(t, ir, node.UUID, "manageable")
	call(t, ir, http.MethodPut, "/v1/nodes/"+node.UUID+"/states/provision", map[string]any{"target": "inspect"}, nil)
	waitState(t, ir, node.UUID, "inspect wait")

	inv := inventory.Default(7, mac)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The inspector learns of the node a moment after Ironic moved it to inspect wait.
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := inventory.Post(ctx, nil, ir.Inspector.URL, inv)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("posting the inventory: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitState(t, ir, node.UUID, "manageable")

	// Ironic moves the node to manageable a moment before it stores the inventory.
	var stored struct {
		Inventory inventory.Inventory `json:"inventory"`
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		code := get(t, ir, "/v1/nodes/"+node.UUID+"/inventory", &stored)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("GET inventory: HTTP %d", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if stored.Inventory.Hostname != "node-7" || len(stored.Inventory.Disks) != 3 || len(stored.Inventory.Interfaces) != 3 {
		t.Fatalf("Ironic's inventory of the node = %+v, want the posted one", stored.Inventory)
	}
	data, err := ir.Inspector.IntrospectionData(node.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := data["root_disk"]; !ok {
		t.Fatalf("introspection data has no root_disk: %v", data)
	}
	t.Logf("inspected in %s", time.Since(t0).Round(time.Millisecond))
}

func call(t *testing.T, ir *ironictest.Ironic, method, path string, body, out any) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, ir.URL+path, &buf)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-OpenStack-Ironic-API-Version", ironictest.MaxMicroversion)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var e bytes.Buffer
		_, _ = e.ReadFrom(resp.Body)
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, e.String())
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, ir *ironictest.Ironic, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ir.URL+path, nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", ironictest.MaxMicroversion)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func waitState(t *testing.T, ir *ironictest.Ironic, uuid, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var n struct {
		ProvisionState string `json:"provision_state"`
		LastError      string `json:"last_error"`
	}
	for time.Now().Before(deadline) {
		call(t, ir, http.MethodGet, "/v1/nodes/"+uuid, nil, &n)
		if n.ProvisionState == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("node %s: state %q (last error %q), want %q", uuid, n.ProvisionState, n.LastError, want)
}
