package hoststate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// busyRecheck is how soon a host looks again when its node was locked by another operation.
const busyRecheck = 2 * time.Second

// notTheHostsFault is the result of the two provisioner errors that say nothing about the host:
// a node locked by another operation (provisioner.ErrLocked) is looked at again soon, with
// nothing recorded; an unreachable provisioner (provisioner.ErrUnavailable) is recorded in
// conditions and an Event. ok is false for any other error.
func notTheHostsFault(in Input, err error) (r Result, ok bool) {
	switch {
	case errors.Is(err, provisioner.ErrLocked):
		return Result{Status: *in.Host.Status.DeepCopy(), RequeueAfter: busyRecheck}, true
	case errors.Is(err, provisioner.ErrUnavailable):
		return provisionerUnavailable(in, err), true
	}
	return Result{}, false
}

// ActionFailed is the result when the provisioner failed to carry out the action Decide asked
// for: the host keeps its state, records the error (with an Event) and retries after a
// bounded backoff. A locked node or an unreachable provisioner is not an error of the host
// (notTheHostsFault). err must not contain secrets.
func ActionFailed(in Input, a Action, err error) Result {
	if r, ok := notTheHostsFault(in, err); ok {
		return r
	}
	d := &decision{in: in, host: in.Host, node: in.Node, status: *in.Host.Status.DeepCopy()}
	if d.node != nil {
		d.status.Provisioning.ID = d.node.ID
		d.status.PoweredOn = d.node.PoweredOn()
	}
	var secretErr *DataSecretError
	if errors.As(err, &secretErr) {
		// A problem of the user, network or meta data Secret, not of the image: it is
		// retried with the backoff (and as soon as the Secret changes), and never counts
		// against the image's deploy attempts.
		return d.result(d.fail(errorTypeFor(d.state(), a.Kind), err.Error()).because(ReasonDataSecret))
	}
	s := d.fail(errorTypeFor(d.state(), a.Kind), fmt.Sprintf("%s failed: %v", actionVerb[a.Kind], err))
	if a.Kind == ActionDeploy {
		d.recordAttempt()
		s = s.againstImage() // Ironic refused the deploy of this image
	}
	return d.result(s)
}

// DataSecretError is a problem of a host's user, network or meta data Secret found while
// building a deploy: missing, without the expected key, or not decodable. The controller
// wraps such problems in it so that ActionFailed does not count them against the image.
type DataSecretError struct{ Err error }

func (e *DataSecretError) Error() string { return e.Err.Error() }
func (e *DataSecretError) Unwrap() error { return e.Err }

// ObservationFailed is the result when reading the host's node from the provisioner failed
// with an error other than a locked node (provisioner.ErrLocked) or an unreachable provisioner: the error is recorded in status, with an
// Event, and the host looks again after a bounded backoff. err must not contain secrets.
//
// A host being deleted whose node could not be read maxObservationFailuresBeforeDelete times
// in a row is released all the same, so that a deletion never hangs on a node Ironic will not
// show (a name it refuses, a lookup it rejects); a Warning Event says what Ironic may still hold.
// An unreachable Ironic (ProvisionerUnavailable) never releases a host: it may heal.
func ObservationFailed(in Input, err error) Result {
	if r, ok := notTheHostsFault(in, err); ok {
		return r
	}
	d := &decision{in: in, host: in.Host, status: *in.Host.Status.DeepCopy()}
	r := d.result(d.fail(errorTypeFor(d.state(), ActionNone), fmt.Sprintf("%s: %v", observationFailed, err)))
	// errorCount counts failures of any kind in a row: the one before must have been a failed
	// read too, so that earlier errors never release a host on its first failed read.
	lastRead := strings.HasPrefix(in.Host.Status.ErrorMessage, observationFailed)
	if d.host.DeletionTimestamp == nil || !lastRead || r.Status.ErrorCount < maxObservationFailuresBeforeDelete {
		return r
	}
	left := "a node named " + provisioner.HostRef{Namespace: d.host.Namespace, Name: d.host.Name}.NodeName()
	if id := d.status.Provisioning.ID; id != "" {
		left = "node " + id
	}
	if mac := d.host.Spec.BootMACAddress; mac != "" {
		left += " with a port for " + mac
	}
	r.Events = append(r.Events, Event{Type: corev1.EventTypeWarning, Reason: "DeletedWithoutNode", Message: fmt.Sprintf(
		"The node could not be read %d times while the host is being deleted; the host is released without deprovisioning or "+
			"deleting its node: Ironic may still hold %s (in state %q here), which must be removed there (last error: %v)",
		r.Status.ErrorCount, left, d.state(), redact.URLs(err.Error()))})
	r.RemoveFinalizer = true
	r.RequeueAfter = 0
	return r
}

const observationFailed = "reading the node from the provisioner failed"

// maxObservationFailuresBeforeDelete is how many failed reads of its node (other than an
// unreachable provisioner) a host being deleted sits through before it is released.
const maxObservationFailuresBeforeDelete = 3

var actionVerb = map[ActionKind]string{
	ActionRegister: "registration", ActionManage: "BMC access verification", ActionInspect: "starting inspection",
	ActionProvide: "making the host available", ActionDeploy: "starting deployment", ActionUndeploy: "starting deprovisioning",
	ActionAdopt: "adoption", ActionRecover: "recovery from a failed state", ActionPowerOn: "power on",
	ActionPowerOff: "power off", ActionReboot: "reboot", ActionDelete: "deleting the node",
}

// errorTypeFor is the error type of a failed action in a host state.
func errorTypeFor(state metal3.ProvisioningState, kind ActionKind) metal3.ErrorType {
	switch kind {
	case ActionPowerOn, ActionPowerOff, ActionReboot:
		return metal3.PowerManagementError
	case ActionInspect:
		return metal3.InspectionError
	case ActionDeploy, ActionUndeploy:
		return metal3.ProvisioningError
	case ActionAdopt:
		return metal3.ProvisionedRegistrationError
	}
	switch state {
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned:
		return metal3.ProvisionedRegistrationError
	case metal3.StateInspecting:
		return metal3.InspectionError
	case metal3.StatePreparing, metal3.StateAvailable:
		return metal3.PreparationError
	case metal3.StateProvisioning, metal3.StateDeprovisioning, metal3.StateDeleting, metal3.StatePoweringOffBeforeDelete:
		return metal3.ProvisioningError
	}
	return metal3.RegistrationError
}

// eventReasonForError is the Event reason for an error type, e.g. "RegistrationError".
func eventReasonForError(t metal3.ErrorType) string {
	switch t {
	case metal3.ProvisionedRegistrationError:
		return "ProvisionedRegistrationError"
	case metal3.RegistrationError:
		return "RegistrationError"
	case metal3.InspectionError:
		return "InspectionError"
	case metal3.PreparationError:
		return "PreparationError"
	case metal3.ProvisioningError:
		return "ProvisioningError"
	case metal3.PowerManagementError:
		return "PowerManagementError"
	case metal3.DetachError:
		return "DetachError"
	case metal3.ServicingError:
		return "ServicingError"
	}
	return "Error"
}
