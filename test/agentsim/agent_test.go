package agentsim

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	directNode = "11111111-1111-1111-1111-111111111111"
	fakeNode   = "22222222-2222-2222-2222-222222222222"
	testToken  = "secret-token"
)

// fakeIronic answers the agent's requests as Ironic 21.4 does and records them.
type fakeIronic struct {
	mu         sync.Mutex
	state      string
	heartbeats []map[string]string
	lookups    int
	refuse     bool // refuse heartbeats as Ironic does once it wiped the token
}

func (f *fakeIronic) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("X-OpenStack-Ironic-API-Version") == "" {
		http.Error(w, "no microversion", http.StatusNotAcceptable)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/nodes":
		q := r.URL.Query()
		if q.Get("driver") != "fake-hardware" || q.Get("fields") != "uuid,provision_state,deploy_interface,inspect_interface" || q.Get("provision_state") == "" {
			http.Error(w, "unexpected query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		var list []map[string]string
		for _, n := range []map[string]string{
			{"uuid": directNode, "provision_state": f.state, "deploy_interface": "direct"},
			{"uuid": fakeNode, "provision_state": "wait call-back", "deploy_interface": "fake"},
		} {
			if n["provision_state"] == q.Get("provision_state") {
				list = append(list, n)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"nodes": list})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/lookup" && r.URL.Query().Get("node_uuid") == directNode:
		f.lookups++
		writeJSON(w, http.StatusOK, map[string]any{"node": map[string]any{"uuid": directNode}, "config": map[string]any{"agent_token": testToken}})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/heartbeat/"+directNode:
		if f.refuse {
			f.refuse = false
			http.Error(w, `{"error_message": "{\"faultcode\": \"Client\", \"faultstring\": \"Invalid or missing agent token received.\"}"}`, http.StatusBadRequest)
			return
		}
		var hb map[string]string
		_ = json.NewDecoder(r.Body).Decode(&hb)
		f.heartbeats = append(f.heartbeats, hb)
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.String(), http.StatusNotFound)
	}
}

func (f *fakeIronic) heartbeatCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.heartbeats)
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// call sends one command as the conductor's agent client does and decodes the answer.
func call(t *testing.T, url, token, name string, params any, wait bool) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "params": params})
	q := "?wait=false&agent_token=" + token
	if wait {
		q = "?wait=true&agent_token=" + token
	}
	resp, err := http.Post(url+"/v1/commands/"+q, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestAgentProtocol(t *testing.T) {
	ironic := &fakeIronic{state: "wait call-back"}
	ironicSrv := httptest.NewServer(ironic)
	defer ironicSrv.Close()
	release := make(chan struct{})
	image := []byte("a tiny image")
	sum := md5.Sum(image)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write(image)
	}))
	defer images.Close()

	a, err := Start(Options{IronicURL: ironicSrv.URL, PollInterval: 50 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	eventually(t, "heartbeats", func() bool { return ironic.heartbeatCount() >= 2 })
	ironic.mu.Lock()
	hb, lookups := ironic.heartbeats[0], ironic.lookups
	ironic.mu.Unlock()
	want := map[string]string{"callback_url": a.URL + "/" + directNode, "agent_token": testToken, "agent_version": Version}
	for k, v := range want {
		if hb[k] != v {
			t.Errorf("heartbeat %s = %q, want %q", k, hb[k], v)
		}
	}
	if lookups != 1 {
		t.Errorf("%d lookups, want 1", lookups)
	}
	if st := a.Node(fakeNode); st.Boots != 0 {
		t.Errorf("a node with the fake deploy interface booted a ramdisk")
	}
	node := a.URL + "/" + directNode

	if code, out := call(t, node, "wrong", "deploy.get_deploy_steps", map[string]any{}, true); code != http.StatusUnauthorized || out["faultstring"] == nil {
		t.Errorf("wrong token: %d %v", code, out)
	}
	code, out := call(t, node, testToken, "deploy.get_deploy_steps", map[string]any{"node": map[string]any{}, "ports": []any{}}, true)
	res, _ := out["command_result"].(map[string]any)
	if code != http.StatusOK || out["command_status"] != statusSucceeded || out["command_name"] != "get_deploy_steps" || res["hardware_manager_version"] == nil {
		t.Fatalf("get_deploy_steps: %d %v", code, out)
	}
	if steps, _ := res["deploy_steps"].(map[string]any)[hardwareManager].([]any); len(steps) != len(deploySteps) {
		t.Errorf("deploy steps %v", res["deploy_steps"])
	}

	step := map[string]any{"interface": "deploy", "step": "write_image", "args": map[string]any{
		"image_info":  map[string]any{"id": "os.raw", "urls": []string{images.URL + "/os.raw"}, "checksum": hex.EncodeToString(sum[:])},
		"configdrive": buildConfigDrive(t, map[string]string{"openstack/latest/meta_data.json": `{"uuid": "u"}`}),
	}}
	code, out = call(t, node, testToken, "deploy.execute_deploy_step", map[string]any{"step": step, "node": map[string]any{}, "ports": []any{}}, false)
	if code != http.StatusOK || out["command_status"] != statusRunning {
		t.Fatalf("execute_deploy_step: %d %v", code, out)
	}
	if code, out := call(t, node, testToken, "standby.sync", map[string]any{}, true); code != http.StatusConflict ||
		!strings.Contains(out["faultstring"].(string), "Agent is busy") {
		t.Errorf("a command while another runs: %d %v", code, out)
	}
	before := ironic.heartbeatCount()
	close(release)
	var last map[string]any
	eventually(t, "write_image to finish", func() bool {
		resp, err := http.Get(node + "/v1/commands/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct{ Commands []map[string]any }
		_ = json.NewDecoder(resp.Body).Decode(&list)
		last = list.Commands[len(list.Commands)-1]
		return last["command_status"] != statusRunning
	})
	result, _ := last["command_result"].(map[string]any)
	if last["command_status"] != statusSucceeded || result["deploy_step"].(map[string]any)["step"] != "write_image" {
		t.Fatalf("write_image: %v", last)
	}
	if strings.Contains(toJSON(last), "openstack") {
		t.Error("the command result echoes the config drive")
	}
	eventually(t, "the heartbeat after the command", func() bool { return ironic.heartbeatCount() > before })
	st := a.Node(directNode)
	if st.Deploys != 1 || st.Downloads != 1 || st.ConfigDrive == nil || st.ConfigDrive.MetaData["uuid"] != "u" {
		t.Errorf("record after write_image: %+v", st)
	}

	code, out = call(t, node, testToken, "standby.get_partition_uuids", map[string]any{}, true)
	if uuids, _ := out["command_result"].(map[string]any); code != http.StatusOK || uuids["root uuid"] == nil {
		t.Errorf("get_partition_uuids: %d %v", code, out)
	}
	if code, out = call(t, node, testToken, "standby.power_off", map[string]any{}, false); code != http.StatusOK || out["command_status"] != statusSucceeded {
		t.Errorf("power_off: %d %v", code, out)
	}
	if a.Node(directNode).Running {
		t.Error("the ramdisk still runs after power_off")
	}
	// Ironic still waits (as if deploying again): the poller boots a new ramdisk with a new lookup.
	eventually(t, "a second boot", func() bool { return a.Node(directNode).Boots == 2 })
}

// TestARefusedHeartbeatRebootsTheRamdisk: once Ironic refuses a heartbeat (its token was
// wiped), the ramdisk stops, and boots again (a new lookup) while Ironic still waits.
func TestARefusedHeartbeatRebootsTheRamdisk(t *testing.T) {
	ironic := &fakeIronic{state: "clean wait"}
	srv := httptest.NewServer(ironic)
	defer srv.Close()
	a, err := Start(Options{IronicURL: srv.URL, PollInterval: 50 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	eventually(t, "a first heartbeat", func() bool { return ironic.heartbeatCount() >= 1 })
	ironic.mu.Lock()
	ironic.refuse = true
	ironic.mu.Unlock()
	eventually(t, "a second boot", func() bool { return a.Node(directNode).Boots == 2 })
	ironic.mu.Lock()
	lookups := ironic.lookups
	ironic.mu.Unlock()
	if lookups != 2 {
		t.Errorf("%d lookups, want 2", lookups)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
