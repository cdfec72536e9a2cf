package redact_test

import (
	"testing"

	"github.com/metalkube/metalkube/pkg/redact"
)

func TestURLsHidesUserInformation(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Image provisioning started for http://alice:s3cret@images.example.com/a.qcow2",
			"Image provisioning started for http://xxxxx@images.example.com/a.qcow2"},
		{"deploy failed: Failed to download https://token@10.0.0.1:8080/x.img?sig=1 (HTTP 403); retried http://u:p@h/y",
			"deploy failed: Failed to download https://xxxxx@10.0.0.1:8080/x.img?sig=1 (HTTP 403); retried http://xxxxx@h/y"},
		{`{"image_source": "http://u:p:q@h/i"}`, `{"image_source": "http://xxxxx@h/i"}`},
		{"http://images.example.com/a@b.qcow2", "http://images.example.com/a@b.qcow2"},
		{"mail admin@example.com about redfish://10.0.0.5/redfish/v1/Systems/1", "mail admin@example.com about redfish://10.0.0.5/redfish/v1/Systems/1"},
		{"", ""},
	} {
		if got := redact.URLs(c.in); got != c.want {
			t.Errorf("URLs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
