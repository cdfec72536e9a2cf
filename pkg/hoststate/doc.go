// Package hoststate decides what happens next to a BareMetalHost.
//
// Decide is a pure function: given the host (spec, status, annotations, deletion timestamp),
// the node the provisioner reports for it (or none), the state of its credentials and the
// time, it returns one action for the provisioner, the new status, the Events to emit and when
// to look again. ActionFailed turns a failed action into an error status with bounded backoff.
// The package does no I/O and keeps no state: everything it needs is in Input, everything it
// decides is in Result, so every path is tested with tables.
//
// Host states and what moves them (node states are Ironic's):
//
//	""                    -> registering (BMC address set) | unmanaged (no BMC address)
//	unmanaged             -> registering once a BMC address is set
//	registering           register node; enroll -(manage)-> manageable -> inspecting
//	                      (or preparing when inspection is disabled, externally provisioned
//	                      when spec.externallyProvisioned)
//	inspecting            manageable -(inspect)-> inspecting -> manageable: read hardware -> preparing
//	preparing             manageable -(provide, cleaning per automatedCleaningMode)-> available -> available
//	available             image set -> provisioning; otherwise power follows spec.online
//	provisioning          available -(deploy)-> deploying -> active -> provisioned
//	provisioned           image removed or changed -> deprovisioning; otherwise power follows spec.online
//	deprovisioning        active -(undeploy)-> cleaning -> available -> available
//	externally provisioned manageable -(adopt)-> active; never deployed; power follows spec.online
//	(deletion)            provisioned -> deprovisioning -> powering off before delete -> deleting
//	deleting              delete node -> finalizer removed
//
// A node that disappears (a lost Ironic database) is registered again from any state:
// provisioned hosts are adopted, never deployed again; available hosts return to available.
//
// Code layout: Decide (decide.go) builds a decision, runs the handler of the host's state
// (handle<State>, one file per state or group of states) and turns its step (step.go) into
// a Result. For the states of a registered host (registeredStates), the guard (guard.go)
// runs once before the handler: the node must exist with the host's current BMC details and
// not have fallen back to enroll.
//
// Everything is decided here, including what the controller must read and when it looks
// again: Result.NeedsHardware asks for the inspection data (the controller reads it and
// decides again), Action.Verify folds BMC verification into a registration, ActionFailed and
// ObservationFailed classify provisioner errors (a locked node, an unreachable provisioner, a
// host's own failure), and Result.RequeueAfter, computed with Input.NodeUpdates, is the
// interval the controller runs. Helpers that may or may not settle the decision return (s step, done bool): done
// means s is the answer and the caller returns it at once; otherwise s is empty and the caller
// goes on. No helper uses the opposite sense.
package hoststate
