package agentsim

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildConfigDrive builds a config drive as Ironic 21.4 does (openstacksdk's configdrive.build:
// genisoimage with the same flags, gzip, base64).
func buildConfigDrive(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, "root", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	iso := filepath.Join(dir, "cd.iso")
	out, err := exec.Command("genisoimage", "-o", iso, "-ldots", "-allow-lowercase", "-allow-multidot", "-l",
		"-publisher", "metalsmith", "-quiet", "-J", "-r", "-V", "config-2", filepath.Join(dir, "root")).CombinedOutput()
	if err != nil {
		t.Fatalf("genisoimage (Ironic needs it too): %v: %s", err, out)
	}
	img, err := os.ReadFile(iso)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(img)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestParseConfigDrive(t *testing.T) {
	longName := "a_rather_long_file_name_beyond_the_iso_limits.json"
	encoded := buildConfigDrive(t, map[string]string{
		"openstack/latest/meta_data.json":    `{"uuid": "u-1", "metal3-name": "host-0", "local-hostname": "host-0"}`,
		"openstack/latest/user_data":         "#cloud-config\nhostname: host-0\n",
		"openstack/latest/network_data.json": `{"links": [{"id": "eth0"}], "networks": [], "services": []}`,
		"openstack/2012-08-10/" + longName:   "{}",
	})
	cd, err := parseConfigDrive(encoded)
	if err != nil {
		t.Fatal(err)
	}
	if cd.UserData != "#cloud-config\nhostname: host-0\n" {
		t.Errorf("user data = %q", cd.UserData)
	}
	if cd.MetaData["metal3-name"] != "host-0" || cd.MetaData["uuid"] != "u-1" {
		t.Errorf("meta data = %v", cd.MetaData)
	}
	if links, _ := cd.NetworkData["links"].([]any); len(links) != 1 {
		t.Errorf("network data = %v", cd.NetworkData)
	}
	if _, ok := cd.Files["openstack/2012-08-10/"+longName]; !ok {
		t.Errorf("long Rock Ridge name missing from %v", keys(cd.Files))
	}
}

func TestParseConfigDriveRejects(t *testing.T) {
	gz := func(b []byte) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	for name, in := range map[string]string{
		"not base64":  "%%%",
		"not gzip":    base64.StdEncoding.EncodeToString([]byte("plain")),
		"not an ISO":  gz(make([]byte, 40000)),
		"a URL":       "http://example.com/cd.iso",
		"too short":   gz([]byte("CD001")),
		"empty input": "",
	} {
		if _, err := parseConfigDrive(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
