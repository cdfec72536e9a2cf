package ironic

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestIronicErrorAnswersMapToTheProvisionerErrorKinds(t *testing.T) {
	tests := []struct {
		name    string
		answer  http.HandlerFunc
		kind    error // nil: none of the kinds
		message string
	}{
		{
			name:    "a locked node (409 NodeLocked) is locked",
			answer:  ironicError(http.StatusConflict, "Node "+testNodeID+" is locked by host ironic-1, please retry after the current operation is completed."),
			kind:    provisioner.ErrLocked,
			message: "is locked by host ironic-1",
		},
		{
			name:    "a missing node (404) is not found",
			answer:  ironicError(http.StatusNotFound, "Node "+testNodeID+" could not be found."),
			kind:    provisioner.ErrNotFound,
			message: "could not be found",
		},
		{
			name:    "503 means Ironic is unavailable",
			answer:  ironicError(http.StatusServiceUnavailable, "Service Unavailable"),
			kind:    provisioner.ErrUnavailable,
			message: "503 Service Unavailable",
		},
		{
			name:    "a 500 carries Ironic's faultstring",
			answer:  ironicError(http.StatusInternalServerError, "Unexpected error while running command."),
			message: "500 Internal Server Error: Unexpected error while running command.",
		},
		{
			name:    "a 400 whose error_message is an object carries its faultstring",
			answer:  reply(http.StatusBadRequest, map[string]any{"error_message": map[string]any{"faultstring": "The requested action \"manage\" can not be performed on node in state \"active\"."}}),
			message: `can not be performed on node in state "active"`,
		},
		{
			name:    "a body that is not Ironic's is quoted briefly",
			answer:  reply(http.StatusBadGateway, "<html>bad gateway</html>"),
			kind:    provisioner.ErrUnavailable,
			message: "bad gateway",
		},
	}
	calls := []struct {
		name, route string
		call        func(*Ironic) error
	}{
		{"a state change", "PUT /v1/nodes/" + testNodeID + "/states/provision", func(p *Ironic) error {
			return p.Manage(context.Background(), testNode())
		}},
		{"a node read", "GET /v1/nodes/" + testNodeID, func(p *Ironic) error {
			// Register of a node not seen before reads it first.
			_, err := p.Register(context.Background(), fakeRegisterRequest(t), testNode())
			return err
		}},
	}
	for _, c := range calls {
		for _, tt := range tests {
			t.Run(c.name+": "+tt.name, func(t *testing.T) {
				f := newFakeIronic(t, map[string]http.HandlerFunc{c.route: tt.answer})
				assertErrorKind(t, c.call(f.provisioner(t)), tt.kind, tt.message)
			})
		}
	}
}

// assertErrorKind checks that err is of kind (one of ErrLocked, ErrNotFound, ErrUnavailable, or
// nil for none of them) and that its message contains message.
func assertErrorKind(t *testing.T, err, kind error, message string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, k := range []error{provisioner.ErrLocked, provisioner.ErrNotFound, provisioner.ErrUnavailable} {
		if got, want := errors.Is(err, k), k == kind; got != want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, k, got, want)
		}
	}
	if !strings.Contains(err.Error(), message) {
		t.Errorf("error %q does not contain %q", err, message)
	}
}

func TestARefusedConnectionIsUnavailableAndNamesTheEndpointButNoCredentials(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	p, err := New(Config{Endpoint: endpoint, Username: "ironic-user", Password: "s3cret-pa55", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Ready":    func() error { return p.Ready(context.Background()) },
		"FindNode": func() error { _, err := p.FindNode(context.Background(), testHost); return err },
	} {
		err := call()
		if !errors.Is(err, provisioner.ErrUnavailable) {
			t.Errorf("%s: error = %v, want ErrUnavailable", name, err)
			continue
		}
		if !strings.Contains(err.Error(), endpoint) {
			t.Errorf("%s: error %q does not name the endpoint %s", name, err, endpoint)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q shows the password", name, err)
		}
	}
}

func TestAnUnresolvableHostIsUnavailable(t *testing.T) {
	p, err := New(Config{Endpoint: "http://ironic.invalid:6385", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Ready(context.Background()); !errors.Is(err, provisioner.ErrUnavailable) {
		t.Errorf("error = %v, want ErrUnavailable", err)
	}
}

func TestATimeoutIsUnavailable(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	})
	p, err := New(Config{Endpoint: f.srv.URL, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Ready(context.Background()); !errors.Is(err, provisioner.ErrUnavailable) {
		t.Errorf("error = %v, want ErrUnavailable", err)
	}
}

func TestBasicAuthIsSentWhenConfigured(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /v1/nodes/" + testNodeID: func(w http.ResponseWriter, r *http.Request) {
			if u, pw, ok := r.BasicAuth(); !ok || u != "ironic-user" || pw != "s3cret-pa55" {
				ironicError(http.StatusUnauthorized, "Authentication required")(w, r)
				return
			}
			reply(http.StatusOK, nodeDocument())(w, r)
		},
	})
	p, err := New(Config{Endpoint: f.srv.URL, Username: "ironic-user", Password: "s3cret-pa55"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FindNode(context.Background(), testHost); err != nil {
		t.Fatal(err)
	}
}

func TestTheBMCPasswordNeverAppearsInRegisterErrors(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"POST /v1/nodes": ironicError(http.StatusBadRequest, "Invalid driver_info: ipmi_password 'hunter2-bmc' is not accepted"),
	})
	access, err := bmc.Parse("ipmi://192.0.2.1", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.provisioner(t).Register(context.Background(), provisioner.RegisterRequest{
		Host: testHost, BMC: access, Credentials: bmc.Credentials{Username: "admin", Password: "hunter2-bmc"},
	}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "Invalid driver_info") {
		t.Errorf("error = %v, want Ironic's message without the password", err)
	}
}

func TestFaultStringReadsIronicsErrorDocuments(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"a fault document inside a string", `{"error_message": "{\"faultstring\": \"Node is locked.\", \"faultcode\": \"Client\"}"}`, "Node is locked."},
		{"a fault document as an object", `{"error_message": {"faultstring": "Bad request."}}`, "Bad request."},
		{"a plain string message", `{"error_message": "plain words"}`, "plain words"},
		{"no JSON at all", "  upstream\n  failed  ", "upstream failed"},
		{"an empty body", "", "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := faultString([]byte(tt.body), http.StatusInternalServerError); got != tt.want {
				t.Errorf("faultString = %q, want %q", got, tt.want)
			}
		})
	}
}
