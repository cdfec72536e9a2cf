package inventory

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRootDisk(t *testing.T) {
	small := Disk{Name: "/dev/sdz", Size: 1 << 30}
	for _, tc := range []struct {
		name  string
		disks []Disk
		want  string
	}{
		{"none", nil, ""},
		{"only too small", []Disk{small}, ""},
		{"smallest big enough", []Disk{{Name: "/dev/sdb", Size: 8 << 30}, small, {Name: "/dev/sda", Size: 5 << 30}}, "/dev/sda"},
		{"same size by name", []Disk{{Name: "/dev/sdb", Size: 8 << 30}, {Name: "/dev/sda", Size: 8 << 30}}, "/dev/sda"},
		{"default: the SSD", Default(1, "").Disks, "/dev/sda"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if d := RootDisk(tc.disks); d != nil {
				got = d.Name
			}
			if got != tc.want {
				t.Errorf("RootDisk = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestContinueURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:5050":                "http://127.0.0.1:5050/v1/continue",
		"http://127.0.0.1:5050/":               "http://127.0.0.1:5050/v1/continue",
		"http://127.0.0.1:5050/v1":             "http://127.0.0.1:5050/v1/continue",
		"http://127.0.0.1:5050/v1/continue":    "http://127.0.0.1:5050/v1/continue",
		"http://10.0.0.1:5050/ins/v1/continue": "http://10.0.0.1:5050/ins/v1/continue",
	} {
		if got := ContinueURL(in); got != want {
			t.Errorf("ContinueURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultDiffersPerSystem(t *testing.T) {
	a, b := Default(1, ""), Default(2, "AA:BB:CC:DD:EE:FF")
	if a.Hostname == b.Hostname || a.SystemVendor.SerialNumber == b.SystemVendor.SerialNumber ||
		a.Disks[0].Serial == b.Disks[0].Serial || a.Interfaces[0].IPv4Address == b.Interfaces[0].IPv4Address {
		t.Errorf("systems 1 and 2 share identifying values: %+v / %+v", a, b)
	}
	if b.Interfaces[0].MACAddress != "aa:bb:cc:dd:ee:ff" || b.Boot.PXEInterface != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("boot NIC = %+v, boot = %+v, want the given MAC lower-cased", b.Interfaces[0], b.Boot)
	}
}

func TestSystems(t *testing.T) {
	var s Systems
	custom := Default(9, "")
	custom.Hostname = "custom"
	s.Set("AA:BB:CC:DD:EE:01", custom)
	s.Set("node-uuid", custom)
	for _, tc := range []struct {
		name string
		mac  string
		keys []string
		want string
	}{
		{"by MAC, any case", "aa:bb:cc:dd:ee:01", nil, "custom"},
		{"by node", "aa:bb:cc:dd:ee:02", []string{"node-uuid"}, "custom"},
		{"default", "aa:bb:cc:dd:ee:02", []string{"other"}, "node-3"},
		{"empty key matches nothing", "", []string{""}, "node-3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.For(3, tc.mac, tc.keys...).Hostname; got != tc.want {
				t.Errorf("hostname = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPost checks the request IPA's default collector sends, and how answers are reported.
func TestPost(t *testing.T) {
	var got map[string]any
	status, answer := http.StatusOK, `{"uuid":"u-1"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/continue" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &got)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()

	inv := Default(4, "")
	if err := Post(context.Background(), nil, srv.URL, inv); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"inventory", "root_disk", "boot_interface", "configuration", "error"} {
		if _, ok := got[key]; !ok {
			t.Errorf("payload has no %q: %v", key, got)
		}
	}
	if got["boot_interface"] != inv.Boot.PXEInterface || got["error"] != nil {
		t.Errorf("boot_interface = %v, error = %v", got["boot_interface"], got["error"])
	}
	if rd, _ := got["root_disk"].(map[string]any); rd["name"] != "/dev/sda" {
		t.Errorf("root_disk = %v, want /dev/sda", got["root_disk"])
	}

	status, answer = http.StatusBadRequest, `{"error":{"message":"Look up error: Could not find a node"}}`
	err := Post(context.Background(), nil, srv.URL, inv)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: Look up error: Could not find a node") {
		t.Errorf("error = %v, want ironic-inspector's message", err)
	}
}
