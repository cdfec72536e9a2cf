// Package v1alpha1 holds BareMetalMachineProviderSpec (baremetal.cluster.k8s.io/v1alpha1), the
// bare-metal description a Machine carries in spec.providerSpec.value: which image to write,
// which user data to give the server, and which BareMetalHosts may back the Machine.
//
// It is not a resource of its own: it lives inside Machines, so there is no CRD and no client.
// The package holds the types, strict decoding (unknown and duplicate fields are errors) and
// field-by-field validation whose messages name the offending field; it must not import
// controller code.
//
// Field names follow OpenShift's cluster-api-provider-baremetal, so provider specs written for
// it (including metadata: {creationTimestamp: null}, which OpenShift writes) decode unchanged.
//
// +k8s:deepcopy-gen=package
// +groupName=baremetal.cluster.k8s.io
package v1alpha1
