package redfishsim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTLS(t *testing.T) {
	sim := startSim(t, Options{TLS: true, Username: "admin", Password: "secret"})
	if !strings.HasPrefix(sim.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %q", sim.URL())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(sim.CACertPEM()) {
		t.Fatalf("CACertPEM is not a PEM certificate: %q", sim.CACertPEM())
	}

	// Verified against the CA, by IP and by the "localhost" name.
	for _, serverName := range []string{"", "localhost"} {
		c := newClient(t, sim).withBasic("admin", "secret")
		c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName},
		}}
		if id := c.get("/redfish/v1/Systems/sys-0")["Id"]; id != "sys-0" {
			t.Errorf("server name %q: Id = %v", serverName, id)
		}
	}

	// Without the CA the certificate is rejected.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()},
	}}
	_, err := hc.Get(sim.URL() + "/redfish/v1/")
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("GET without the CA: %v, want an unknown authority error", err)
	}

	// Each simulator has its own certificate.
	other := startSim(t, Options{TLS: true})
	if string(other.CACertPEM()) == string(sim.CACertPEM()) {
		t.Error("two simulators share a certificate")
	}
}
