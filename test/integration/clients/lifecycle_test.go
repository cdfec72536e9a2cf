package clients

import (
	"net/http"
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

func TestADeletionWhoseDeprovisioningKeepsFailingGivesUpAfterThreeFailures(t *testing.T) {
	const name = "undeletable"
	newHost(t, sys, name, "52:54:00:a6:00:01", withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	id := h.Status.Provisioning.ID
	// Ironic refuses every undeploy of this node.
	sys.Transport.FailIf(http.StatusBadRequest, func(method, path string, body []byte) bool {
		return method == http.MethodPut && strings.HasSuffix(path, id+"/states/provision") && strings.Contains(string(body), `"deleted"`)
	})
	defer sys.Transport.FailIf(0, nil)
	deleteHost(sys, name)
	sys.WaitForGone(t, name, 3*time.Minute)
	if _, err := node(id); err == nil {
		t.Errorf("node %s still exists after the host was released", id)
	}
	// The Events outlive the host (the three refusals are one Event, counted).
	if countEvents(t, sys, name, "DeprovisioningAbandoned", "failed 3 times") != 1 || countEvents(t, sys, name, "ProvisioningError", "deprovisioning") == 0 {
		t.Errorf("want the refusals and one DeprovisioningAbandoned event: %q", sys.Events(t, name))
	}
}

func TestDeleteActionDelayHoldsTheDeletionOfADetachedHost(t *testing.T) {
	const name = "detached-delay"
	newHost(t, sys, name, "52:54:00:a6:01:01", withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	id := h.Status.Provisioning.ID
	annotate(t, sys, name, hoststate.DetachedAnnotation, `{"deleteAction":"delay"}`)
	sys.WaitForHost(t, name, stepTimeout, "detached", func(h *metal3.BareMetalHost) bool {
		return h.Status.OperationalStatus == metal3.OperationalStatusDetached
	})
	before := sys.Transport.Targets()
	deleteHost(sys, name)
	time.Sleep(4 * time.Second)
	if h := sys.Host(t, name); h.DeletionTimestamp == nil {
		t.Fatal("the host is not being deleted")
	}
	unannotate(t, sys, name, hoststate.DetachedAnnotation)
	sys.WaitForGone(t, name, 2*time.Minute)
	// Once let go it goes at once: its node left Ironic when it was detached, and a host that
	// has no node is released without being registered again only to be wiped.
	if d := diffTargets(before, sys.Transport.Targets()); len(d) > 0 {
		t.Errorf("asked Ironic for %v after the annotation went, want nothing", d)
	}
	if _, err := node(id); err == nil {
		t.Errorf("the old node %s came back", id)
	}
}

func TestSwitchingExternallyProvisionedOnAndOffNeverDeploysOrCleans(t *testing.T) {
	const name = "external-switch"
	newHost(t, sys, name, "52:54:00:a6:02:01")
	h := sys.WaitForHost(t, name, stepTimeout, "available and on", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.PoweredOn
	})
	before := sys.Transport.Targets()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.ExternallyProvisioned = true; h.Spec.Image = nil })
	sys.WaitForHost(t, name, stepTimeout, "externally provisioned, node active", func(h *metal3.BareMetalHost) bool {
		if h.Status.Provisioning.State != metal3.StateExternallyProvisioned {
			return false
		}
		n, err := node(h.Status.Provisioning.ID)
		return err == nil && n.ProvisionState == "active"
	})
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.ExternallyProvisioned = false
		h.Spec.Image = &metal3.Image{URL: "http://images.example.test/what-it-runs.qcow2", Checksum: strings.Repeat("c", 32)}
	})
	h = sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if h.Status.Provisioning.Image.URL != "http://images.example.test/what-it-runs.qcow2" {
		t.Errorf("provisioned with image %q, want the spec's", h.Status.Provisioning.Image.URL)
	}
	time.Sleep(3 * time.Second)
	d := diffTargets(before, sys.Transport.Targets())
	if len(costly(d)) > 0 || d["provision adopt"] != 1 {
		t.Errorf("asked Ironic for %v; want one adoption and no deploy, clean or power-off", d)
	}
	if n := sys.Node(t, h.Status.Provisioning.ID); n.ProvisionState != "active" || n.PowerState != "power on" {
		t.Errorf("Ironic node %s, %s", n.ProvisionState, n.PowerState)
	}
}
