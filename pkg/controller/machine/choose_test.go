package machine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

// availableHost is a host the actuator may claim.
func availableHost(name string, lbls map[string]string) *metal3.BareMetalHost {
	return &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: lbls, UID: types.UID("uid-" + name), ResourceVersion: "1"},
		Status: metal3.BareMetalHostStatus{
			Provisioning:      metal3.ProvisionStatus{State: metal3.StateAvailable},
			OperationalStatus: metal3.OperationalStatusOK,
		},
	}
}

func TestWhyNotClaimableNamesEachReasonAHostIsPassedOver(t *testing.T) {
	now := metav1.Now()
	cases := []struct {
		name   string
		change func(*metal3.BareMetalHost)
		want   string
	}{
		{"an available, free host can be claimed", func(*metal3.BareMetalHost) {}, ""},
		{"metal3's older spelling of available can be claimed", func(h *metal3.BareMetalHost) { h.Status.Provisioning.State = metal3.StateReady }, ""},
		{"a host being deleted cannot", func(h *metal3.BareMetalHost) { h.DeletionTimestamp = &now }, "being deleted"},
		{"a consumed host cannot", func(h *metal3.BareMetalHost) {
			h.Spec.ConsumerRef = &corev1.ObjectReference{Kind: "Machine", Name: "m"}
		}, "consumed by Machine m"},
		{"a host still inspecting cannot", func(h *metal3.BareMetalHost) { h.Status.Provisioning.State = metal3.StateInspecting }, `"inspecting", not available`},
		{"a provisioned host cannot", func(h *metal3.BareMetalHost) { h.Status.Provisioning.State = metal3.StateProvisioned }, "not available"},
		{"a host with an error cannot", func(h *metal3.BareMetalHost) { h.Status.ErrorType = metal3.PowerManagementError }, "power management error"},
		{"a paused host cannot", func(h *metal3.BareMetalHost) { h.Annotations = map[string]string{hoststate.PausedAnnotation: ""} }, "paused"},
		{"a detached host cannot", func(h *metal3.BareMetalHost) { h.Annotations = map[string]string{hoststate.DetachedAnnotation: ""} }, "detached"},
		{"an externally provisioned host cannot", func(h *metal3.BareMetalHost) { h.Spec.ExternallyProvisioned = true }, "externally provisioned"},
		{"a host already given an image cannot", func(h *metal3.BareMetalHost) { h.Spec.Image = &metal3.Image{URL: "http://x"} }, "already asks for an image"},
		{"a host given a custom deploy cannot", func(h *metal3.BareMetalHost) { h.Spec.CustomDeploy = &metal3.CustomDeploy{Method: "x"} }, "already asks for an image"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := availableHost("h", nil)
			tc.change(h)
			got := whyNotClaimable(h)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("whyNotClaimable = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClaimableHostsAreTheFreeOnesTheSelectorMatches(t *testing.T) {
	busy := availableHost("busy", map[string]string{"rack": "r1"})
	busy.Spec.ConsumerRef = &corev1.ObjectReference{Kind: "Machine", Name: "m"}
	hosts := []*metal3.BareMetalHost{
		availableHost("c", map[string]string{"rack": "r1"}),
		availableHost("a", map[string]string{"rack": "r1"}),
		availableHost("b", map[string]string{"rack": "r2"}),
		busy,
	}
	sel, err := baremetal.HostSelector{MatchLabels: map[string]string{"rack": "r1"}}.Selector()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range claimableHosts(hosts, sel) {
		got = append(got, h.Name)
	}
	if diff := cmp.Diff([]string{"a", "c"}, got); diff != "" {
		t.Errorf("claimable hosts (-want +got):\n%s", diff)
	}
	if n := len(claimableHosts(hosts, labels.Everything())); n != 3 {
		t.Errorf("an empty selector allows %d hosts, want 3", n)
	}
}

func TestConsumerKeyOnlyCountsMachines(t *testing.T) {
	cases := []struct {
		name string
		ref  *corev1.ObjectReference
		want string
	}{
		{"no consumer", nil, ""},
		{"a Machine in the host's namespace", &corev1.ObjectReference{Kind: "Machine", APIVersion: "machine.openshift.io/v1beta1", Name: "m"}, "ns/m"},
		{"a Machine elsewhere", &corev1.ObjectReference{Kind: "Machine", APIVersion: "machine.openshift.io/v1beta1", Name: "m", Namespace: "other"}, "other/m"},
		{"a Cluster API Machine is someone else's", &corev1.ObjectReference{Kind: "Machine", APIVersion: "cluster.x-k8s.io/v1beta1", Name: "m"}, ""},
		{"a Metal3Machine is someone else's", &corev1.ObjectReference{Kind: "Metal3Machine", APIVersion: "infrastructure.cluster.x-k8s.io/v1beta1", Name: "m"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := availableHost("h", nil)
			h.Spec.ConsumerRef = tc.ref
			if got := consumerKey(h); got != tc.want {
				t.Errorf("consumerKey = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHostSpecFromProviderSpec(t *testing.T) {
	t.Run("user data defaults to the Machine's namespace", func(t *testing.T) {
		spec := &baremetal.BareMetalMachineProviderSpec{
			Image:    baremetal.Image{URL: "http://x.test/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e", ChecksumType: "md5"},
			UserData: &corev1.SecretReference{Name: "ud"},
		}
		got, err := hostSpecFromProviderSpec(spec, "machines")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&metal3SecretRef{Name: "ud", Namespace: "machines"}, got.userData); diff != "" {
			t.Errorf("userData (-want +got):\n%s", diff)
		}
		if got.image == nil || got.image.URL != spec.Image.URL || got.image.ChecksumType != metal3.ChecksumMD5 {
			t.Errorf("image %+v", got.image)
		}
	})
	t.Run("an image the host controller would reject is reported on the provider spec's field", func(t *testing.T) {
		spec := &baremetal.BareMetalMachineProviderSpec{Image: baremetal.Image{URL: "http://x.test/os.qcow2", Checksum: "not-hex"}}
		_, err := hostSpecFromProviderSpec(spec, "ns")
		if err == nil || !strings.Contains(err.Error(), "spec.providerSpec.value.image.checksum") {
			t.Errorf("error %v does not name spec.providerSpec.value.image.checksum", err)
		}
	})
	t.Run("a custom deploy needs no image", func(t *testing.T) {
		spec := &baremetal.BareMetalMachineProviderSpec{CustomDeploy: &baremetal.CustomDeploy{Method: "install_coreos"}}
		got, err := hostSpecFromProviderSpec(spec, "ns")
		if err != nil || got.image != nil || got.customDeploy == nil || got.customDeploy.Method != "install_coreos" {
			t.Errorf("got %+v, %v", got, err)
		}
	})
}

func TestProviderIDAndRecordedHost(t *testing.T) {
	h := availableHost("host-0", nil)
	id := providerID(h)
	if id != "baremetalhost:///ns/host-0/uid-host-0" {
		t.Errorf("providerID = %q", id)
	}
	ns, name, uid, ok := parseProviderID(id)
	if !ok || ns != "ns" || name != "host-0" || uid != "uid-host-0" {
		t.Errorf("parseProviderID(%q) = %q %q %q %v", id, ns, name, uid, ok)
	}
	for _, bad := range []string{"", "aws:///us-east-1/i-1", "baremetalhost:///ns/host-0", "baremetalhost:////host/uid"} {
		if _, _, _, ok := parseProviderID(bad); ok {
			t.Errorf("parseProviderID(%q) accepted", bad)
		}
	}
	m := &machinev1.Machine{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "m"}}
	if _, _, ok := recordedHost(m); ok {
		t.Error("a new Machine records a host")
	}
	m.Spec.ProviderID = &id
	if ns, name, ok := recordedHost(m); !ok || ns != "ns" || name != "host-0" {
		t.Errorf("recordedHost from providerID = %q %q %v", ns, name, ok)
	}
	m.Annotations = map[string]string{HostAnnotation: "other/host-1"}
	if ns, name, ok := recordedHost(m); !ok || ns != "other" || name != "host-1" {
		t.Errorf("recordedHost from the annotation = %q %q %v", ns, name, ok)
	}
}
