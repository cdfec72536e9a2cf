package clients

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/controller/host"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

// capm3PausedValue is the value CAPM3 gives the paused annotation.
const capm3PausedValue = "metal3.io/capm3"

// capm3StatusAnnotation writes a host's status the way CAPM3 (built on metal3's v0.14 API
// types) does before a move: the whole status, round-tripped through a map, "hardware" deleted,
// provisioningFailCount always present, plus a field this project does not model.
func capm3StatusAnnotation(t *testing.T, st metal3.BareMetalHostStatus) string {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "hardware")
	delete(m, "conditions")
	m["provisioningFailCount"] = 0
	m["aFieldOfALaterMetal3"] = map[string]any{"x": 1}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// move moves hosts from src to dst as clusterctl move with CAPM3 does: pause each host in the
// source and write its status annotation; create its credentials Secret, the host (paused, no
// status) and its HardwareData (owner reference rewritten to the new host) in the target; remove
// the source's finalizers and delete it there; then unpause in the target.
func move(t *testing.T, src, dst *framework.System, names ...string) {
	t.Helper()
	ctx := context.Background()
	srcHosts := src.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace)
	dstHosts := dst.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace)
	for _, name := range names {
		annotate(t, src, name, hoststate.PausedAnnotation, capm3PausedValue)
		h := src.Host(t, name)
		annotate(t, src, name, hoststate.StatusAnnotation, capm3StatusAnnotation(t, h.Status))
		h = src.Host(t, name)

		sec, err := src.Env.Kube.CoreV1().Secrets(framework.Namespace).Get(ctx, h.Spec.BMC.CredentialsName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dst.Credentials(t, sec.Name, string(sec.Data["username"]), string(sec.Data["password"]))
		moved := &metal3.BareMetalHost{
			ObjectMeta: metav1.ObjectMeta{Name: h.Name, Namespace: h.Namespace, Labels: h.Labels, Annotations: h.Annotations,
				Finalizers: h.Finalizers},
			Spec: h.Spec,
		}
		created, err := dstHosts.Create(ctx, moved, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { deleteHost(dst, name) })
		if hd, err := src.Env.Metal3.Metal3V1alpha1().HardwareDatas(framework.Namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
			yes := true
			copyHD := &metal3.HardwareData{
				ObjectMeta: metav1.ObjectMeta{Name: hd.Name, Namespace: hd.Namespace, Finalizers: hd.Finalizers,
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "metal3.io/v1alpha1", Kind: "BareMetalHost", Name: name,
						UID: created.UID, Controller: &yes, BlockOwnerDeletion: &yes}}},
				Spec: hd.Spec,
			}
			if _, err := dst.Env.Metal3.Metal3V1alpha1().HardwareDatas(framework.Namespace).Create(ctx, copyHD, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := srcHosts.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := srcHosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		src.WaitForGone(t, name, stepTimeout)
	}
	for _, name := range names {
		unannotate(t, dst, name, hoststate.PausedAnnotation)
	}
}

func TestAClusterctlMovePivotsHostsWithoutCleaningDeployingOrPoweringOffAnyServer(t *testing.T) {
	peer, err := sys.StartPeer(framework.Options{Workers: 4})
	if err != nil {
		t.Fatalf("cannot start the target cluster: %v", err)
	}
	defer peer.StopPeer()

	const provisioned, available, external = "pivot-provisioned", "pivot-available", "pivot-external"
	newHost(t, sys, provisioned, "52:54:00:a1:00:01", withImage)
	newHost(t, sys, available, "52:54:00:a1:00:02")
	newHost(t, sys, external, "52:54:00:a1:00:03", withImage, func(h *metal3.BareMetalHost) { h.Spec.ExternallyProvisioned = true })
	want := map[string]metal3.ProvisioningState{
		provisioned: metal3.StateProvisioned, available: metal3.StateAvailable, external: metal3.StateExternallyProvisioned,
	}
	before := map[string]*metal3.BareMetalHost{}
	for name, state := range want {
		before[name] = sys.WaitForHost(t, name, stepTimeout, string(state)+" and powered on", func(h *metal3.BareMetalHost) bool {
			return h.Status.Provisioning.State == state && h.Status.PoweredOn && h.Status.ErrorType == ""
		})
	}
	if before[provisioned].Status.HardwareDetails == nil || before[available].Status.HardwareDetails == nil {
		t.Fatal("the source hosts were not inspected; the test needs their hardware")
	}

	move(t, sys, peer, provisioned, available, external)

	for name, state := range want {
		h := peer.WaitForHost(t, name, stepTimeout, "restored and settled", func(h *metal3.BareMetalHost) bool {
			return h.Status.Provisioning.State == state && !hasAnnotation(h, hoststate.StatusAnnotation) &&
				h.Status.ErrorType == "" && h.Status.GoodCredentials.Version != "" &&
				h.Status.GoodCredentials.Version != before[name].Status.GoodCredentials.Version
		})
		if h.Status.Provisioning.ID != before[name].Status.Provisioning.ID {
			t.Errorf("%s: node %s after the move, %s before", name, h.Status.Provisioning.ID, before[name].Status.Provisioning.ID)
		}
		if wantHW := before[name].Status.HardwareDetails; wantHW != nil &&
			(h.Status.HardwareDetails == nil || h.Status.HardwareDetails.Hostname != wantHW.Hostname || len(h.Status.HardwareDetails.NIC) != len(wantHW.NIC)) {
			t.Errorf("%s: status.hardware %+v after the move, want the moved HardwareData's %+v", name, h.Status.HardwareDetails, wantHW)
		}
		n, err := node(h.Status.Provisioning.ID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantNode := map[metal3.ProvisioningState]string{metal3.StateAvailable: "available"}[state]
		if wantNode == "" {
			wantNode = "active"
		}
		if n.ProvisionState != wantNode || n.PowerState != "power on" {
			t.Errorf("%s: Ironic node %s, %s after the move; want %s, power on", name, n.ProvisionState, n.PowerState, wantNode)
		}
		if countEvents(t, peer, name, "StatusRestored", "") != 1 {
			t.Errorf("%s: events %q, want one StatusRestored", name, peer.Events(t, name))
		}
	}
	// Settle: a few more node polls must not change anything either.
	time.Sleep(3 * time.Second)
	if c := costly(peer.Transport.Targets()); len(c) > 0 {
		t.Errorf("the target cluster's controller asked Ironic for %v; a pivot may only adopt or manage", c)
	}
	hd, err := peer.Env.Metal3.Metal3V1alpha1().HardwareDatas(framework.Namespace).Get(context.Background(), provisioned, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(hd.Finalizers, host.HardwareDataFinalizer) {
		t.Errorf("HardwareData finalizers %v, want %s", hd.Finalizers, host.HardwareDataFinalizer)
	}
	if len(hd.OwnerReferences) != 1 || hd.OwnerReferences[0].Controller == nil || !*hd.OwnerReferences[0].Controller {
		t.Errorf("HardwareData owner references %+v, want one controller reference", hd.OwnerReferences)
	}
}

func TestAnUndecodableStatusAnnotationHoldsTheHostUntilItIsFixed(t *testing.T) {
	const name, mac = "pivot-broken", "52:54:00:a1:01:01"
	newHost(t, sys, name, mac, withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	good := capm3StatusAnnotation(t, h.Status)
	id := h.Status.Provisioning.ID
	// Move it within the cluster: the running host is recreated with a broken status annotation.
	annotate(t, sys, name, hoststate.PausedAnnotation, capm3PausedValue)
	ctx := context.Background()
	hosts := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace)
	if _, err := hosts.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := hosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, name, stepTimeout)
	targets := sys.Transport.Targets()
	posts := sys.Transport.Counts()["POST /v1/nodes"]
	newHost(t, sys, name, mac, withImage, func(h *metal3.BareMetalHost) {
		h.Annotations = map[string]string{hoststate.StatusAnnotation: good[:len(good)/2]}
	})
	h = sys.WaitForHost(t, name, stepTimeout, "an error naming the annotation", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError && h.Status.Provisioning.State == ""
	})
	sys.WaitForEvent(t, name, "RegistrationError", hoststate.StatusAnnotation, 10*time.Second)
	time.Sleep(3 * time.Second)
	if h = sys.Host(t, name); h.Status.Provisioning.State != "" || !hasAnnotation(h, hoststate.StatusAnnotation) {
		t.Errorf("state %q, annotation kept %v: the host was treated as new", h.Status.Provisioning.State, hasAnnotation(h, hoststate.StatusAnnotation))
	}
	if d := diffTargets(targets, sys.Transport.Targets()); len(d) > 0 || sys.Transport.Counts()["POST /v1/nodes"] != posts {
		t.Errorf("Ironic was asked for %v (and %d node creations) while the annotation was undecodable",
			d, sys.Transport.Counts()["POST /v1/nodes"]-posts)
	}
	annotate(t, sys, name, hoststate.StatusAnnotation, good)
	h = sys.WaitForHost(t, name, stepTimeout, "restored once fixed", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.ErrorType == "" && !hasAnnotation(h, hoststate.StatusAnnotation)
	})
	if h.Status.Provisioning.ID != id {
		t.Errorf("node %s after the restore, want %s", h.Status.Provisioning.ID, id)
	}
	if c := costly(diffTargets(targets, sys.Transport.Targets())); len(c) > 0 {
		t.Errorf("Ironic was asked for %v during the restore", c)
	}
}
