package bmc

import (
	"strings"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// TestCertificateVerificationOfAnHTTPSBMC registers redfish:// hosts (HTTPS) against the
// simulator with a self-signed certificate that Ironic does not trust: with
// disableCertificateVerification the host registers; without it registration fails with a
// certificate error in status.
func TestCertificateVerificationOfAnHTTPSBMC(t *testing.T) {
	t.Run("disabled", func(t *testing.T) {
		t.Parallel()
		const name = "tls-unverified"
		id, macs := redfishSystem(t, redfishHTTPS)
		createHost(t, name, redfishAddress("redfish", redfishHTTPS, id), macs[0], redfishUser, redfishPassword,
			skipVerification, noInspection)
		h := waitRegistered(t, name)
		if n := node(t, h); n.DriverInfo["redfish_verify_ca"] != false {
			t.Errorf("driver_info redfish_verify_ca = %v, want false", n.DriverInfo["redfish_verify_ca"])
		}
	})
	t.Run("enabled", func(t *testing.T) {
		t.Parallel()
		const name = "tls-verified"
		id, macs := redfishSystem(t, redfishHTTPS)
		start := time.Now()
		createHost(t, name, redfishAddress("redfish", redfishHTTPS, id), macs[0], redfishUser, redfishPassword, noInspection)
		h := sys.WaitForHost(t, name, registerTimeout, "a registration error", func(h *metal3.BareMetalHost) bool {
			return h.Status.ErrorType == metal3.RegistrationError
		})
		elapsed(t, "created to registration error", start)
		msg := h.Status.ErrorMessage
		if !strings.Contains(msg, "CERTIFICATE_VERIFY_FAILED") || !strings.Contains(msg, "self-signed certificate") {
			t.Errorf("registration error %q does not say that the certificate was rejected", msg)
		}
		if h.Status.GoodCredentials.Reference != nil || h.Status.Provisioning.State != metal3.StateRegistering {
			t.Errorf("host with a rejected certificate: state %q, good credentials %+v", h.Status.Provisioning.State, h.Status.GoodCredentials)
		}
		if strings.Contains(msg, redfishPassword) {
			t.Errorf("the error message holds the BMC password: %q", msg)
		}
		t.Logf("status.errorMessage: %s", msg)
	})
}
