package ironic

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// fakeIronic is an httptest server that answers like Ironic's v1 API for the routes a test
// gives it, and records every request. Like Ironic it honours ?fields= on GET: the documents
// it answers (a node, or each of a list's "nodes" or "ports") keep only the fields asked for,
// and disable_power_off below API 1.95 is refused with 406.
type fakeIronic struct {
	srv *httptest.Server

	mu       sync.Mutex
	routes   map[string]http.HandlerFunc // "METHOD /path" (no query)
	requests []request
	// maxVersion is what GET / reports (default 1.82, Debian bookworm's Ironic).
	maxVersion string
}

// request is one recorded request.
type request struct {
	Method, URI, Version string
	Body                 any
}

func (r request) String() string { return r.Method + " " + r.URI }

func newFakeIronic(t *testing.T, routes map[string]http.HandlerFunc) *fakeIronic {
	t.Helper()
	f := &fakeIronic{routes: map[string]http.HandlerFunc{}, maxVersion: "1.82"}
	for k, h := range routes {
		f.routes[k] = h
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIronic) serve(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	var body any
	if len(data) > 0 {
		_ = json.Unmarshal(data, &body)
	}
	f.mu.Lock()
	f.requests = append(f.requests, request{r.Method, r.URL.RequestURI(), r.Header.Get("X-OpenStack-Ironic-API-Version"), body})
	h, ok := f.routes[r.Method+" "+r.URL.Path]
	maxVersion := f.maxVersion
	f.mu.Unlock()
	switch {
	case ok && r.Method == http.MethodGet && r.URL.Query().Has("fields"):
		onlyFields(h, r.Header.Get("X-OpenStack-Ironic-API-Version"))(w, r)
	case ok:
		h(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/":
		reply(http.StatusOK, rootDocument("1.1", maxVersion))(w, r)
	default:
		ironicError(http.StatusNotFound, "The resource could not be found.")(w, r)
	}
}

// onlyFields answers with h, keeping only the fields the request asks for.
func onlyFields(h http.HandlerFunc, version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fields := strings.Split(r.URL.Query().Get("fields"), ",")
		if slices.Contains(fields, "disable_power_off") {
			if v, err := parseMicroversion(version); err != nil || !v.atLeast(microversion{1, 95}) {
				ironicError(http.StatusNotAcceptable, "Not Acceptable")(w, r)
				return
			}
		}
		rec := httptest.NewRecorder()
		h(rec, r)
		var doc map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
			copyResponse(w, rec)
			return
		}
		keep := func(n map[string]any) {
			for k := range n {
				if !slices.Contains(fields, k) {
					delete(n, k)
				}
			}
		}
		list, isList := doc["nodes"].([]any)
		if ports, ok := doc["ports"].([]any); ok {
			list, isList = ports, true
		}
		for _, n := range list {
			if n, ok := n.(map[string]any); ok {
				keep(n)
			}
		}
		if !isList {
			keep(doc)
		}
		reply(rec.Code, doc)(w, r)
	}
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (f *fakeIronic) route(key string, h http.HandlerFunc) {
	f.mu.Lock()
	f.routes[key] = h
	f.mu.Unlock()
}

// take returns the requests recorded since the last call.
func (f *fakeIronic) take() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.requests
	f.requests = nil
	return out
}

// lines returns "METHOD URI" of the requests recorded since the last take.
func (f *fakeIronic) lines() []string {
	var out []string
	for _, r := range f.take() {
		out = append(out, r.String())
	}
	return out
}

func (f *fakeIronic) provisioner(t *testing.T) *Ironic {
	t.Helper()
	p, err := New(Config{Endpoint: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func rootDocument(minV, maxV string) map[string]any {
	v1 := map[string]any{"id": "v1", "status": "CURRENT", "min_version": minV, "version": maxV,
		"links": []any{map[string]any{"href": "http://ironic/v1/", "rel": "self"}}}
	return map[string]any{"name": "OpenStack Ironic API", "default_version": v1, "versions": []any{v1}}
}

func reply(status int, body any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if body != nil {
			_ = json.NewEncoder(w).Encode(body)
		}
	}
}

// ironicError answers the way Ironic does: the fault document JSON-encoded inside a string.
func ironicError(status int, faultstring string) http.HandlerFunc {
	inner, _ := json.Marshal(map[string]any{"faultstring": faultstring, "faultcode": "Client", "debuginfo": nil})
	return reply(status, map[string]any{"error_message": string(inner)})
}

// sequence answers with each handler in turn, the last one for ever.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

const (
	testNodeID = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"
	testMAC    = "52:54:00:aa:bb:cc"
)

// readFields is the query of a node read: the fields the package uses, nothing else.
const readFields = "?fields=uuid,name,driver,provision_state,target_provision_state,power_state,target_power_state," +
	"last_error,maintenance,maintenance_reason,fault,reservation,provision_updated_at,inspection_finished_at,automated_clean," +
	"driver_info,extra,properties,instance_info," +
	"boot_interface,deploy_interface,inspect_interface,management_interface,power_interface," +
	"raid_interface,bios_interface,vendor_interface"

// nodeRead is the request line of a node read at API 1.82.
func nodeRead(ident string) string { return "GET /v1/nodes/" + ident + readFields }

// nodeDocument is a registered fake-hardware node as Ironic shows it; edit changes it.
func nodeDocument(edit ...func(map[string]any)) map[string]any {
	n := map[string]any{
		"uuid":                   testNodeID,
		"name":                   "ns~host-0",
		"driver":                 "fake-hardware",
		"provision_state":        "enroll",
		"target_provision_state": nil,
		"power_state":            nil,
		"target_power_state":     nil,
		"maintenance":            false,
		"maintenance_reason":     nil,
		"reservation":            nil,
		"last_error":             nil,
		"automated_clean":        true,
		"driver_info":            map[string]any{},
		"properties":             map[string]any{"capabilities": "boot_mode:uefi"},
		"instance_info":          map[string]any{},
		"extra": map[string]any{
			extraBMCAddress: "fake://x", extraCredentialsVersion: "1", extraBootMAC: testMAC,
		},
		"boot_interface": "fake", "deploy_interface": "fake", "inspect_interface": "fake",
		"management_interface": "fake", "power_interface": "fake", "raid_interface": "fake",
		"bios_interface": "fake", "vendor_interface": "fake",
		"provision_updated_at": "2025-01-02T03:04:05+00:00",
	}
	for _, e := range edit {
		e(n)
	}
	return n
}

func nodeRoutes(doc map[string]any) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /v1/nodes/" + testNodeID: reply(http.StatusOK, doc),
		"GET /v1/nodes/ns~host-0":     reply(http.StatusOK, doc),
	}
}

var testHost = provisioner.HostRef{Namespace: "ns", Name: "host-0", NodeID: testNodeID, BootMACAddress: testMAC}

func testNode() *provisioner.Node {
	return &provisioner.Node{ID: testNodeID, Name: "ns~host-0", ProvisionState: provisioner.StateAvailable}
}
