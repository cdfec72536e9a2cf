package hoststate

import (
	"errors"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// The Settled condition answers "why is my host stuck": one reason per situation, and a
// message that names what the host waits for (and, for an error, when it tries again).
func TestSettledConditionSaysWhatTheHostWaitsFor(t *testing.T) {
	const failedClean = "cleaning failed: disk erase timed out"
	since := at(-30 * time.Second)
	limit := func(in *Input) { in.MaxProvisioningAttempts = 3 }
	for _, c := range []struct {
		name    string
		in      Input
		decide  func(Input) Result // nil: Decide
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{name: "a provisioned host at rest is stable",
			in:     input(host(stProvisioned, running(imgA), online), node(active, poweredOn)),
			status: metav1.ConditionTrue, reason: ReasonStable,
			message: "the host is provisioned and powered on"},
		{name: "an available host at rest is stable",
			in:     input(host(stAvailable), node(available)),
			status: metav1.ConditionTrue, reason: ReasonStable,
			message: "the host is available and powered off"},
		{name: "an operation in progress names the node's state and since when",
			in:     input(host(stInspecting, inspectionStartedAt(since)), node(inspectWait, inStateSince(since))),
			status: metav1.ConditionFalse, reason: ReasonOperationInProgress,
			message: `Ironic node ` + nodeID + ` is "inspect wait" on its way to "manageable" since 2025-03-14T09:26:23Z`},
		{name: "an action asked of the provisioner names it",
			in:     input(host(stPreparing), node(manageable)),
			status: metav1.ConditionFalse, reason: ReasonActionRequested,
			message: "asked the provisioner for making the host available"},
		{name: "a state change before an action says what starts",
			in:     input(host(stAvailable, image(imgA)), node(available)),
			status: metav1.ConditionFalse, reason: ReasonActionRequested,
			message: "provisioning http://images.example.com/a.qcow2 starts"},
		{name: "a new error gives the error and the next attempt",
			in:     input(host(stPreparing), node(cleanFail, lastError("disk erase timed out"))),
			status: metav1.ConditionFalse, reason: ReasonErrorBackoff,
			message: "preparation error: cleaning failed: disk erase timed out; next attempt at 2025-03-14T09:26:58Z"},
		{name: "an error waiting out its backoff keeps its message and next attempt",
			in: input(host(stPreparing, failed(metal3.PreparationError, failedClean, 2, t0)),
				node(cleanFail, lastError("disk erase timed out")), now(at(3*time.Second))),
			status: metav1.ConditionFalse, reason: ReasonErrorBackoff,
			message: "preparation error: cleaning failed: disk erase timed out; next attempt at 2025-03-14T09:27:03Z"},
		{name: "an error of the spec names its cause",
			in:     input(host(stAvailable, image(imgFTP)), node(available)),
			status: metav1.ConditionFalse, reason: ReasonInvalidImage,
			message: `provisioning error: spec.image.url "ftp://images.example.com/d.qcow2" must use http, https or file; next attempt at 2025-03-14T09:26:58Z`},
		{name: "the provisioning limit says how to try again",
			in: input(host(stProvisioning, running(imgA), failCount(3, imgA), failed(metal3.ProvisioningError, "deploy failed: checksum mismatch", 3, t0)),
				node(deployFail, lastError("checksum mismatch")), limit, now(at(time.Hour))),
			status: metav1.ConditionFalse, reason: ReasonProvisioningLimit,
			message: "deploying http://images.example.com/a.qcow2 failed 3 times in a row, the limit; change or remove spec.image, or set status.provisioningFailCount to 0, to try again"},
		{name: "a host waiting for a provisioning slot says so",
			in:     input(host(stAvailable, image(imgA)), node(available), slotsFull),
			status: metav1.ConditionFalse, reason: ReasonWaitingForSlot,
			message: "waiting for a provisioning slot: the limit of hosts inspecting, cleaning or deploying at once is reached"},
		{name: "a detached host says how to manage it again",
			in:     input(host(stProvisioned, running(imgA), annotated(DetachedAnnotation, "")), nil),
			status: metav1.ConditionFalse, reason: ReasonDetached,
			message: "the node was removed from the provisioner as annotation baremetalhost.metal3.io/detached asks; remove the annotation to manage the host again"},
		{name: "a host held off by reboot annotations says which",
			in:     input(host(stProvisioned, running(imgA), annotated(RebootAnnotation+"/maintenance", "")), node(active)),
			status: metav1.ConditionFalse, reason: ReasonPoweredOffByAnnotation,
			message: "held powered off until every reboot.metal3.io/<key> annotation is removed"},
		{name: "an unmanaged host asks for BMC details",
			in:     input(host(stUnmanaged, noBMC), nil),
			status: metav1.ConditionFalse, reason: ReasonUnmanaged,
			message: "no BMC address: set spec.bmc.address and spec.bmc.credentialsName to manage this host"},
		{name: "a host being deleted says so while its node powers off",
			in:     input(host(stPoweringOff, deleted), node(active, poweredOn, poweringTo(provisioner.PowerOff), inStateSince(since))),
			status: metav1.ConditionFalse, reason: ReasonOperationInProgress,
			message: `the host is being deleted: Ironic node ` + nodeID + ` is "active", power changing to "power off" since 2025-03-14T09:26:23Z`},
		{name: "a deleted host whose node is gone is released",
			in:     input(host(stDeleting, deleted), nil),
			status: metav1.ConditionFalse, reason: ReasonDeleting,
			message: "the node is deleted; the host is released"},
		{name: "an unreachable provisioner is named",
			in: input(host(stProvisioned, running(imgA)), nil),
			decide: func(in Input) Result {
				return ObservationFailed(in, fmt.Errorf("%w: %w", provisioner.ErrUnavailable, errors.New("dial tcp 10.0.0.2:6385: connection refused")))
			},
			status: metav1.ConditionFalse, reason: ReasonProvisionerUnavailable,
			message: "waiting for the provisioner to answer: provisioner unavailable: dial tcp 10.0.0.2:6385: connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r Result
			if c.decide != nil {
				r = c.decide(c.in)
			} else {
				r = decide(t, c.in)
			}
			got := findCondition(r.Status.Conditions, ConditionSettled)
			if got == nil {
				t.Fatal("no Settled condition")
			}
			if got.Status != c.status || got.Reason != c.reason || got.Message != c.message {
				t.Errorf("Settled is %s %s %q,\nwant %s %s %q", got.Status, got.Reason, got.Message, c.status, c.reason, c.message)
			}
		})
	}
}
