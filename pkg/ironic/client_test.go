package ironic

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestTLSToIronicIsVerifiedWithTheGivenCA(t *testing.T) {
	srv := httptest.NewTLSServer(reply(http.StatusOK, rootDocument("1.1", "1.82")))
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	tests := []struct {
		name      string
		cfg       Config
		wantReady bool
	}{
		{"the server's CA is trusted", Config{CACertPEM: caPEM}, true},
		{"verification is skipped when insecure", Config{Insecure: true}, true},
		{"an unknown CA makes Ironic unavailable", Config{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Endpoint = srv.URL
			p, err := New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Ready(context.Background())
			if tt.wantReady && err != nil {
				t.Errorf("Ready: %v", err)
			}
			if !tt.wantReady && !errors.Is(err, provisioner.ErrUnavailable) {
				t.Errorf("Ready = %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestNewRejectsBadConfigurations(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"an endpoint that is not a URL", Config{Endpoint: "ironic:6385"}},
		{"a username without a password", Config{Endpoint: "http://127.0.0.1:6385", Username: "ironic"}},
		{"a CA that holds no certificate", Config{Endpoint: "https://127.0.0.1:6385", CACertPEM: []byte("not PEM")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}
