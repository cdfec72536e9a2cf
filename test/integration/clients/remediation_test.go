package clients

import (
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

// remediationKey and remediationValue are what CAPM3's Metal3Remediation and OpenShift's
// external remediation write to power a host off.
const (
	remediationKey   = hoststate.RebootAnnotation + "/metal3-remediation-5f0c7a2e"
	remediationValue = `{"mode":"hard","force":false}`
)

func TestARemediationPowersTheHostOffHoldsItOffAndPowersItBackOn(t *testing.T) {
	const name = "remediated"
	newHost(t, sys, name, "52:54:00:a2:00:01", withImage)
	h := sys.WaitForHost(t, name, stepTimeout, "provisioned and on", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.PoweredOn
	})
	before := sys.Transport.Targets()
	annotate(t, sys, name, remediationKey, remediationValue)
	sys.WaitForHost(t, name, stepTimeout, "powered off", func(h *metal3.BareMetalHost) bool { return !h.Status.PoweredOn })
	if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power off" {
		t.Errorf("Ironic reports %q while the remediation holds the host off", p)
	}
	if d := diffTargets(before, sys.Transport.Targets()); d["power power off"] != 1 {
		t.Errorf("asked Ironic for %v, want one hard power-off", d)
	}
	time.Sleep(3 * time.Second)
	if h := sys.Host(t, name); h.Status.PoweredOn || h.Status.ErrorType != "" || !hasAnnotation(h, remediationKey) {
		t.Errorf("while held: poweredOn %v, error %q, annotation kept %v", h.Status.PoweredOn, h.Status.ErrorMessage, hasAnnotation(h, remediationKey))
	}
	unannotate(t, sys, name, remediationKey)
	sys.WaitForHost(t, name, stepTimeout, "powered on again", func(h *metal3.BareMetalHost) bool { return h.Status.PoweredOn })
	if h := sys.Host(t, name); h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("after the remediation the host is %q", h.Status.Provisioning.State)
	}
	if c := diffTargets(before, sys.Transport.Targets()); c["provision deleted"]+c["provision active"] > 0 {
		t.Errorf("the remediation deprovisioned or deployed: %v", c)
	}
}

func TestAnAvailableHostObeysOnlyForcedPowerRequests(t *testing.T) {
	const name = "remediation-available"
	newHost(t, sys, name, "52:54:00:a2:01:01")
	sys.WaitForHost(t, name, stepTimeout, "available and on", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.PoweredOn
	})
	annotate(t, sys, name, remediationKey, remediationValue)
	time.Sleep(3 * time.Second)
	if h := sys.Host(t, name); !h.Status.PoweredOn {
		t.Error("an available host was powered off by a request without force")
	}
	annotate(t, sys, name, remediationKey, `{"mode":"hard","force":true}`)
	sys.WaitForHost(t, name, stepTimeout, "powered off by the forced request", func(h *metal3.BareMetalHost) bool { return !h.Status.PoweredOn })
	unannotate(t, sys, name, remediationKey)
	sys.WaitForHost(t, name, stepTimeout, "powered on again", func(h *metal3.BareMetalHost) bool { return h.Status.PoweredOn })
}
