package clients

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

func TestASecondHostWithTheFirstHostsBootMACGetsAnErrorAndNeverItsNode(t *testing.T) {
	const first, second, mac = "mac-owner", "mac-intruder", "52:54:00:a3:00:01"
	newHost(t, sys, first, mac, withImage)
	h := sys.WaitForState(t, first, metal3.StateProvisioned, stepTimeout)
	before := sys.Node(t, h.Status.Provisioning.ID)

	newHost(t, sys, second, mac, withImage)
	h2 := sys.WaitForHost(t, second, stepTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	for _, want := range []string{mac, before.Name} {
		if !strings.Contains(h2.Status.ErrorMessage, want) {
			t.Errorf("error %q does not name %s", h2.Status.ErrorMessage, want)
		}
	}
	sys.WaitForEvent(t, second, "RegistrationError", before.Name, 10*time.Second)
	time.Sleep(3 * time.Second)
	h2 = sys.Host(t, second)
	if h2.Status.Provisioning.ID != "" || h2.Status.Provisioning.State == metal3.StateProvisioned {
		t.Errorf("the second host recorded node %q in state %q", h2.Status.Provisioning.ID, h2.Status.Provisioning.State)
	}
	after := sys.Node(t, before.UUID)
	if after.Name != before.Name || after.ProvisionState != before.ProvisionState || after.PowerState != "power on" ||
		fmt.Sprint(after.DriverInfo) != fmt.Sprint(before.DriverInfo) || after.InstanceInfo["image_source"] != before.InstanceInfo["image_source"] ||
		after.Extra["metalkube_bmc_address"] != before.Extra["metalkube_bmc_address"] {
		t.Errorf("the first host's node changed:\nbefore %s %s %v %v %v\nafter  %s %s %v %v %v", before.Name, before.ProvisionState,
			before.DriverInfo, before.InstanceInfo["image_source"], before.Extra, after.Name, after.ProvisionState, after.DriverInfo,
			after.InstanceInfo["image_source"], after.Extra)
	}
	if h := sys.Host(t, first); h.Status.Provisioning.State != metal3.StateProvisioned || h.Status.ErrorType != "" {
		t.Errorf("the first host is %q with error %q", h.Status.Provisioning.State, h.Status.ErrorMessage)
	}
	// Deleting the second host leaves the first host's node alone.
	deleteHost(sys, second)
	sys.WaitForGone(t, second, stepTimeout)
	if n := sys.Node(t, before.UUID); n.ProvisionState != "active" || n.Name != before.Name {
		t.Errorf("after deleting the second host the first's node is %s %q", n.ProvisionState, n.Name)
	}
}

func TestTwoHostsForOneServerAreRefusedOnTheSecond(t *testing.T) {
	const first, second = "bmc-owner", "bmc-twin"
	newHost(t, sys, first, "52:54:00:a3:01:01")
	sys.WaitForState(t, first, metal3.StateAvailable, stepTimeout)
	posts := sys.Transport.Counts()["POST /v1/nodes"]
	newHost(t, sys, second, "52:54:00:a3:01:02", func(h *metal3.BareMetalHost) { h.Spec.BMC.Address = "fake://" + first })
	h := sys.WaitForHost(t, second, stepTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	if !strings.Contains(h.Status.ErrorMessage, "default/"+first) {
		t.Errorf("error %q does not name the host that came first", h.Status.ErrorMessage)
	}
	if n := sys.Transport.Counts()["POST /v1/nodes"]; n != posts {
		t.Errorf("%d nodes created for the second host", n-posts)
	}
	// When the first host goes, the second may have the server.
	deleteHost(sys, first)
	sys.WaitForGone(t, first, stepTimeout)
	sys.WaitForState(t, second, metal3.StateAvailable, stepTimeout)
}

func TestAHostNameTooLongForIronicIsReportedAsSuch(t *testing.T) {
	name := "long-" + strings.Repeat("n", 245) // 250 characters: a valid host name, "default~" makes 258
	sys.Credentials(t, "long-name-bmc", "admin", "pw")
	h := framework.FakeHost(name, "52:54:00:a3:02:01")
	h.Spec.BMC = metal3.BMCDetails{Address: "fake://long-name-host", CredentialsName: "long-name-bmc"}
	sys.CreateHost(t, h)
	h = sys.WaitForHost(t, name, stepTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.RegistrationError
	})
	if !strings.Contains(h.Status.ErrorMessage, "Ironic accepts at most 255") || strings.Contains(h.Status.ErrorMessage, "BMC address") {
		t.Errorf("error %q, want one about the node name's length", h.Status.ErrorMessage)
	}
	deleteHost(sys, name)
	sys.WaitForGone(t, name, stepTimeout)
}
