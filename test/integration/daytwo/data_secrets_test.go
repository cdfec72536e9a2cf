package daytwo

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// networkData is network_data.json as Ironic's schema accepts it, for a host with the MAC.
func networkData(mac, id string) map[string]any {
	return map[string]any{
		"links":    []any{map[string]any{"id": id, "type": "phy", "ethernet_mac_address": mac}},
		"networks": []any{map[string]any{"id": id + "-net", "type": "ipv4_dhcp", "link": id, "network_id": id + "-net"}},
		"services": []any{},
	}
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedConfigDrive is the config drive of the host's node as Ironic stored it (its API masks it).
func storedConfigDrive(t *testing.T, h *metal3.BareMetalHost) map[string]any {
	t.Helper()
	info, err := sys.Ironic.StoredInstanceInfo(h.Status.Provisioning.ID)
	if err != nil {
		t.Fatal(err)
	}
	cd, ok := info["configdrive"].(map[string]any)
	if !ok {
		t.Fatalf("the node's stored config drive is %T, want the dict sent with the deploy", info["configdrive"])
	}
	return cd
}

// TestDataSecretsFallBackToTheValueKey: as in metal3, user, network and meta data Secrets that
// hold their data under "value" (the key CAPM3 and the metal3 docs' examples use) are read, and
// the config drive Ironic received carries all three.
func TestDataSecretsFallBackToTheValueKey(t *testing.T) {
	const name, mac = "value-key", "52:54:00:71:07:21"
	nd := networkData(mac, "value-eth0")
	sys.Secret(t, name+"-ud", map[string]string{"value": "#cloud-config\nhostname: value-key\n"})
	sys.Secret(t, name+"-nd", map[string]string{"value": jsonText(t, nd)})
	sys.Secret(t, name+"-md", map[string]string{"value": "rack: r7\n"})
	newHost(t, name, mac, withImage, func(h *metal3.BareMetalHost) {
		h.Spec.UserData = &corev1.SecretReference{Name: name + "-ud"}
		h.Spec.NetworkData = &corev1.SecretReference{Name: name + "-nd"}
		h.Spec.MetaData = &corev1.SecretReference{Name: name + "-md"}
	})
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	cd := storedConfigDrive(t, h)
	if cd["user_data"] != "#cloud-config\nhostname: value-key\n" {
		t.Errorf("config drive user_data %q", cd["user_data"])
	}
	if diff := cmp.Diff(nd, cd["network_data"]); diff != "" {
		t.Errorf("config drive network_data (-want +got):\n%s", diff)
	}
	if md, _ := cd["meta_data"].(map[string]any); md["rack"] != "r7" || md["metal3-name"] != name {
		t.Errorf("config drive meta_data %v, want rack r7 beside the host's identity", cd["meta_data"])
	}
}

// TestPreprovisioningNetworkDataReachesTheNodeAndTheConfigDrive: spec.preprovisioningNetworkDataName
// becomes the node's network_data (for the ramdisk) at registration and follows the Secret;
// with no spec.networkData it is also the config drive's network data, as in metal3. A Secret
// Ironic refuses, or that cannot be decoded, is a registration error that never quotes it.
func TestPreprovisioningNetworkDataReachesTheNodeAndTheConfigDrive(t *testing.T) {
	const name, mac = "preprov-nd", "52:54:00:71:07:22"
	first, second := networkData(mac, "preprov-eth0"), networkData(mac, "preprov-eth1")
	sys.Secret(t, name+"-nd", map[string]string{"networkData": jsonText(t, first)})
	newHost(t, name, mac, func(h *metal3.BareMetalHost) { h.Spec.PreprovisioningNetworkDataName = name + "-nd" })
	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	if diff := cmp.Diff(first, sys.Node(t, h.Status.Provisioning.ID).NetworkData); diff != "" {
		t.Errorf("node network_data (-want +got):\n%s", diff)
	}

	sys.Secret(t, name+"-nd", map[string]string{"networkData": jsonText(t, second)})
	waitNetworkData(t, h.Status.Provisioning.ID, second)

	sys.UpdateHost(t, name, withImage)
	h = sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if diff := cmp.Diff(second, storedConfigDrive(t, h)["network_data"]); diff != "" {
		t.Errorf("config drive network_data (-want +got):\n%s", diff)
	}

	// Refused by Ironic's network_data schema (whose message quotes the bad link type), then
	// undecodable: the provisioned host reports it and keeps running; the Secret's values are
	// never quoted.
	const secretValue = "hunter2-link-type"
	sys.Secret(t, name+"-nd", map[string]string{"networkData": `{"links": [{"id": "l0", "type": "` + secretValue +
		`", "ethernet_mac_address": "` + mac + `"}], "networks": [], "services": []}`})
	h = waitRegistrationError(t, name, "network_data")
	sys.Secret(t, name+"-nd", map[string]string{"networkData": "links: [" + secretValue})
	h = waitRegistrationError(t, name, "invalid preprovisioningNetworkData")
	for _, e := range sys.Events(t, name) {
		if strings.Contains(e, secretValue) {
			t.Errorf("an Event quotes the Secret: %s", e)
		}
	}
	if h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("state %q, want the host still provisioned", h.Status.Provisioning.State)
	}
	sys.Secret(t, name+"-nd", map[string]string{"networkData": jsonText(t, first)})
	waitNetworkData(t, h.Status.Provisioning.ID, first)
	sys.WaitForHost(t, name, stepTimeout, "the error cleared", func(h *metal3.BareMetalHost) bool { return h.Status.ErrorType == "" })
}

func waitNetworkData(t *testing.T, id string, want map[string]any) {
	t.Helper()
	sys.WaitForHost(t, "preprov-nd", stepTimeout, "the node's network_data to follow the Secret", func(*metal3.BareMetalHost) bool {
		return cmp.Equal(want, sys.Node(t, id).NetworkData)
	})
}

func waitRegistrationError(t *testing.T, name, substr string) *metal3.BareMetalHost {
	t.Helper()
	h := sys.WaitForHost(t, name, stepTimeout, "a registration error naming "+substr, func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.ProvisionedRegistrationError && strings.Contains(h.Status.ErrorMessage, substr)
	})
	if strings.Contains(h.Status.ErrorMessage, "hunter2") {
		t.Errorf("errorMessage quotes the Secret: %s", h.Status.ErrorMessage)
	}
	t.Logf("error: %s", h.Status.ErrorMessage)
	return h
}

// TestAHostWhosePreprovisioningNetworkDataIsGoneIsStillDeleted: a deleted Secret is an error
// of the host's state (the node cannot be registered again) while the host lives, and, as in metal3, does not hold up its deletion.
func TestAHostWhosePreprovisioningNetworkDataIsGoneIsStillDeleted(t *testing.T) {
	const name, mac = "preprov-gone", "52:54:00:71:07:23"
	sys.Secret(t, name+"-nd", map[string]string{"networkData": jsonText(t, networkData(mac, "gone-eth0"))})
	newHost(t, name, mac, func(h *metal3.BareMetalHost) { h.Spec.PreprovisioningNetworkDataName = name + "-nd" })
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	ctx := context.Background()
	if err := sys.Env.Kube.CoreV1().Secrets(framework.Namespace).Delete(ctx, name+"-nd", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "failed to read preprovisioningNetworkData: preprovisioning network data Secret default/" + name + "-nd not found"
	sys.WaitForHost(t, name, stepTimeout, "an error naming the missing Secret", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType != "" && h.Status.ErrorMessage == want
	})
	if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, name, stepTimeout)
}
