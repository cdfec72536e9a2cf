package ironic

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestANodeReadAsksForExactlyTheFieldsOfTheDocument(t *testing.T) {
	var tags []string
	typ := reflect.TypeOf(nodeDoc{})
	for k := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(k).Tag.Get("json"), ",")
		tags = append(tags, name)
	}
	asked := strings.Split(strings.TrimPrefix(nodeQuery(newestKnown), "?fields="), ",")
	if diff := cmp.Diff(sortedCopy(tags), sortedCopy(asked)); diff != "" {
		t.Errorf("fields asked for (-nodeDoc +query):\n%s", diff)
	}
}

// fullDocument is a node as Ironic answers a PATCH or a POST: every field, not only those asked
// for on GET.
func fullDocument(edit ...func(map[string]any)) map[string]any {
	return nodeDocument(append([]func(map[string]any){func(n map[string]any) {
		n["driver_internal_info"] = map[string]any{"agent_url": "http://192.0.2.9:9999", "clean_steps": []any{map[string]any{"step": "erase_devices"}}}
		n["links"] = []any{map[string]any{"href": "http://ironic/v1/nodes/" + testNodeID, "rel": "self"}}
		n["clean_step"], n["deploy_step"] = map[string]any{}, map[string]any{}
		n["created_at"], n["updated_at"] = "2025-01-01T00:00:00+00:00", "2025-01-02T03:04:05+00:00"
		n["traits"] = []any{"CUSTOM_X"}
	}}, edit...)...)
}

func TestDisablePowerOffIsReadAndDiffedOnAnIronicThatHasIt(t *testing.T) {
	f := newFakeIronic(t, nodeRoutes(nodeDocument(func(n map[string]any) { n["disable_power_off"] = true })))
	f.maxVersion = "1.95"
	f.route("PATCH /v1/nodes/"+testNodeID, reply(http.StatusOK, fullDocument()))
	p := f.provisioner(t)
	ctx := context.Background()
	existing, err := p.FindNode(ctx, testHost)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /", "GET /v1/nodes/" + testNodeID + readFields + ",disable_power_off"}
	if diff := cmp.Diff(want, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	req := fakeRegisterRequest(t)
	req.DisablePowerOff = true
	if _, err := p.Register(ctx, req, existing); err != nil {
		t.Fatal(err)
	}
	if got := f.lines(); len(got) != 0 {
		t.Errorf("Register of an unchanged node sent %v", got)
	}
	req.DisablePowerOff = false
	if _, err := p.Register(ctx, req, existing); err != nil {
		t.Fatal(err)
	}
	got := f.take()
	if diff := cmp.Diff([]string{"PATCH /v1/nodes/" + testNodeID}, lines(got)); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	wantPatch := []any{map[string]any{"op": "replace", "path": "/disable_power_off", "value": false}}
	if diff := cmp.Diff(wantPatch, got[0].Body); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}

func TestTheAnswersToPatchAndCreateRefreshTheCache(t *testing.T) {
	patches := 0
	recordBootPort := reply(http.StatusOK, fullDocument())
	change := reply(http.StatusOK, fullDocument(func(n map[string]any) {
		n["automated_clean"] = false
		n["properties"] = map[string]any{"capabilities": "boot_mode:bios"}
	}))
	f := newFakeIronic(t, map[string]http.HandlerFunc{
		"POST /v1/nodes": reply(http.StatusCreated, fullDocument(func(n map[string]any) {
			delete(n["extra"].(map[string]any), extraBootMAC)
		})),
		"POST /v1/ports": reply(http.StatusCreated, map[string]any{"uuid": "p-1"}),
		"PATCH /v1/nodes/" + testNodeID: func(w http.ResponseWriter, r *http.Request) {
			if patches++; patches == 1 {
				recordBootPort(w, r) // the create's PATCH of extra/metalkube_boot_mac
				return
			}
			change(w, r)
		},
		"PUT /v1/nodes/" + testNodeID + "/states/provision": reply(http.StatusAccepted, nil),
	})
	p := f.provisioner(t)
	ctx := context.Background()
	req := fakeRegisterRequest(t)
	node, err := p.Register(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.take()
	if _, err := p.Register(ctx, req, node); err != nil {
		t.Fatal(err)
	}
	if got := f.lines(); len(got) != 0 {
		t.Errorf("Register right after the create sent %v, want nothing", got)
	}
	req.AutomatedClean = false
	req.BootMode = metal3.BootModeLegacy
	if _, err := p.Register(ctx, req, node); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Register(ctx, req, node); err != nil {
		t.Fatal(err)
	}
	if err := p.Provide(ctx, node, false); err != nil {
		t.Fatal(err)
	}
	// One PATCH for the change; the second Register and Provide diff against its answer.
	want := []string{"PATCH /v1/nodes/" + testNodeID, "PUT /v1/nodes/" + testNodeID + "/states/provision"}
	if diff := cmp.Diff(want, f.lines()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestAnOddInstanceInfoValueDoesNotMakeTheNodeUnreadable(t *testing.T) {
	doc := nodeDocument(func(n map[string]any) {
		n["instance_info"] = map[string]any{"image_source": 42, "boot_iso": "http://images/live.iso", "root_gb": 10}
	})
	f := newFakeIronic(t, nodeRoutes(doc))
	node, err := f.provisioner(t).FindNode(context.Background(), testHost)
	if err != nil {
		t.Fatal(err)
	}
	if node.ImageURL != "http://images/live.iso" {
		t.Errorf("ImageURL = %q, want the boot ISO", node.ImageURL)
	}
}

func TestANodeDocumentThatCannotBeDecodedIsAnErrorOfNoKind(t *testing.T) {
	tests := []struct {
		name   string
		answer http.HandlerFunc
	}{
		{
			name: "a truncated document",
			answer: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"uuid": "` + testNodeID + `", "name": `))
			},
		},
		{
			name:   "a field of the wrong type",
			answer: reply(http.StatusOK, nodeDocument(func(n map[string]any) { n["maintenance"] = "yes" })),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIronic(t, map[string]http.HandlerFunc{"GET /v1/nodes/" + testNodeID: tt.answer})
			p := f.provisioner(t)
			_, err := p.Register(context.Background(), fakeRegisterRequest(t), testNode())
			assertErrorKind(t, err, nil, "reading node "+testNodeID+": decoding Ironic's answer")
			if n := p.cached(testNodeID); n != nil {
				t.Errorf("the cache holds %+v", n)
			}
		})
	}
}
