package clients

import (
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

func TestANewChecksumOrFormatNeverWipesAProvisionedHostButANewURLDoes(t *testing.T) {
	const name = "image-details"
	newHost(t, sys, name, "52:54:00:a5:00:01", withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	before := sys.Transport.Targets()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		raw := "raw"
		h.Spec.Image.Checksum = strings.Repeat("ab", 32)
		h.Spec.Image.ChecksumType = metal3.ChecksumSHA256
		h.Spec.Image.DiskFormat = &raw
	})
	time.Sleep(4 * time.Second)
	if h := sys.Host(t, name); h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("a new checksum and format moved the host to %q", h.Status.Provisioning.State)
	}
	if d := diffTargets(before, sys.Transport.Targets()); len(costly(d)) > 0 {
		t.Errorf("a new checksum and format made the controller ask Ironic for %v", d)
	}
	if n := sys.Node(t, h.Status.Provisioning.ID); n.ProvisionState != "active" {
		t.Errorf("Ironic node %s after a new checksum", n.ProvisionState)
	}
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image.URL = "http://images.example.test/os-2.qcow2" })
	sys.WaitForHost(t, name, stepTimeout, "provisioned with the new URL", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.Provisioning.Image.URL == "http://images.example.test/os-2.qcow2"
	})
	if d := diffTargets(before, sys.Transport.Targets()); d["provision deleted"] != 1 || d["provision active"] != 1 {
		t.Errorf("a new URL asked Ironic for %v, want one undeploy and one deploy", d)
	}
}

func TestAnOfflineHostWithAnImageIsProvisionedOnlyOnceOnline(t *testing.T) {
	const name = "offline-image"
	newHost(t, sys, name, "52:54:00:a5:01:01", withImage, func(h *metal3.BareMetalHost) { h.Spec.Online = false })
	sys.WaitForHost(t, name, stepTimeout, "available and off", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && !h.Status.PoweredOn
	})
	time.Sleep(3 * time.Second)
	if h := sys.Host(t, name); h.Status.Provisioning.State != metal3.StateAvailable {
		t.Errorf("an offline host with an image went to %q", h.Status.Provisioning.State)
	}
	if n := countEvents(t, sys, name, "ProvisioningStarted", ""); n != 0 {
		t.Errorf("%d ProvisioningStarted events for an offline host", n)
	}
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = true })
	sys.WaitForHost(t, name, stepTimeout, "provisioned and on", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.PoweredOn
	})
}

func TestAPasswordInAnImageURLNeverReachesEventsOrStatus(t *testing.T) {
	const name, password = "image-password", "hunter2-s3cret"
	newHost(t, sys, name, "52:54:00:a5:02:01", func(h *metal3.BareMetalHost) {
		img := framework.TestImage()
		img.URL = "http://deployer:" + password + "@images.example.test/os.qcow2"
		h.Spec.Image = img
	})
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	texts := append(sys.Events(t, name), h.Status.ErrorMessage)
	for _, c := range h.Status.Conditions {
		texts = append(texts, c.Message)
	}
	for _, s := range texts {
		if strings.Contains(s, password) {
			t.Errorf("the password reached %q", s)
		}
	}
	if countEvents(t, sys, name, "ProvisioningStarted", "images.example.test/os.qcow2") != 1 {
		t.Errorf("no ProvisioningStarted event naming the image; events %q", sys.Events(t, name))
	}
}
