// Package machine is the Machine actuator.
//
// The actuator gives machine.openshift.io/v1beta1 Machines a BareMetalHost each. It has its
// own named queue ("machine") of Machine keys and shares the host informer with the host
// controller; hosts are indexed by the Machine in their consumerRef, so a host event wakes the
// Machine it belongs to, and a host that becomes free wakes the Machines waiting for one.
//
// For a Machine without a host it decodes spec.providerSpec.value strictly
// (pkg/apis/baremetal.cluster.k8s.io/v1alpha1; an invalid spec is reported as
// InvalidConfiguration, naming the field), lists the available, free, healthy, unpaused,
// undetached, not externally provisioned hosts of the Machine's namespace that match its
// hostSelector, and picks one at random, so that concurrent claims spread instead of all
// trying the first host. The claim is a merge patch of the host's consumerRef, image,
// userData, customDeploy and online, carrying the resourceVersion the choice was made on: a
// host changed meanwhile answers 409 Conflict, and the Machine is quietly retried. A record
// of claims written but not yet in the cache (claimTracker) keeps this process's workers off
// hosts a stale lister still shows free. The Machine is then annotated metal3.io/BareMetalHost
// and given spec.providerID baremetalhost:///<namespace>/<name>/<uid>; its status reports the
// host's addresses and a phase (Provisioning, Provisioned, Running, Deleting, Failed). With no
// host free it reports InsufficientResources and retries with backoff.
//
// A deleted Machine is held by the finalizer machine.machine.openshift.io until its host is
// deprovisioned (image, user data and custom deploy cleared, powered off) and released
// (consumerRef cleared). A Machine whose host disappears, or stops naming it as consumer,
// keeps its annotation and provider ID, reports Failed with an UpdateError, and is never given
// another host: like OpenShift's machine controller and metal3's CAPM3, a Machine stands for
// one server, and replacing it is the job of whoever owns the Machine (a MachineSet, a
// MachineHealthCheck, a person) by deleting it.
//
// Every write to a Machine is a patch, because the Machine type here lacks fields real
// clusters have.
package machine
