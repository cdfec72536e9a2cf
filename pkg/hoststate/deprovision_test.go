package hoststate

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestDeprovisioning(t *testing.T) {
	// d is a host deprovisioning imgA because its image was removed.
	d := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stDeprovisioning, append([]hostOpt{provisioned(imgA)}, opts...)...)
	}
	runTable(t, []row{
		{"an active node is undeployed", d(), node(active), nil, do(ActionUndeploy, stDeprovisioning)},
		{"an active node that still settles is waited for", d(), node(active, settling), nil, noActionIn(stDeprovisioning)},
		{"a node being torn down is waited for", d(), node(deletingNode), nil, noActionIn(stDeprovisioning)},
		{"a node being cleaned is waited for", d(), node(cleaning), nil, noActionIn(stDeprovisioning)},
		{"a node in clean wait is waited for", d(), node(cleanWait), nil, noActionIn(stDeprovisioning)},
		{"an available node completes deprovisioning", d(), node(available), nil, steadyIn(stAvailable, "DeprovisioningComplete")},
		{"an available node completes deprovisioning and a new image is provisioned", d(image(imgB)), node(available), nil,
			startsProvisioning("DeprovisioningComplete", "ProvisioningStarted")},
		{"a manageable node is made available", d(), node(manageable), nil, provide(stDeprovisioning)},
		{"a failed cleaning is a provisioning error", d(), node(cleanFail, lastError("erase failed")), nil,
			failure(stDeprovisioning, metal3.ProvisioningError)},
		{"a node whose tear-down failed is undeployed again", d(), node(errorNode, lastError("tear down failed")), nil,
			do(ActionUndeploy, stDeprovisioning)},
		{"a node whose deployment failed is undeployed", d(), node(deployFail, lastError("boom")), nil, do(ActionUndeploy, stDeprovisioning)},
		{"a node that failed inspection is recovered", d(), node(inspectFail), nil, do(ActionRecover, stDeprovisioning)},
		{"a node that failed adoption is recovered", d(), node(adoptFail), nil, do(ActionRecover, stDeprovisioning)},
		{"a deprovisioning host whose node is gone registers it again", d(), nil, nil, registerAndVerify(stDeprovisioning)},
		{"a deprovisioning host whose node is enrolled again manages it", d(), node(enroll), nil, do(ActionManage, stDeprovisioning)},
		{"a deprovisioning host waits while its node is verified", d(), node(verifying), nil, noActionIn(stDeprovisioning)},

		// the image the node runs is asked for again before its tear-down started
		{"an active node whose image is asked for again stays provisioned", d(specImage(imgA)), node(active), nil, steadyIn(stProvisioned)},
		{"a failed deployment whose image is asked for again is provisioned again", d(image(imgA)), node(deployFail, lastError("boom")), nil,
			failure(stProvisioning, metal3.ProvisioningError)},
		{"a node whose tear-down failed is undeployed again even if its image is asked for again", d(image(imgA)),
			node(errorNode, lastError("tear down failed")), nil, do(ActionUndeploy, stDeprovisioning)},
		{"a deleted host is undeployed even if its image is still asked for", d(image(imgA), deleted), node(active), nil,
			do(ActionUndeploy, stDeprovisioning)},
	})
}

func TestDeprovisioningCompleteForgetsTheImage(t *testing.T) {
	r := decide(t, input(host(stDeprovisioning, provisioned(imgA)), node(available)))
	want := metal3.ProvisionStatus{State: stAvailable, ID: nodeID}
	if diff := cmp.Diff(want, r.Status.Provisioning); diff != "" {
		t.Errorf("provisioning status (-want +got):\n%s", diff)
	}
	if r.Status.OperationHistory.Deprovision.End.IsZero() {
		t.Error("operationHistory.deprovision.end is not set")
	}
}

func TestDeletion(t *testing.T) {
	powerOff := func(state metal3.ProvisioningState, events ...string) outcome {
		return outcome{Action: Action{Kind: ActionPowerOff}, State: state, Events: append(events, "PowerOff")}
	}
	runTable(t, []row{
		// from each state
		{"a deleted new host is released", host(stNone, deleted), nil, nil, released()},
		{"a deleted unmanaged host is released", host(stUnmanaged, noBMC, deleted), nil, nil, released()},
		{"a deleted unmanaged host whose node still exists deletes it", host(stUnmanaged, deleted), node(enroll), nil, do(ActionDelete, stDeleting)},
		{"a deleted registering host without a node is released", host(stRegistering, deleted), nil, nil, released()},
		{"a deleted registering host deletes its powered-off node", host(stRegistering, deleted), node(enroll), nil, do(ActionDelete, stDeleting)},
		{"a deleted inspecting host powers its node off first", host(stInspecting, deleted), node(inspectWait, poweredOn), nil, powerOff(stPoweringOff)},
		{"a deleted preparing host powers its node off first", host(stPreparing, deleted), node(cleaning, poweredOn), nil, powerOff(stPoweringOff)},
		{"a deleted available host powers its node off first", host(stAvailable, online, deleted), node(available, poweredOn), nil, powerOff(stPoweringOff)},
		{"a deleted available host that is off deletes its node", host(stAvailable, deleted), node(available), nil, do(ActionDelete, stDeleting)},
		{"a deleted host that must never be powered off deletes its node", host(stAvailable, disablePowerOff, deleted), node(available, poweredOn), nil,
			do(ActionDelete, stDeleting)},
		{"a deleted provisioned host is deprovisioned", host(stProvisioned, running(imgA), deleted), node(active), nil,
			startsDeprovisioning()},
		{"a deleted provisioned host without a node is released", host(stProvisioned, running(imgA), deleted), nil, nil, released()},
		{"a deleted provisioned host without BMC access deletes its node", host(stProvisioned, running(imgA), deleted), node(active),
			[]inputOpt{credentialProblem("secret not found")}, do(ActionDelete, stDeleting)},
		{"a deleted provisioning host waits for the deploy before deprovisioning", host(stProvisioning, running(imgA), deleted), node(deploying), nil,
			noActionIn(stDeprovisioning).with("DeprovisioningStarted")},
		{"a deleted provisioning host whose deploy failed is deprovisioned", host(stProvisioning, running(imgA), deleted), node(deployFail, lastError("x")), nil,
			startsDeprovisioning()},
		{"a deleted deprovisioning host whose node is available powers it off", host(stDeprovisioning, provisioned(imgA), deleted), node(available, poweredOn), nil,
			powerOff(stPoweringOff, "DeprovisioningComplete")},
		{"a deleted deprovisioning host whose node is available and off deletes it", host(stDeprovisioning, provisioned(imgA), deleted), node(available), nil,
			do(ActionDelete, stDeleting, "DeprovisioningComplete")},
		{"a deleted deprovisioning host waits for cleaning", host(stDeprovisioning, provisioned(imgA), deleted), node(cleaning), nil, noActionIn(stDeprovisioning)},
		{"a deleted deprovisioning host without BMC access deletes its node", host(stDeprovisioning, provisioned(imgA), deleted), node(cleaning),
			[]inputOpt{credentialProblem("secret not found")}, do(ActionDelete, stDeleting)},
		{"a deleted externally provisioned host powers its node off first", host(stExternal, externallyProvisioned, deleted), node(active, poweredOn), nil,
			powerOff(stPoweringOff)},

		// powering off before delete
		{"a powered-on node is powered off", host(stPoweringOff, deleted), node(available, poweredOn), nil, powerOff(stPoweringOff)},
		{"a node whose power is changing is waited for", host(stPoweringOff, deleted), node(available, poweredOn, poweringTo(provisioner.PowerOff)), nil,
			noActionIn(stPoweringOff)},
		{"a powered-off node is deleted", host(stPoweringOff, deleted), node(available), nil, do(ActionDelete, stDeleting)},
		{"a gone node releases the host", host(stPoweringOff, deleted), nil, nil, released()},
		{"a node that would not power off is deleted after three attempts",
			host(stPoweringOff, deleted, failed(metal3.PowerManagementError, "power off failed: BMC timeout", 3, at(-Backoff(3)))),
			node(available, poweredOn), nil, do(ActionDelete, stDeleting)},
		{"a failed power-off is retried only after its backoff",
			host(stPoweringOff, deleted, failed(metal3.PowerManagementError, "power off failed: BMC timeout", 1, at(-2*time.Second))),
			node(available, poweredOn), nil, outcome{State: stPoweringOff, ErrorType: metal3.PowerManagementError, Count: 1, Requeue: after(3 * time.Second)}},

		// deleting
		{"a node is deleted", host(stDeleting, deleted), node(manageable), nil, do(ActionDelete, stDeleting)},
		{"an active node is deleted", host(stDeleting, deleted), node(active, poweredOn), nil, do(ActionDelete, stDeleting)},
		{"a locked node is waited for", host(stDeleting, deleted), node(manageable, locked), nil, noActionIn(stDeleting)},
		{"a deleted node releases the host", host(stDeleting, deleted), nil, nil, released()},
		{"a failed delete is retried only after its backoff",
			host(stDeleting, deleted, failed(metal3.ProvisioningError, "deleting the node failed: 503", 2, at(-4*time.Second))), node(manageable), nil,
			outcome{State: stDeleting, ErrorType: metal3.ProvisioningError, Count: 2, Requeue: after(Backoff(2) - 4*time.Second)}},
		{"a failed delete is retried after its backoff",
			host(stDeleting, deleted, failed(metal3.ProvisioningError, "deleting the node failed: 503", 2, at(-Backoff(2)))), node(manageable), nil,
			do(ActionDelete, stDeleting).count(2)},

		// an error of the state the host leaves does not hold up the deletion
		{"a deleted host with a fresh registration error deletes its node at once",
			host(stRegistering, deleted, failed(metal3.RegistrationError, "BMC access verification failed: auth", 1, t0)), node(enroll, lastError("auth")), nil,
			do(ActionDelete, stDeleting)},
		{"a deleted new host with a fresh registration error is released at once",
			host(stNone, deleted, failed(metal3.RegistrationError, "bad address", 1, t0)), nil, nil, released()},
	})
}

func TestOnlyDeletedHostsAreReleased(t *testing.T) {
	for _, state := range []metal3.ProvisioningState{stNone, stUnmanaged, stRegistering, stInspecting, stPreparing, stAvailable,
		stProvisioning, stProvisioned, stDeprovisioning, stExternal} {
		for _, ps := range []provisioner.ProvisionState{enroll, manageable, available, active} {
			r := Decide(input(host(state, running(imgA)), node(ps)))
			if r.RemoveFinalizer || r.Action.Kind == ActionDelete {
				t.Errorf("host %q with node %q, not deleted: action %q, removeFinalizer %v", state, ps, r.Action.Kind, r.RemoveFinalizer)
			}
		}
		if r := Decide(input(host(state, running(imgA)), nil)); r.RemoveFinalizer {
			t.Errorf("host %q without node, not deleted: removeFinalizer", state)
		}
	}
}

func TestADeletedHostGivesUpDeprovisioningAfterThreeFailures(t *testing.T) {
	dying := func(opts ...hostOpt) *metal3.BareMetalHost {
		return host(stDeprovisioning, append([]hostOpt{provisioned(imgA), deleted}, opts...)...)
	}
	runTable(t, []row{
		{"two failures: cleaning is retried", dying(failed(metal3.ProvisioningError, "cleaning after deprovisioning failed: disk busy", 2, at(-time.Hour))),
			node(cleanFail, lastError("disk busy")), nil, do(ActionRecover, stDeprovisioning).count(2)},
		{"three failures: the node is powered off and deleted without cleaning",
			dying(failed(metal3.ProvisioningError, "cleaning after deprovisioning failed: disk busy", 3, at(-time.Hour))),
			node(cleanFail, lastError("disk busy"), poweredOn), nil,
			outcome{Action: Action{Kind: ActionPowerOff}, State: stPoweringOff, Events: []string{"DeprovisioningAbandoned", "PowerOff"}}},
		{"three failures of a powered-off node: it is deleted", dying(errorCount(3)), node(active), nil,
			outcome{Action: Action{Kind: ActionDelete}, State: stDeleting, Events: []string{"DeprovisioningAbandoned"}}},
		{"three failures without a deletion: deprovisioning goes on", host(stDeprovisioning, provisioned(imgA), errorCount(3)),
			node(active), nil, do(ActionUndeploy, stDeprovisioning).count(3)},
	})
}

func TestADeletedHostWhoseUndeployIsRefusedGivesUpAfterThreeFailures(t *testing.T) {
	refused := func(n int) hostOpt {
		return failed(metal3.ProvisioningError, "starting deprovisioning failed: 400 Bad Request", n, at(-time.Hour))
	}
	runTable(t, []row{
		{"two refusals: the undeploy is asked for again", host(stProvisioned, provisioned(imgA), deleted, refused(2)), node(active, poweredOn), nil,
			startsDeprovisioning()},
		{"three refusals: powered off and deleted without cleaning", host(stProvisioned, provisioned(imgA), deleted, refused(3)), node(active, poweredOn), nil,
			outcome{Action: Action{Kind: ActionPowerOff}, State: stPoweringOff, Events: []string{"DeprovisioningAbandoned", "PowerOff"}}},
		{"three power failures of a provisioned host do not skip its deprovisioning",
			host(stProvisioned, provisioned(imgA), deleted, failed(metal3.PowerManagementError, "power on failed", 3, at(-time.Hour))),
			node(active, poweredOn), nil, startsDeprovisioning()},
	})
}
