package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// MachineFinalizer is the finalizer OpenShift's machine controller puts on Machines. The
// actuator plays that controller's part for bare metal: it holds a deleted Machine until its
// host has been deprovisioned and released.
const MachineFinalizer = "machine.machine.openshift.io"

// Machine is a request for one server that is to become a Node.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=ma,scope=Namespaced
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Phase",type="string",JSONPath=".status.phase",description="Phase of the machine"
// +kubebuilder:printcolumn:name="Error",type="string",JSONPath=".status.errorReason",description="Reason of the most recent error"
// +kubebuilder:printcolumn:name="Node",type="string",JSONPath=".status.nodeRef.name",description="Node of the machine"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description="Time since creation"
// +kubebuilder:printcolumn:name="ProviderID",type="string",JSONPath=".spec.providerID",description="Provider ID of the machine",priority=1
type Machine struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   MachineSpec   `json:"spec,omitempty"`
	Status MachineStatus `json:"status,omitempty"`
}

// MachineList is a list of Machines.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type MachineList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Machine `json:"items"`
}

// MachineSpec is the part of a Machine's desired state the actuator uses. Fields of the real
// Machine API that are not modelled here are kept by the API server and never written.
//
// +kubebuilder:pruning:PreserveUnknownFields
type MachineSpec struct {
	// ProviderSpec describes the server to provide; for bare metal its value is a
	// BareMetalMachineProviderSpec (baremetal.cluster.k8s.io/v1alpha1).
	ProviderSpec ProviderSpec `json:"providerSpec,omitempty"`

	// ProviderID identifies the server that backs this Machine, for bare metal
	// baremetalhost:///<namespace>/<host name>/<host uid>. The actuator sets it.
	ProviderID *string `json:"providerID,omitempty"`
}

// ProviderSpec holds the provider-specific description of a Machine.
type ProviderSpec struct {
	// Value is the provider-specific configuration, an object with its own apiVersion and kind.
	// +kubebuilder:pruning:PreserveUnknownFields
	Value *runtime.RawExtension `json:"value,omitempty"`
}

// MachineStatus is the part of a Machine's observed state the actuator writes (nodeRef is
// written by others and only read).
//
// +kubebuilder:pruning:PreserveUnknownFields
type MachineStatus struct {
	// NodeRef names the Node of this Machine once it has joined the cluster.
	NodeRef *corev1.ObjectReference `json:"nodeRef,omitempty"`

	// LastUpdated is when the status was last written.
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty"`

	// ErrorReason is a short, machine-readable reason for the most recent problem.
	ErrorReason *MachineStatusError `json:"errorReason,omitempty"`

	// ErrorMessage explains ErrorReason to a human.
	ErrorMessage *string `json:"errorMessage,omitempty"`

	// Addresses of the server: its NICs' IPs (InternalIP) and host name (Hostname, InternalDNS).
	Addresses []corev1.NodeAddress `json:"addresses,omitempty"`

	// Phase summarises where the Machine is: Provisioning, Provisioned, Running, Deleting or
	// Failed.
	Phase *string `json:"phase,omitempty"`
}

// MachineStatusError is the reason for a Machine's problem, spelled as the machine API does.
type MachineStatusError string

const (
	// InvalidConfigurationMachineError: the providerSpec cannot be used as it is.
	InvalidConfigurationMachineError MachineStatusError = "InvalidConfiguration"
	// UnsupportedChangeMachineError: the spec changed in a way that cannot be carried out.
	UnsupportedChangeMachineError MachineStatusError = "UnsupportedChange"
	// InsufficientResourcesMachineError: no server is free to back the Machine.
	InsufficientResourcesMachineError MachineStatusError = "InsufficientResources"
	// CreateMachineError: the server could not be made ready for the Machine.
	CreateMachineError MachineStatusError = "CreateError"
	// UpdateMachineError: the server that backs the Machine went wrong or went away.
	UpdateMachineError MachineStatusError = "UpdateError"
	// DeleteMachineError: the server could not be released.
	DeleteMachineError MachineStatusError = "DeleteError"
)

// Machine phases, spelled as the machine API does.
const (
	PhaseProvisioning = "Provisioning"
	PhaseProvisioned  = "Provisioned"
	PhaseRunning      = "Running"
	PhaseDeleting     = "Deleting"
	PhaseFailed       = "Failed"
)
