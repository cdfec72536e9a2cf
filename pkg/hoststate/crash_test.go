package hoststate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// The crash test runs one host through its whole life — registered, inspected, prepared,
// provisioned with image A, deprovisioned, provisioned with image B, deleted — against the
// simulated Ironic with nothing failing, and records what Ironic was asked to do. It then runs
// the same life again once for every step, losing that step's status write after Ironic acted
// on it (a controller killed between the two), and once more losing the writes of several
// steps in a row (an API server that is down). Each run must reach the same end, and Ironic
// must have deployed and cleaned exactly as often as without the loss.

// crashLife is one variant of a host's life.
type crashLife struct {
	name     string
	inspect  bool
	clean    bool
	external bool
}

var crashLives = []crashLife{
	{name: "inspected and cleaned", inspect: true, clean: true},
	{name: "not inspected, not cleaned"},
	{name: "externally provisioned", inspect: true, clean: true, external: true},
}

// crashRun is what one life cost in Ironic.
type crashRun struct {
	steps        int
	deploys      int
	provides     int // makes the node available; cleans it when cleaning is on
	undeploys    int // tears the image down; cleans the node when cleaning is on
	inspections  int
	nodesCreated int
	lostWrites   int
}

func (r crashRun) String() string {
	return fmt.Sprintf("%d deploys, %d provides, %d undeploys, %d inspections, %d nodes created (%d steps, %d writes lost)",
		r.deploys, r.provides, r.undeploys, r.inspections, r.nodesCreated, r.steps, r.lostWrites)
}

func TestEveryLostStatusWriteConverges(t *testing.T) {
	for _, life := range crashLives {
		t.Run(life.name, func(t *testing.T) {
			ref, ok := runCrashLife(t, life, 1, nil)
			if !ok {
				t.Fatalf("the life without any lost write did not complete")
			}
			t.Logf("without lost writes: %v", ref)
			if ref.deploys == 0 && !life.external {
				t.Fatalf("the reference life deployed nothing: %v", ref)
			}
			runs := 0
			for _, width := range []int{1, 3, 12} {
				for k := 0; k < ref.steps; k++ {
					lost := func(step int) bool { return step >= k && step < k+width }
					got, ok := runCrashLife(t, life, 1, lost)
					runs++
					if !ok {
						return // runCrashLife reported it
					}
					if got.deploys != ref.deploys || got.provides != ref.provides || got.undeploys != ref.undeploys {
						t.Fatalf("losing the writes of steps %d to %d: %v; without the loss: %v", k, k+width-1, got, ref)
					}
					// A lost write may repeat an inspection (a node that is manageable again
					// does not say whether it was inspected); never more than once per loss.
					if got.inspections > ref.inspections+1 || got.nodesCreated != ref.nodesCreated {
						t.Fatalf("losing the writes of steps %d to %d: %v; without the loss: %v", k, k+width-1, got, ref)
					}
				}
			}
			t.Logf("%d lives with lost writes, each converged with the same deploys, provides and undeploys", runs)
		})
	}
}

// runCrashLife runs one life; ok=false when it failed the test.
func runCrashLife(t *testing.T, life crashLife, seed uint64, lost func(int) bool) (crashRun, bool) {
	t.Helper()
	s := &simulation{
		t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0xc4a5)), now: t0, power: provisioner.PowerOff,
		creds: Credentials{Reference: corev1.SecretReference{Name: secretName, Namespace: "metal"}, Version: secretVersion},
		host: &metal3.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: "host-0", Namespace: "metal", Generation: 1, Finalizers: []string{metal3.BareMetalHostFinalizer}},
			Spec: metal3.BareMetalHostSpec{
				BMC:                   metal3.BMCDetails{Address: bmcAddress, CredentialsName: secretName},
				BootMACAddress:        "52:54:00:12:34:56",
				Online:                true,
				Image:                 imgA.DeepCopy(),
				ExternallyProvisioned: life.external,
			},
		},
		loseWrite: lost,
	}
	if !life.inspect {
		s.host.Spec.InspectionMode = metal3.InspectionModeDisabled
	}
	if !life.clean {
		s.host.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
	}
	phases := []struct {
		name   string
		change func(h *metal3.BareMetalHost)
		done   func() bool
	}{
		{"reach the goal with image A", nil, s.reachedGoal},
		{"remove the image", func(h *metal3.BareMetalHost) { h.Spec.Image = nil }, func() bool {
			if life.external {
				return s.reachedGoal() // an externally provisioned host is never deprovisioned
			}
			n := s.node
			return s.host.Status.Provisioning.State == stAvailable && s.host.Status.Provisioning.Image.URL == "" &&
				n != nil && n.ProvisionState == available && n.Stable()
		}},
		{"provision image B", func(h *metal3.BareMetalHost) { h.Spec.Image = imgB.DeepCopy() }, func() bool {
			n := s.node
			return s.host.Status.Provisioning.State == s.goal() && n != nil && n.ProvisionState == active && n.Stable() &&
				(life.external || (s.host.Status.Provisioning.Image.URL == imgB.URL && n.ImageURL == imgB.URL))
		}},
		{"delete", func(*metal3.BareMetalHost) { s.delete() }, func() bool { return s.gone }},
	}
	for _, p := range phases {
		s.phase = p.name
		if p.change != nil {
			p.change(s.host)
		}
		if !s.runUntil(p.done) {
			s.failf("the host did not get through %q within %d steps", p.name, calmBound)
			return crashRun{}, false
		}
	}
	lastTrace = s.trace
	if s.node != nil {
		s.failf("the host was released but its node %s is still in Ironic", s.node.ID)
		return crashRun{}, false
	}
	return crashRun{
		steps: s.step, deploys: s.calls[ActionDeploy], provides: s.calls[ActionProvide], undeploys: s.calls[ActionUndeploy],
		inspections: s.calls[ActionInspect], nodesCreated: s.nodes, lostWrites: s.stats.lostWrites,
	}, !t.Failed()
}

var lastTrace []string
