package ironic

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func stateFake(t *testing.T, doc map[string]any) *fakeIronic {
	t.Helper()
	f := newFakeIronic(t, nodeRoutes(doc))
	f.route("PATCH /v1/nodes/"+testNodeID, reply(http.StatusOK, doc))
	f.route("PUT /v1/nodes/"+testNodeID+"/states/provision", reply(http.StatusAccepted, nil))
	f.route("PUT /v1/nodes/"+testNodeID+"/maintenance", reply(http.StatusAccepted, nil))
	f.route("DELETE /v1/nodes/"+testNodeID+"/maintenance", reply(http.StatusAccepted, nil))
	f.route("DELETE /v1/nodes/"+testNodeID, reply(http.StatusNoContent, nil))
	return f
}

func TestProvisionStateChangesSendOneRequestEach(t *testing.T) {
	node := testNode()
	provision := "PUT /v1/nodes/" + testNodeID + "/states/provision"
	tests := []struct {
		name   string
		call   func(*Ironic) error
		node   map[string]any
		want   []string
		target string
	}{
		{name: "manage asks for manage", call: func(p *Ironic) error { return p.Manage(context.Background(), node) }, want: []string{provision}, target: "manage"},
		{name: "inspect asks for inspect", call: func(p *Ironic) error { return p.Inspect(context.Background(), node, provisioner.InspectRequest{}) }, want: []string{provision}, target: "inspect"},
		{name: "undeploy asks for deleted", call: func(p *Ironic) error { return p.Undeploy(context.Background(), node) }, want: []string{provision}, target: "deleted"},
		{name: "recover asks for manage", call: func(p *Ironic) error { return p.Recover(context.Background(), node) }, want: []string{provision}, target: "manage"},
		{
			name: "recover ends maintenance first",
			call: func(p *Ironic) error {
				return p.Recover(context.Background(), &provisioner.Node{ID: testNodeID, Maintenance: true})
			},
			want:   []string{"DELETE /v1/nodes/" + testNodeID + "/maintenance", provision},
			target: "manage",
		},
		{
			name:   "provide with the automated cleaning the node has asks for provide",
			call:   func(p *Ironic) error { return p.Provide(context.Background(), node, true) },
			want:   []string{provision},
			target: "provide",
		},
		{
			name:   "provide with other automated cleaning patches it first",
			call:   func(p *Ironic) error { return p.Provide(context.Background(), node, false) },
			want:   []string{"PATCH /v1/nodes/" + testNodeID, provision},
			target: "provide",
		},
		{
			name: "adopt sets the image first",
			call: func(p *Ironic) error {
				return p.Adopt(context.Background(), node, &metal3.Image{URL: imageURL, Checksum: md5Sum})
			},
			want:   []string{"PATCH /v1/nodes/" + testNodeID, provision},
			target: "adopt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := stateFake(t, nodeDocument())
			p := f.provisioner(t)
			if _, err := p.FindNode(context.Background(), testHost); err != nil {
				t.Fatal(err)
			}
			f.take()
			if err := tt.call(p); err != nil {
				t.Fatal(err)
			}
			got := f.take()
			if diff := cmp.Diff(tt.want, lines(got)); diff != "" {
				t.Fatalf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]any{"target": tt.target}, got[len(got)-1].Body); diff != "" {
				t.Errorf("provision body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdoptSetsImageSourceAndChecksum(t *testing.T) {
	f := stateFake(t, nodeDocument())
	p := f.provisioner(t)
	if err := p.Adopt(context.Background(), testNode(), &metal3.Image{URL: imageURL, Checksum: md5Sum}); err != nil {
		t.Fatal(err)
	}
	got := f.take()
	want := []any{
		map[string]any{"op": "add", "path": "/instance_info/image_checksum", "value": md5Sum},
		map[string]any{"op": "add", "path": "/instance_info/image_source", "value": imageURL},
	}
	if diff := cmp.Diff(want, got[1].Body); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}
}

func TestDeleteUsesMaintenanceOnlyWhereIronicNeedsIt(t *testing.T) {
	del := "DELETE /v1/nodes/" + testNodeID
	maint := "PUT /v1/nodes/" + testNodeID + "/maintenance"
	tests := []struct {
		name  string
		state provisioner.ProvisionState
		maint bool
		want  []string
	}{
		{"an available node is deleted directly", provisioner.StateAvailable, false, []string{del}},
		{"an enrolled node is deleted directly", provisioner.StateEnroll, false, []string{del}},
		{"a node that failed cleaning goes into maintenance first", provisioner.StateCleanFail, false, []string{maint, del}},
		{"a node that failed inspection goes into maintenance first", provisioner.StateInspectFail, false, []string{maint, del}},
		{"a node in maintenance already is deleted directly", provisioner.StateCleanFail, true, []string{del}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := stateFake(t, nodeDocument())
			p := f.provisioner(t)
			if err := p.Ready(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.take()
			err := p.Delete(context.Background(), &provisioner.Node{ID: testNodeID, ProvisionState: tt.state, Maintenance: tt.maint})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.lines()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeletingANodeThatIsGoneSucceeds(t *testing.T) {
	f := newFakeIronic(t, nil)
	if err := f.provisioner(t).Delete(context.Background(), testNode()); err != nil {
		t.Errorf("error = %v, want none", err)
	}
}
