package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// badInput is one way a user can get a host wrong: what the host looks like, the error it must
// report, and how the user fixes it.
type badInput struct {
	name     string
	setup    func(t *testing.T, h *metal3.BareMetalHost)
	errType  metal3.ErrorType
	message  string
	fix      func(t *testing.T, h *metal3.BareMetalHost)
	fixedIn  metal3.ProvisioningState
	noSecret string // a string that must never show up in status or events
}

func withImage(h *metal3.BareMetalHost, img *metal3.Image) { h.Spec.Image = img }

func TestBadInputGivesAClearErrorAndRecoversOnceFixed(t *testing.T) {
	good := func(t *testing.T, h *metal3.BareMetalHost) {
		sys.Credentials(t, h.Spec.BMC.CredentialsName, "admin", "pw")
	}
	fixAddress := func(t *testing.T, h *metal3.BareMetalHost) { h.Spec.BMC.Address = "fake://" + h.Name }
	goodImage := func(t *testing.T, h *metal3.BareMetalHost) { h.Spec.Image = framework.TestImage() }
	cases := []badInput{
		{name: "empty-host", setup: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h); h.Spec.BMC.Address = "ipmi://" },
			errType: metal3.RegistrationError, message: "host", fix: fixAddress, fixedIn: metal3.StateAvailable},
		{name: "bad-port", setup: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h); h.Spec.BMC.Address = "ipmi://10.0.0.1:99999" },
			errType: metal3.RegistrationError, message: "port", fix: fixAddress, fixedIn: metal3.StateAvailable},
		{name: "ipmi-with-path", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			good(t, h)
			h.Spec.BMC.Address = "ipmi://10.0.0.1/redfish/v1"
		},
			errType: metal3.RegistrationError, message: "path", fix: fixAddress, fixedIn: metal3.StateAvailable},
		{name: "missing-secret", setup: func(t *testing.T, h *metal3.BareMetalHost) {},
			errType: metal3.RegistrationError, message: "not found", fix: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h) }, fixedIn: metal3.StateAvailable},
		{name: "no-password", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			sys.Secret(t, h.Spec.BMC.CredentialsName, map[string]string{"username": "admin"})
		}, errType: metal3.RegistrationError, message: "has no password", fix: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h) }, fixedIn: metal3.StateAvailable},
		{name: "empty-password", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			sys.Credentials(t, h.Spec.BMC.CredentialsName, "admin", "")
		}, errType: metal3.RegistrationError, message: "has no password", fix: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h) }, fixedIn: metal3.StateAvailable},
		{name: "no-username", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			sys.Secret(t, h.Spec.BMC.CredentialsName, map[string]string{"password": "topsecretpw"})
		}, errType: metal3.RegistrationError, message: "has no username", fix: func(t *testing.T, h *metal3.BareMetalHost) { good(t, h) }, fixedIn: metal3.StateAvailable, noSecret: "topsecretpw"},
		{name: "driver-not-enabled", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			good(t, h)
			h.Spec.BMC.Address = "idrac-virtualmedia://10.0.0.1/redfish/v1/Systems/1"
		}, errType: metal3.RegistrationError, message: "idrac", fix: fixAddress, fixedIn: metal3.StateAvailable},
		{name: "image-checksum-wrong-length", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			good(t, h)
			withImage(h, &metal3.Image{URL: "http://images.example.test/os.qcow2", Checksum: "abc123", ChecksumType: metal3.ChecksumSHA256})
		}, errType: metal3.ProvisioningError, message: "a sha256 checksum has 64", fix: goodImage, fixedIn: metal3.StateProvisioned},
		{name: "user-data-missing", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			good(t, h)
			withImage(h, framework.TestImage())
			h.Spec.UserData = &corev1SecretRef{Name: "no-such-user-data"}
		}, errType: metal3.ProvisioningError, message: "user data Secret default/no-such-user-data not found",
			fix: func(t *testing.T, h *metal3.BareMetalHost) { h.Spec.UserData = nil }, fixedIn: metal3.StateProvisioned},
		{name: "network-data-garbage", setup: func(t *testing.T, h *metal3.BareMetalHost) {
			good(t, h)
			sys.Secret(t, h.Name+"-nd", map[string]string{"networkData": "{{{ not: [json"})
			withImage(h, framework.TestImage())
			h.Spec.NetworkData = &corev1SecretRef{Name: h.Name + "-nd"}
		}, errType: metal3.ProvisioningError, message: "network data is neither JSON nor YAML",
			fix: func(t *testing.T, h *metal3.BareMetalHost) { h.Spec.NetworkData = nil }, fixedIn: metal3.StateProvisioned},
	}

	// What the CRD's rules refuse never reaches the controller (its checks stay, for hosts stored
	// before those rules); the API server names the problem and echoes no secret.
	refused := []struct{ name, address, message string }{
		{"unknown-scheme", "foobar://10.0.0.1", `unknown BMC scheme "foobar"`},
		{"letters-in-port", "redfish://10.0.0.1:abc/redfish/v1/Systems/1", "invalid BMC address"},
		{"password-in-url", "redfish://root:hunter2pass@10.0.0.1/redfish/v1/Systems/1", "must not contain user information"},
		{"space-in-address", "ipmi://10.0.0.1 6230", "invalid BMC address"},
	}
	for i, tc := range refused {
		h := framework.FakeHost("refused-"+tc.name, fmt.Sprintf("52:54:00:21:00:%02x", i))
		h.Spec.BMC.Address = tc.address
		_, err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).Create(context.Background(), h, metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.message) || strings.Contains(err.Error(), "hunter2pass") {
			t.Errorf("%s: the API server said %v, want a refusal saying %q (and no password)", tc.name, err, tc.message)
		}
	}

	// A healthy host created alongside: bad input elsewhere must not hold it up.
	sys.Credentials(t, "bystander-bmc", "admin", "pw")
	sys.CreateHost(t, framework.FakeHost("bystander", "52:54:00:20:00:99"))

	for i, tc := range cases {
		h := framework.FakeHost("bad-"+tc.name, fmt.Sprintf("52:54:00:20:00:%02x", i))
		tc.setup(t, h)
		sys.CreateHost(t, h)
	}
	sys.WaitForState(t, "bystander", metal3.StateAvailable, stepTimeout)

	for _, tc := range cases {
		t.Run(tc.name+" is reported", func(t *testing.T) {
			name := "bad-" + tc.name
			h := sys.WaitForHost(t, name, stepTimeout, fmt.Sprintf("error %q", tc.errType), func(h *metal3.BareMetalHost) bool {
				return h.Status.ErrorType == tc.errType
			})
			if !strings.Contains(h.Status.ErrorMessage, tc.message) {
				t.Errorf("errorMessage %q does not contain %q", h.Status.ErrorMessage, tc.message)
			}
			if h.Status.OperationalStatus != metal3.OperationalStatusError || h.Status.ErrorCount < 1 {
				t.Errorf("operationalStatus %q errorCount %d", h.Status.OperationalStatus, h.Status.ErrorCount)
			}
			reason := map[metal3.ErrorType]string{metal3.RegistrationError: "RegistrationError", metal3.ProvisioningError: "ProvisioningError"}[tc.errType]
			sys.WaitForEvent(t, name, reason, tc.message, 10*time.Second)
			if tc.noSecret != "" {
				if strings.Contains(h.Status.ErrorMessage, tc.noSecret) || strings.Contains(strings.Join(sys.Events(t, name), "\n"), tc.noSecret) {
					t.Errorf("a secret reached status or events: %q", h.Status.ErrorMessage)
				}
			}
		})
	}

	// Errors back off: a few seconds later the error count has not run away.
	time.Sleep(3 * time.Second)
	for _, tc := range cases {
		if h := sys.Host(t, "bad-"+tc.name); h.Status.ErrorCount > 3 {
			t.Errorf("%s: errorCount %d after a few seconds: the retries are not backing off", tc.name, h.Status.ErrorCount)
		}
	}

	for _, tc := range cases {
		tc := tc
		name := "bad-" + tc.name
		sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { tc.fix(t, h) })
	}
	for _, tc := range cases {
		t.Run(tc.name+" recovers once fixed", func(t *testing.T) {
			h := sys.WaitForHost(t, "bad-"+tc.name, 2*stepTimeout, string(tc.fixedIn)+" without error", func(h *metal3.BareMetalHost) bool {
				return h.Status.Provisioning.State == tc.fixedIn && h.Status.ErrorType == ""
			})
			if h.Status.OperationalStatus != metal3.OperationalStatusOK {
				t.Errorf("operationalStatus %q after recovery", h.Status.OperationalStatus)
			}
		})
	}
	for _, tc := range cases {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), "bad-"+tc.name, metav1.DeleteOptions{})
	}
	_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), "bystander", metav1.DeleteOptions{})
}
