package ironic

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestRequestsAreLoggedWithoutPasswordsOrConfigDrives(t *testing.T) {
	logger := ktesting.NewLogger(ktesting.NopTL{}, ktesting.NewConfig(ktesting.Verbosity(10), ktesting.BufferLogs(true)))
	ctx := klog.NewContext(context.Background(), logger)

	doc := nodeDocument(func(n map[string]any) { n["provision_state"] = "available" })
	f := newFakeIronic(t, nodeRoutes(doc))
	f.route("POST /v1/nodes", reply(http.StatusCreated, doc))
	f.route("POST /v1/ports", reply(http.StatusCreated, map[string]any{"uuid": "p-1"}))
	f.route("PATCH /v1/nodes/"+testNodeID, reply(http.StatusOK, doc))
	f.route("PUT /v1/nodes/"+testNodeID+"/states/provision", reply(http.StatusAccepted, nil))
	p, err := New(Config{Endpoint: f.srv.URL, Username: "ironic", Password: "ironic-api-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	req := provisioner.RegisterRequest{
		Host: testHost, BMC: parseBMC(t, "redfish://192.0.2.1/redfish/v1/Systems/1"),
		Credentials: bmc.Credentials{Username: "root", Password: "bmc-s3cret"}, CredentialsVersion: "1",
	}
	node, err := p.Register(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Deploy(ctx, node, provisioner.DeployRequest{
		Image:       &metal3.Image{URL: imageURL, Checksum: md5Sum},
		ConfigDrive: &provisioner.ConfigDrive{UserData: "#cloud-config\npassword: userdata-s3cret\n"},
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := logger.GetSink().(ktesting.Underlier).GetBuffer().String()
	for _, secret := range []string{"ironic-api-s3cret", "bmc-s3cret", "userdata-s3cret", "Authorization", "Basic "} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`Ironic request method="POST" path="/v1/nodes" `, `status=201`, `path="/v1/nodes/` + testNodeID + `/states/provision"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the logs lack %q:\n%s", want, logs)
		}
	}
}
