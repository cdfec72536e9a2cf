// Package v1beta1 holds the part of OpenShift's machine.openshift.io/v1beta1 Machine API that
// the Machine actuator reads and writes: a Machine asks for one server, described by an opaque
// spec.providerSpec.value, and reports the server it got in spec.providerID, status.addresses
// and status.phase.
//
// The types are deliberately a subset of the real Machine: clusters that run the machine API
// have more fields (spec.metadata, spec.taints, lifecycle hooks, status.conditions, ...). That
// is why every write to a Machine is a patch of the fields named here, never an Update of the
// whole object: an Update from this type would silently drop the fields it lacks. The CRD
// generated from these types (manifests/machine-api) keeps unknown fields for the same reason.
//
// The package holds types and constants only; it must not import controller code.
//
// +k8s:deepcopy-gen=package
// +groupName=machine.openshift.io
// +kubebuilder:validation:Optional
package v1beta1
