package hoststate

import (
	"errors"
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// failCount records n failed deploys of the last attempted image img.
func failCount(n int, img *metal3.Image) hostOpt {
	return func(h *metal3.BareMetalHost) {
		h.Status.ProvisioningFailCount = n
		h.Status.LastAttemptedImage = img.DeepCopy()
	}
}

func settledReason(r Result) string {
	for _, c := range r.Status.Conditions {
		if c.Type == ConditionSettled {
			return c.Reason
		}
	}
	return ""
}

// status.provisioningFailCount counts failed deploys of one image, as in metal3: once per
// failure (not once per look), reset by a new image and by success; problems of the data
// Secrets do not count; the provisioning limit reads it.
func TestProvisioningFailCountCountsFailedDeploysOfOneImage(t *testing.T) {
	const msg = "deploy failed: checksum mismatch"
	limit := func(in *Input) { in.MaxProvisioningAttempts = 3 }
	for _, c := range []struct {
		name       string
		in         Input
		act        func(Input) Result // nil: Decide
		wantAction ActionKind
		wantCount  int
		wantReason string
	}{
		{name: "the first deploy records the image attempted",
			in:         input(host(stProvisioning, running(imgA)), node(available), limit),
			wantAction: ActionDeploy},
		{name: "a failed deploy counts once",
			in:        input(host(stProvisioning, running(imgA), failCount(0, imgA)), node(deployFail, lastError("checksum mismatch")), limit),
			wantCount: 1, wantReason: ReasonErrorBackoff},
		{name: "the same failure seen again within its backoff is not counted again",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA), failed(metal3.ProvisioningError, msg, 1, t0)),
				node(deployFail, lastError("checksum mismatch")), limit, now(at(Backoff(1)/2))),
			wantCount: 1, wantReason: ReasonErrorBackoff},
		{name: "after its backoff the image is deployed again, still counted once",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA), failed(metal3.ProvisioningError, msg, 1, t0)),
				node(deployFail, lastError("checksum mismatch")), limit, now(at(Backoff(1)))),
			wantAction: ActionDeploy, wantCount: 1},
		{name: "the retried deploy failing again counts again",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA), errorCount(1)),
				node(deployFail, lastError("checksum mismatch")), limit),
			wantCount: 2, wantReason: ReasonErrorBackoff},
		{name: "at the limit nothing is deployed",
			in: input(host(stProvisioning, running(imgA), failCount(3, imgA), failed(metal3.ProvisioningError, msg, 3, t0)),
				node(deployFail, lastError("checksum mismatch")), limit, now(at(Backoff(3)))),
			wantCount: 3, wantReason: ReasonProvisioningLimit},
		{name: "many errors that were not failed deploys do not reach the limit",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA), failed(metal3.ProvisioningError, "user data Secret metal/ud not found", 6, t0)),
				node(available), limit, now(at(Backoff(6)))),
			wantAction: ActionDeploy, wantCount: 1},
		{name: "a new image starts counting again",
			in:         input(host(stProvisioning, running(imgA), failCount(2, imgB)), node(available), limit),
			wantAction: ActionDeploy},
		{name: "a new checksum type or format of the same URL starts counting again",
			in:         input(host(stProvisioning, running(imgAMD5)), node(available), limit, func(in *Input) { failCount(2, imgA)(in.Host) }),
			wantAction: ActionDeploy},
		{name: "success resets the count",
			in:         input(host(stProvisioning, running(imgA), failCount(2, imgA)), node(active), limit),
			wantReason: ReasonStable},
		{name: "a deploy request Ironic refuses counts",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA)), node(available), limit),
			act: func(in Input) Result {
				return ActionFailed(in, Action{Kind: ActionDeploy}, errors.New("HTTP 400: image unreachable"))
			},
			wantCount: 2, wantReason: ReasonErrorBackoff},
		{name: "a deploy request refused for a new image counts from zero",
			in: input(host(stProvisioning, running(imgA), failCount(2, imgB)), node(available), limit),
			act: func(in Input) Result {
				return ActionFailed(in, Action{Kind: ActionDeploy}, errors.New("HTTP 400: image unreachable"))
			},
			wantCount: 1, wantReason: ReasonErrorBackoff},
		{name: "a problem of a data Secret does not count",
			in: input(host(stProvisioning, running(imgA), failCount(1, imgA)), node(available), limit),
			act: func(in Input) Result {
				return ActionFailed(in, Action{Kind: ActionDeploy}, &DataSecretError{Err: errors.New("user data Secret metal/ud not found")})
			},
			wantCount: 1, wantReason: ReasonDataSecret},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Result
			if c.act == nil {
				r = decide(t, c.in)
			} else {
				r = c.act(c.in)
			}
			if r.Action.Kind != c.wantAction {
				t.Errorf("action %q, want %q", r.Action.Kind, c.wantAction)
			}
			if got := r.Status.ProvisioningFailCount; got != c.wantCount {
				t.Errorf("provisioningFailCount %d, want %d", got, c.wantCount)
			}
			if c.wantReason != "" && settledReason(r) != c.wantReason {
				t.Errorf("Settled reason %q, want %q", settledReason(r), c.wantReason)
			}
			if c.wantAction == ActionDeploy || c.act != nil {
				if last := r.Status.LastAttemptedImage; last == nil || last.URL != imgA.URL {
					t.Errorf("lastAttemptedImage %+v, want %s", last, imgA.URL)
				}
			}
		})
	}
}

// imgAMD5 is imgA's URL and checksum with another checksum type and format.
var imgAMD5 = &metal3.Image{URL: imgA.URL, Checksum: imgA.Checksum, ChecksumType: metal3.ChecksumSHA256, DiskFormat: ptr("raw")}

// An available host whose spec asks for no image forgets its failed attempts, as in metal3.
func TestAnAvailableHostWithoutImageForgetsItsFailedAttempts(t *testing.T) {
	for _, c := range []struct {
		name      string
		h         *metal3.BareMetalHost
		wantCount int
		wantLast  bool
	}{
		{"no image", host(stAvailable, failCount(3, imgA)), 0, false},
		{"an image without URL", host(stAvailable, failCount(3, imgA), specImage(&metal3.Image{})), 0, false},
		{"an image offline keeps them", host(stAvailable, failCount(3, imgA), specImage(imgA)), 3, true},
		{"no failures: the last attempted image is kept", host(stAvailable, failCount(0, imgA)), 0, true},
	} {
		r := Decide(input(c.h, node(available)))
		if r.Status.ProvisioningFailCount != c.wantCount || (r.Status.LastAttemptedImage != nil) != c.wantLast {
			t.Errorf("%s: provisioningFailCount %d, lastAttemptedImage %+v; want %d, kept %v", c.name,
				r.Status.ProvisioningFailCount, r.Status.LastAttemptedImage, c.wantCount, c.wantLast)
		}
	}
}

func TestADataSecretProblemSaysWhichSecret(t *testing.T) {
	in := input(host(stProvisioning, running(imgA)), node(available))
	r := ActionFailed(in, Action{Kind: ActionDeploy}, &DataSecretError{Err: errors.New("network data Secret metal/nd has none of the keys [networkData]")})
	if r.Status.ErrorType != metal3.ProvisioningError || r.Status.ErrorMessage != "network data Secret metal/nd has none of the keys [networkData]" {
		t.Errorf("error %q %q", r.Status.ErrorType, r.Status.ErrorMessage)
	}
	if len(r.Events) != 1 || r.Events[0].Type != "Warning" {
		t.Errorf("events %+v, want one Warning", r.Events)
	}
}
