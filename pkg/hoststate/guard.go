package hoststate

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// registeredStates are the states of a host whose node is registered: their handlers run only
// once guard lets them.
var registeredStates = map[metal3.ProvisioningState]bool{
	metal3.StateInspecting: true, metal3.StatePreparing: true, metal3.StateAvailable: true,
	metal3.StateProvisioning: true, metal3.StateProvisioned: true, metal3.StateExternallyProvisioned: true,
	metal3.StateDeprovisioning: true,
}

// guard runs before the handler of every state in registeredStates: the node must exist with
// the host's BMC address, credentials and boot MAC (register), and must not have fallen back
// to enroll (reenroll). done: s is the answer, and the handler does not run.
func (d *decision) guard() (s step, done bool) {
	if s, done := d.register(); done {
		if d.state() == metal3.StateDeprovisioning && d.host.DeletionTimestamp != nil {
			// Without BMC access a deleted host cannot be deprovisioned; do not hold it forever.
			d.setState(metal3.StateDeleting)
			return handleDeleting(d), true
		}
		if d.node == nil {
			d.restartInspection()
		}
		return s, true
	}
	if s, done := d.reenroll(); done {
		d.restartInspection()
		return s, true
	}
	return step{}, false
}

// restartInspection: a node registered again (the backend lost it) has no inspection data, so
// an inspection started on the old node must start over, or the host waits for hardware
// details that never come.
func (d *decision) restartInspection() {
	if d.state() == metal3.StateInspecting {
		d.status.OperationHistory.Inspect.Start = metav1.Time{}
	}
}

// checkAccess validates what registration needs: a parseable BMC address and usable
// credentials. done: the returned failure step is the answer.
func (d *decision) checkAccess() (s step, done bool) {
	if d.identityProblem != "" {
		return d.identityFailure(), true
	}
	if _, err := bmc.Parse(d.host.Spec.BMC.Address, d.host.Spec.BMC.DisableCertificateVerification); err != nil {
		return d.fail(d.registrationErrorType(), err.Error()).because(ReasonInvalidBMCAddress), true
	}
	if p := d.in.Credentials.Problem; p != "" {
		return d.fail(d.registrationErrorType(), p).because(ReasonCredentialsProblem), true
	}
	return step{}, false
}

// needsRegistration reports whether the node must be created or brought up to date: it is
// missing, was registered with another BMC address or credentials version, or does not have
// the boot MAC's port (a registration cut short between creating the node and its port).
func (d *decision) needsRegistration() bool {
	return d.node == nil || d.node.BMCAddress != d.host.Spec.BMC.Address ||
		d.node.CredentialsVersion != d.in.Credentials.Version ||
		!strings.EqualFold(d.node.BootMACAddress, strings.TrimSpace(d.host.Spec.BootMACAddress)) ||
		d.networkDataChanged()
}

// register asks for registration when needed. done: the returned step (a failure or the
// registration) is the answer.
func (d *decision) register() (s step, done bool) {
	if s, done := d.checkAccess(); done {
		return s, true
	}
	if !d.needsRegistration() {
		if st := d.node.ProvisionState; st != provisioner.StateEnroll && st != provisioner.StateVerifying &&
			d.state() != metal3.StateRegistering && d.state() != metal3.StateMatchProfile &&
			d.status.GoodCredentials.Version != d.in.Credentials.Version {
			// Re-registered with new credentials past enrollment: the node accepted them.
			d.credentialsValidated()
		}
		return step{}, false
	}
	// Checked only before a node is created: a node that exists keeps working.
	if access, err := bmc.Parse(d.host.Spec.BMC.Address, d.host.Spec.BMC.DisableCertificateVerification); err == nil && d.node == nil {
		if err := ValidateBootSettings(d.host, access); err != nil {
			return d.fail(d.registrationErrorType(), err.Error()).because(ReasonInvalidSpec), true
		}
	}
	// No backoff gate here: a failed registration is retried when its requeue comes due or
	// when the user changes the host or its Secret, which should take effect at once.
	ref := d.in.Credentials.Reference
	d.status.TriedCredentials = metal3.CredentialsStatus{Reference: &ref, Version: d.in.Credentials.Version}
	verify := d.node == nil || (d.node.ProvisionState == provisioner.StateEnroll && d.node.Stable())
	return act(Action{Kind: ActionRegister, Verify: verify}), true
}

// credentialsValidated records that the BMC accepted the current credentials.
func (d *decision) credentialsValidated() {
	ref := d.in.Credentials.Reference
	good := metal3.CredentialsStatus{Reference: &ref, Version: d.in.Credentials.Version}
	if d.status.GoodCredentials.Version != good.Version || d.status.GoodCredentials.Reference == nil {
		d.event(corev1.EventTypeNormal, "BMCAccessValidated", "BMC access verified with credentials %s (version %s)", ref.Name, good.Version)
	}
	d.status.GoodCredentials = good
	d.status.TriedCredentials = good
}

// registrationErrorType is the error type for BMC/registration problems in the current state.
func (d *decision) registrationErrorType() metal3.ErrorType {
	switch d.state() {
	case metal3.StateProvisioned, metal3.StateExternallyProvisioned:
		return metal3.ProvisionedRegistrationError
	}
	return metal3.RegistrationError
}

// reenroll handles a node that is back in enroll or verifying in a state past registration:
// the backend lost it and it was registered again.
func (d *decision) reenroll() (s step, done bool) {
	switch d.node.ProvisionState {
	case provisioner.StateEnroll:
		if d.node.LastError != "" && d.node.Stable() {
			return d.failOrRetry(d.registrationErrorType(), "BMC access verification failed: "+d.node.LastError, Action{Kind: ActionManage}), true
		}
		return act(Action{Kind: ActionManage}), true
	case provisioner.StateVerifying:
		return d.waitNode(), true
	}
	return step{}, false
}
