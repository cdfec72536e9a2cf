package ironic

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestNewDoesNotContactIronic(t *testing.T) {
	f := newFakeIronic(t, nil)
	f.provisioner(t)
	if got := f.lines(); len(got) != 0 {
		t.Errorf("New sent requests: %v", got)
	}
}

func TestTheMicroversionIsNegotiatedOnceAndSentWithEveryCall(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	p := f.provisioner(t)
	for range 3 {
		if _, err := p.FindNode(context.Background(), testHost); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range f.take() {
		got = append(got, r.String()+" @"+r.Version)
	}
	want := []string{
		"GET / @",
		nodeRead(testNodeID) + " @1.82",
		nodeRead(testNodeID) + " @1.82",
		nodeRead(testNodeID) + " @1.82",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestTheMicroversionIsTheOlderOfIronicsNewestAndTheNewestKnown(t *testing.T) {
	tests := []struct {
		name, ironicMax, want string
	}{
		{"Debian bookworm's Ironic offers 1.82", "1.82", "1.82"},
		{"an Ironic at the floor offers 1.81", "1.81", "1.81"},
		{"a newer Ironic offers more than this package knows", "1.99", "1.95"},
		{"an Ironic that knows exactly as much", "1.95", "1.95"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIronic(t, nil)
			f.maxVersion = tt.ironicMax
			p := f.provisioner(t)
			if err := p.Ready(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := p.currentVersion().String(); got != tt.want {
				t.Errorf("negotiated %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAnIronicBelowTheFloorFailsEveryCallWithAClearError(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument()))
	f.maxVersion = "1.80"
	p := f.provisioner(t)
	for _, call := range []func() error{
		func() error { return p.Ready(context.Background()) },
		func() error { _, err := p.FindNode(context.Background(), testHost); return err },
		func() error { return p.Manage(context.Background(), testNode()) },
	} {
		err := call()
		if err == nil || !strings.Contains(err.Error(), "Ironic API version 1.80 is below the minimum 1.81 this controller needs") {
			t.Errorf("error = %v, want the version floor error", err)
		}
		if !errors.Is(err, provisioner.ErrUnavailable) {
			t.Errorf("error %v does not wrap ErrUnavailable", err)
		}
	}
	for _, r := range f.take() {
		if r.URI != "/" {
			t.Errorf("sent %s to an Ironic that is too old", r)
		}
	}
}

func TestTheVersionIsReadFromTheHeadersWhenTheRootDocumentHasNone(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-OpenStack-Ironic-API-Minimum-Version", "1.1")
			w.Header().Set("X-OpenStack-Ironic-API-Maximum-Version", "1.87")
			reply(http.StatusOK, map[string]any{"name": "OpenStack Ironic API"})(w, r)
		},
	})
	p := f.provisioner(t)
	if err := p.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.currentVersion().String(); got != "1.87" {
		t.Errorf("negotiated %s, want 1.87", got)
	}
}

func TestReadyCostsOneRequest(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{"GET /v1/": reply(http.StatusOK, map[string]any{"id": "v1"})})
	p := f.provisioner(t)
	for range 2 {
		if err := p.Ready(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]string{"GET /", "GET /v1/"}, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestTheVersionIsNegotiatedAgainAfterIronicWasUnavailable(t *testing.T) {
	doc := nodeDocument()
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"GET /v1/nodes/" + testNodeID: sequence(
			reply(http.StatusOK, doc),
			ironicError(http.StatusServiceUnavailable, "The server is currently unavailable."),
			reply(http.StatusOK, doc),
		),
	})
	p := f.provisioner(t)
	ctx := context.Background()
	if _, err := p.FindNode(ctx, testHost); err != nil {
		t.Fatal(err)
	}
	if _, err := p.FindNode(ctx, testHost); !errors.Is(err, provisioner.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if _, err := p.FindNode(ctx, testHost); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /", nodeRead(testNodeID), nodeRead(testNodeID), "GET /", nodeRead(testNodeID)}
	if diff := cmp.Diff(want, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestEndpointsWithAndWithoutV1AreAccepted(t *testing.T) {
	for _, endpoint := range []string{"http://127.0.0.1:6385", "http://127.0.0.1:6385/", "http://127.0.0.1:6385/v1", "http://127.0.0.1:6385/v1/"} {
		p, err := New(Config{Endpoint: endpoint})
		if err != nil {
			t.Fatalf("New(%q): %v", endpoint, err)
		}
		if p.endpoint != "http://127.0.0.1:6385" || p.base.Endpoint != "http://127.0.0.1:6385/v1/" {
			t.Errorf("New(%q): root %q, v1 %q", endpoint, p.endpoint, p.base.Endpoint)
		}
	}
}

func TestEndpointsWithCredentialsAreRejectedWithoutEchoingThem(t *testing.T) {
	_, err := New(Config{Endpoint: "http://admin:s3cret@127.0.0.1:6385"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v, want a rejection that does not show the password", err)
	}
}

func TestAMissingAPIRootIsUnavailableNotANodeNotFound(t *testing.T) {
	f := newFakeIronic(t, map[string]http.HandlerFunc{"GET /": ironicError(http.StatusNotFound, "no such page")})
	_, err := f.provisioner(t).FindNode(context.Background(), testHost)
	if !errors.Is(err, provisioner.ErrUnavailable) || errors.Is(err, provisioner.ErrNotFound) {
		t.Errorf("error = %v, want ErrUnavailable and not ErrNotFound", err)
	}
}
