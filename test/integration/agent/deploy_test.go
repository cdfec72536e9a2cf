package agent

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// TestDirectDeployThroughTheAgent takes a fake-agent host through its lifecycle: the agent
// cleans it before it becomes available (automatedCleaningMode metadata), downloads and checks
// the image and receives the config drive on provisioning, and cleans again on
// deprovisioning.
func TestDirectDeployThroughTheAgent(t *testing.T) {
	const name, mac = "agent-0", "52:54:00:20:00:01"
	images := newImageServer(t)
	userData := "#cloud-config\nhostname: agent-0\n"
	sys.Secret(t, name+"-user-data", map[string]string{"userData": userData})
	sys.Secret(t, name+"-network-data", map[string]string{"networkData": `{"links": [{"id": "enp1s0", "type": "phy", "ethernet_mac_address": "52:54:00:20:00:01"}], "networks": [], "services": []}`})
	created := sys.CreateHost(t, agentHost(t, name, mac, metal3.CleaningModeMetadata))

	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	id := h.Status.Provisioning.ID
	if n := sys.Node(t, id); n.DeployInterface != "direct" || n.Driver != "fake-hardware" {
		t.Fatalf("node driver %q deploy interface %q, want fake-hardware with direct", n.Driver, n.DeployInterface)
	}
	st := agent.Node(id)
	// Inspected in band: the agent posted the simulated system's inventory to ironic-inspector.
	if n := sys.Node(t, id); st.Inspections != 1 || n.InspectInterface != "inspector" {
		t.Errorf("inspect interface %q, inventories posted %d: want one in-band inspection", n.InspectInterface, st.Inspections)
	}
	checkSimulatedHardware(t, h.Status.HardwareDetails, mac)
	if st.Cleans != 1 || st.CleanSteps["erase_devices_metadata"] != 1 || st.CleanSteps["erase_devices"] != 0 {
		t.Errorf("before available the agent cleaned %d times with steps %v, want once with erase_devices_metadata only", st.Cleans, st.CleanSteps)
	}

	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.Image = images.imageWith(images.sha256, metal3.ChecksumSHA256)
		h.Spec.UserData = &corev1.SecretReference{Name: name + "-user-data"}
		h.Spec.NetworkData = &corev1.SecretReference{Name: name + "-network-data"}
	})
	h = sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	st = agent.Node(id)
	if st.Deploys != 1 || st.Downloads != 1 || st.DownloadedBytes != int64(len(images.image)) || st.ImageDigest != images.sha256 {
		t.Errorf("agent record after provisioning: deploys %d downloads %d bytes %d digest %s", st.Deploys, st.Downloads, st.DownloadedBytes, st.ImageDigest)
	}
	if got := images.Gets("/os.raw"); got != 1 {
		t.Errorf("the image was downloaded %d times, want once", got)
	}
	if st.Running {
		t.Error("the agent still runs after the deploy powered it off")
	}
	cd := st.ConfigDrive
	if cd == nil {
		t.Fatal("the agent received no config drive")
	}
	if cd.UserData != userData {
		t.Errorf("config drive user data %q, want %q", cd.UserData, userData)
	}
	if links, _ := cd.NetworkData["links"].([]any); len(links) != 1 || links[0].(map[string]any)["id"] != "enp1s0" {
		t.Errorf("config drive network data %v", cd.NetworkData)
	}
	for k, want := range map[string]string{
		"metal3-namespace": framework.Namespace, "metal3-name": name, "local-hostname": name, "uuid": string(created.UID),
	} {
		if got := cd.MetaData[k]; got != want {
			t.Errorf("config drive meta data %s = %v, want %q (all: %v)", k, got, want, cd.MetaData)
		}
	}
	if n := sys.Node(t, id); n.ProvisionState != "active" || n.PowerState != "power on" {
		t.Errorf("provisioned node is %s, %s", n.ProvisionState, n.PowerState)
	}

	// Deprovisioning cleans through the agent again.
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = nil })
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	if st = agent.Node(id); st.Cleans != 2 || st.CleanSteps["erase_devices_metadata"] != 2 {
		t.Errorf("after deprovisioning the agent cleaned %d times with steps %v, want twice", st.Cleans, st.CleanSteps)
	}
	deleteHost(t, name)
}

// TestWrongChecksumFailsTheDeployUntilFixed: the agent refuses an image whose checksum does
// not match; the host shows the agent's message as a provisioning error with an Event, and
// provisions once the checksum is fixed. Cleaning is disabled: the agent never cleans.
func TestWrongChecksumFailsTheDeployUntilFixed(t *testing.T) {
	const name, mac = "agent-checksum", "52:54:00:20:00:02"
	images := newImageServer(t)
	id := availableWithoutCleaning(t, name, mac)

	wrong := strings.Repeat("0", 32)
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = images.imageWith(wrong, metal3.ChecksumMD5) })
	h := provisioningError(t, name, "Image failed to verify against checksum")
	t.Logf("error message: %s", h.Status.ErrorMessage)
	for _, want := range []string{"deploy.write_image failed", "image checksum: " + wrong, "verification checksum: " + images.md5} {
		if !strings.Contains(h.Status.ErrorMessage, want) {
			t.Errorf("error message %q lacks %q", h.Status.ErrorMessage, want)
		}
	}
	sys.WaitForEvent(t, name, "ProvisioningError", "Image failed to verify against checksum", stepTimeout)
	if st := agent.Node(id); st.FailedDeploys == 0 || st.Deploys != 0 {
		t.Errorf("agent record: %d failed and %d good deploys", st.FailedDeploys, st.Deploys)
	}

	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = images.imageWith(images.md5, metal3.ChecksumMD5) })
	h = sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if h.Status.ErrorType != "" {
		t.Errorf("provisioned with error %s: %s", h.Status.ErrorType, h.Status.ErrorMessage)
	}
	if st := agent.Node(id); st.Deploys != 1 || st.ImageDigest != images.md5 || st.Cleans != 0 {
		t.Errorf("agent record after the fix: deploys %d digest %s cleans %d", st.Deploys, st.ImageDigest, st.Cleans)
	}
	deleteHost(t, name)
}

// TestMissingImageFailsTheDeployUntilFixed: an image URL that answers 404 fails the deploy
// with Ironic's message (it checks the URL before the agent boots), a checksum file that
// answers 404 with the agent's, and a good URL with a good checksum file provisions.
func TestMissingImageFailsTheDeployUntilFixed(t *testing.T) {
	const name, mac = "agent-404", "52:54:00:20:00:03"
	images := newImageServer(t)
	id := availableWithoutCleaning(t, name, mac)

	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.Image = images.imageWith(images.sha512, metal3.ChecksumSHA512)
		h.Spec.Image.URL = images.URL + "/missing.raw"
	})
	h := provisioningError(t, name, "404")
	t.Logf("error message: %s", h.Status.ErrorMessage)
	if !strings.Contains(h.Status.ErrorMessage, images.URL+"/missing.raw") {
		t.Errorf("error message %q does not name the URL", h.Status.ErrorMessage)
	}
	sys.WaitForEvent(t, name, "ProvisioningError", "404", stepTimeout)

	// The image is there, its checksum file is not: Ironic does not read checksum files, the
	// agent does and fails the write.
	missingSum := images.URL + "/missing.sha256sum"
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = images.imageWith(missingSum, "") })
	h = provisioningError(t, name, "Download of image "+missingSum+" failed: Received status code 404 from "+missingSum)
	t.Logf("error message: %s", h.Status.ErrorMessage)

	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.Image = images.imageWith(images.URL+"/os.raw.sha256sum", "")
	})
	sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	if st := agent.Node(id); st.Deploys != 1 || st.ImageDigest != images.sha256 {
		t.Errorf("agent record after the fix: deploys %d digest %s", st.Deploys, st.ImageDigest)
	}
	if images.Gets("/os.raw.sha256sum") == 0 {
		t.Error("the agent never fetched the checksum file")
	}
	deleteHost(t, name)
}

func deleteHost(t *testing.T, name string) {
	t.Helper()
	if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, name, stepTimeout)
}

// availableWithoutCleaning creates a fake-agent host with automated cleaning disabled and
// returns its node once it is available.
func availableWithoutCleaning(t *testing.T, name, mac string) string {
	t.Helper()
	sys.CreateHost(t, agentHost(t, name, mac, metal3.CleaningModeDisabled))
	return sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout).Status.Provisioning.ID
}
