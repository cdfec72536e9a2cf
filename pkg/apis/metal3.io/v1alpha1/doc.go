// Package v1alpha1 holds the metal3.io/v1alpha1 API: BareMetalHost, one object per physical
// server, and HardwareData, the full inspection result of a host.
//
// Field names, JSON tags and value spellings follow metal3's BareMetalHost so that manifests
// written for metal3 apply unchanged. The package holds types, constants and small pure helpers
// only; it must not import controller code.
//
// +k8s:deepcopy-gen=package
// +groupName=metal3.io
// +kubebuilder:validation:Optional
package v1alpha1
