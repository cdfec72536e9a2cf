package daytwo

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/test/framework"
)

func TestExternallyProvisionedHostsAreAdoptedNeverDeployedAndPowerManaged(t *testing.T) {
	const name = "external"
	newHost(t, name, "52:54:00:71:00:01", withImage, func(h *metal3.BareMetalHost) { h.Spec.ExternallyProvisioned = true })
	h := sys.WaitForState(t, name, metal3.StateExternallyProvisioned, stepTimeout)
	h = sys.WaitForHost(t, name, stepTimeout, "node active and powered on", func(h *metal3.BareMetalHost) bool {
		return h.Status.PoweredOn && h.Status.Provisioning.ID != "" && sys.Node(t, h.Status.Provisioning.ID).ProvisionState == "active"
	})
	if countEvents(t, name, "ProvisioningStarted", "") != 0 || countEvents(t, name, "InspectionStarted", "") != 0 {
		t.Errorf("an externally provisioned host was inspected or deployed: %q", sys.Events(t, name))
	}
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = false })
	sys.WaitForHost(t, name, stepTimeout, "powered off", func(h *metal3.BareMetalHost) bool { return !h.Status.PoweredOn })
	if p := sys.Node(t, h.Status.Provisioning.ID).PowerState; p != "power off" {
		t.Errorf("online=false, Ironic reports %q", p)
	}
}

func TestAPausedHostIsLeftAloneEntirely(t *testing.T) {
	const name = "paused"
	newHost(t, name, "52:54:00:71:01:01")
	h := sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	annotate(t, name, hoststate.PausedAnnotation, "")
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = false; h.Spec.Image = framework.TestImage() })
	before := sys.Host(t, name)
	time.Sleep(4 * time.Second)
	after := sys.Host(t, name)
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a paused host was written to: status %+v", after.Status)
	}
	if n := sys.Node(t, h.Status.Provisioning.ID); n.ProvisionState != "available" || n.PowerState != "power on" {
		t.Errorf("a paused host's node changed: %s, %s", n.ProvisionState, n.PowerState)
	}
	unannotate(t, name, hoststate.PausedAnnotation)
	// Once unpaused the changes apply: powered off, and (offline, as in metal3) not provisioned
	// until it is online again.
	sys.WaitForHost(t, name, stepTimeout, "off and still available once unpaused", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && !h.Status.PoweredOn
	})
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Online = true })
	sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
}

func TestDetachingAndReattachingAProvisionedHostNeverReprovisionsIt(t *testing.T) {
	const name = "detach"
	newHost(t, name, "52:54:00:71:02:01", withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	oldID := h.Status.Provisioning.ID
	annotate(t, name, hoststate.DetachedAnnotation, "")
	h = sys.WaitForHost(t, name, stepTimeout, "detached", func(h *metal3.BareMetalHost) bool {
		return h.Status.OperationalStatus == metal3.OperationalStatusDetached
	})
	if h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("detaching moved the host to %q", h.Status.Provisioning.State)
	}
	waitSettled(t, name, hoststate.ReasonDetached, "detached")
	if _, err := sysNodeErr(oldID); err == nil {
		t.Errorf("the node %s still exists after detaching", oldID)
	}
	if countEvents(t, name, "DeprovisioningStarted", "") != 0 {
		t.Error("detaching deprovisioned the host")
	}
	unannotate(t, name, hoststate.DetachedAnnotation)
	h = sys.WaitForHost(t, name, stepTimeout, "attached again, adopted", func(h *metal3.BareMetalHost) bool {
		return h.Status.OperationalStatus == metal3.OperationalStatusOK && h.Status.Provisioning.ID != "" &&
			h.Status.Provisioning.ID != oldID && sys.Node(t, h.Status.Provisioning.ID).ProvisionState == "active"
	})
	if h.Status.Provisioning.State != metal3.StateProvisioned {
		t.Errorf("re-attached host is %q", h.Status.Provisioning.State)
	}
	if n := countEvents(t, name, "ProvisioningStarted", ""); n != 1 {
		t.Errorf("%d ProvisioningStarted events: the re-attached host was provisioned again", n)
	}
}

func TestTheStatusAnnotationRestoresAHostMovedFromAnotherCluster(t *testing.T) {
	const source, moved = "move-source", "move-target"
	newHost(t, source, "52:54:00:71:03:01", withImage)
	src := sys.WaitForState(t, source, metal3.StateProvisioned, stepTimeout)
	// Leave the old cluster: detach (the node goes, the machine keeps running), then delete.
	annotate(t, source, hoststate.DetachedAnnotation, "")
	sys.WaitForHost(t, source, stepTimeout, "detached", func(h *metal3.BareMetalHost) bool {
		return h.Status.OperationalStatus == metal3.OperationalStatusDetached
	})
	if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), source, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, source, stepTimeout)

	saved := src.Status.DeepCopy()
	saved.Conditions = nil
	data, err := json.Marshal(saved)
	if err != nil {
		t.Fatal(err)
	}
	newHost(t, moved, "52:54:00:71:03:01", withImage, func(h *metal3.BareMetalHost) {
		h.Annotations = map[string]string{hoststate.StatusAnnotation: string(data)}
	})
	h := sys.WaitForHost(t, moved, stepTimeout, "restored, adopted, annotation consumed", func(h *metal3.BareMetalHost) bool {
		if h.Status.Provisioning.State != metal3.StateProvisioned || hasAnnotation(h, hoststate.StatusAnnotation) || h.Status.Provisioning.ID == "" {
			return false
		}
		n, err := sysNodeErr(h.Status.Provisioning.ID)
		return err == nil && n.ProvisionState == "active"
	})
	if h.Status.HardwareDetails == nil || h.Status.Provisioning.Image.URL != framework.TestImage().URL {
		t.Errorf("restored status lacks hardware or image: %+v", h.Status)
	}
	if countEvents(t, moved, "ProvisioningStarted", "") != 0 || countEvents(t, moved, "InspectionStarted", "") != 0 {
		t.Errorf("the moved host was inspected or provisioned again: %q", sys.Events(t, moved))
	}
}

func TestLiveISOAndCustomDeployAreProvisioned(t *testing.T) {
	liveISO := "live-iso"
	newHost(t, "live-iso", "52:54:00:71:04:01", func(h *metal3.BareMetalHost) {
		h.Spec.Image = &metal3.Image{URL: "http://images.example.test/live.iso", DiskFormat: &liveISO}
		h.Spec.UserData = &corev1SecretRef{Name: "unused-for-live-iso"}
	})
	newHost(t, "custom-deploy", "52:54:00:71:04:02", func(h *metal3.BareMetalHost) {
		h.Spec.CustomDeploy = &metal3.CustomDeploy{Method: "install_coreos"}
	})
	h := sys.WaitForState(t, "live-iso", metal3.StateProvisioned, stepTimeout)
	ii := sys.Node(t, h.Status.Provisioning.ID).InstanceInfo
	if ii["boot_iso"] != "http://images.example.test/live.iso" || ii["image_source"] != nil {
		t.Errorf("live ISO instance_info: %v", ii)
	}
	if ii["configdrive"] != nil {
		t.Errorf("a live ISO got a config drive: %v", ii["configdrive"])
	}
	h = sys.WaitForState(t, "custom-deploy", metal3.StateProvisioned, stepTimeout)
	if h.Status.Provisioning.CustomDeploy == nil || h.Status.Provisioning.CustomDeploy.Method != "install_coreos" {
		t.Errorf("status.provisioning.customDeploy %+v", h.Status.Provisioning.CustomDeploy)
	}
	sys.UpdateHost(t, "custom-deploy", func(h *metal3.BareMetalHost) { h.Spec.CustomDeploy = nil })
	sys.WaitForState(t, "custom-deploy", metal3.StateAvailable, stepTimeout)
}

func TestRootDeviceHintsAndBootModeChangesApplyToTheNextProvisioning(t *testing.T) {
	const name = "hints"
	newHost(t, name, "52:54:00:71:05:01", func(h *metal3.BareMetalHost) {
		h.Spec.RootDeviceHints = &metal3.RootDeviceHints{DeviceName: "/dev/sda"}
		h.Spec.BootMode = metal3.BootModeUEFI
	})
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	rotational := false
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.RootDeviceHints = &metal3.RootDeviceHints{SerialNumber: "S3YJNX0K", Rotational: &rotational}
		h.Spec.BootMode = metal3.BootModeLegacy
	})
	time.Sleep(time.Second)
	sys.UpdateHost(t, name, withImage)
	h := sys.WaitForState(t, name, metal3.StateProvisioned, stepTimeout)
	ii := sys.Node(t, h.Status.Provisioning.ID).InstanceInfo
	rd, _ := ii["root_device"].(map[string]interface{})
	if rd["serial"] != "s== S3YJNX0K" || rd["rotational"] != false || rd["name"] != nil {
		t.Errorf("root_device %v, want the changed hints", ii["root_device"])
	}
	if caps, _ := ii["capabilities"].(map[string]interface{}); caps["boot_mode"] != "bios" {
		t.Errorf("instance_info capabilities %v, want boot_mode bios", ii["capabilities"])
	}
	if h.Status.Provisioning.BootMode != metal3.BootModeLegacy || h.Status.Provisioning.RootDeviceHints.SerialNumber != "S3YJNX0K" {
		t.Errorf("status.provisioning %+v", h.Status.Provisioning)
	}
}

func TestAFailingImageStopsAfterTheRetryLimitUntilTheImageChanges(t *testing.T) {
	const name = "retry-limit"
	badURL := "http://images.example.test/broken.qcow2"
	var refused int
	sys.Transport.FailIf(http.StatusBadRequest, func(method, path string, body []byte) bool {
		if method == http.MethodPatch && strings.Contains(string(body), badURL) {
			refused++
			return true
		}
		return false
	})
	t.Cleanup(func() { sys.Transport.FailIf(0, nil) })
	newHost(t, name, "52:54:00:71:06:01")
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		h.Spec.Image = framework.TestImage()
		h.Spec.Image.URL = badURL
	})
	h := waitSettled(t, name, hoststate.ReasonProvisioningLimit, "failed 2 times in a row")
	if h.Status.ErrorType != metal3.ProvisioningError || h.Status.ErrorCount != maxAttempts || h.Status.ProvisioningFailCount != maxAttempts {
		t.Errorf("errorType %q errorCount %d provisioningFailCount %d at the limit", h.Status.ErrorType, h.Status.ErrorCount, h.Status.ProvisioningFailCount)
	}
	if h.Status.LastAttemptedImage == nil || h.Status.LastAttemptedImage.URL != badURL {
		t.Errorf("lastAttemptedImage %+v, want %s", h.Status.LastAttemptedImage, badURL)
	}
	atLimit := refused
	time.Sleep(6 * time.Second)
	if refused != atLimit {
		t.Errorf("%d more deploy attempts after the limit was reached", refused-atLimit)
	}
	// As in metal3, an available host without image forgets the failed attempts.
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = nil })
	sys.WaitForHost(t, name, stepTimeout, "available, attempts forgotten", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateAvailable && h.Status.ProvisioningFailCount == 0 &&
			h.Status.LastAttemptedImage == nil && h.Status.ErrorType == ""
	})
	sys.UpdateHost(t, name, withImage)
	sys.WaitForHost(t, name, stepTimeout, "provisioned with the new image", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.ErrorType == ""
	})
}

// A broken user data Secret is the Secret's problem, not the image's: it never counts toward
// the deploy retry limit, Settled says which Secret, and fixing the Secret retries at once (the
// Secret, labelled when first read, is watched), not after the backoff.
func TestABrokenDataSecretNeverReachesTheRetryLimitAndItsFixIsSeenAtOnce(t *testing.T) {
	const name = "data-secret"
	sys.Secret(t, name+"-ud", map[string]string{"wrong-key": "#cloud-config\n"})
	newHost(t, name, "52:54:00:71:07:01")
	sys.WaitForState(t, name, metal3.StateAvailable, stepTimeout)
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
		withImage(h)
		h.Spec.UserData = &corev1.SecretReference{Name: name + "-ud"}
	})
	h := sys.WaitForHost(t, name, stepTimeout, "more failures than the retry limit, all blamed on the Secret", func(h *metal3.BareMetalHost) bool {
		c := meta.FindStatusCondition(h.Status.Conditions, hoststate.ConditionSettled)
		return h.Status.ErrorCount > maxAttempts && c != nil && c.Reason == hoststate.ReasonDataSecret
	})
	if h.Status.ProvisioningFailCount != 0 {
		t.Errorf("provisioningFailCount %d after %d failures of the user data Secret, want 0", h.Status.ProvisioningFailCount, h.Status.ErrorCount)
	}
	if want := "user data Secret default/" + name + "-ud has none of the keys"; !strings.Contains(h.Status.ErrorMessage, want) {
		t.Errorf("errorMessage %q, want it to say %q", h.Status.ErrorMessage, want)
	}
	failures := h.Status.ErrorCount
	sys.Secret(t, name+"-ud", map[string]string{"userData": "#cloud-config\n"})
	// The next retry of the backoff is Backoff(failures) away; the fixed Secret is seen first.
	within := hoststate.Backoff(failures) - 5*time.Second
	h = sys.WaitForHost(t, name, within, "provisioned once the Secret is fixed", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned
	})
	if h.Status.ErrorType != "" || h.Status.ProvisioningFailCount != 0 || h.Status.LastAttemptedImage == nil ||
		h.Status.LastAttemptedImage.URL != framework.TestImage().URL {
		t.Errorf("errorType %q provisioningFailCount %d lastAttemptedImage %+v after provisioning",
			h.Status.ErrorType, h.Status.ProvisioningFailCount, h.Status.LastAttemptedImage)
	}
}

// A host whose node Ironic will not show (every lookup refused, here by a policy that forbids
// it) can still be deleted: after a bounded number of failed lookups its finalizer is
// removed, and a Warning Event says what Ironic may still hold.
func TestAHostWhoseNodeCannotBeLookedUpIsStillDeleted(t *testing.T) {
	const name = "unreadable"
	nodeName := "/v1/nodes/" + framework.Namespace + "~" + name
	sys.Transport.FailIf(http.StatusForbidden, func(method, path string, body []byte) bool {
		return method == http.MethodGet && strings.HasPrefix(path, nodeName)
	})
	t.Cleanup(func() { sys.Transport.FailIf(0, nil) })
	newHost(t, name, "52:54:00:71:08:01")
	sys.WaitForHost(t, name, stepTimeout, "the failed lookup in status", func(h *metal3.BareMetalHost) bool {
		return strings.Contains(h.Status.ErrorMessage, "reading the node from the provisioner failed")
	})
	if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	sys.WaitForGone(t, name, stepTimeout)
	sys.WaitForEvent(t, name, "DeletedWithoutNode", "Ironic may still hold a node named default~unreadable with a port for 52:54:00:71:08:01", 10*time.Second)
}
