package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BareMetalMachineProviderSpec is what a Machine asks of the BareMetalHost that backs it.
type BareMetalMachineProviderSpec struct {
	metav1.TypeMeta `json:",inline"`
	// ObjectMeta is accepted and ignored: OpenShift writes metadata: {creationTimestamp: null}.
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Image is written to the host. It may be left empty when CustomDeploy is set.
	Image Image `json:"image,omitempty"`

	// UserData is a Secret with cloud-init user data for the host's config drive (key
	// "userData" or "value"). An empty namespace means the Machine's namespace.
	UserData *corev1.SecretReference `json:"userData,omitempty"`

	// HostSelector limits the hosts that may back the Machine; empty means any host.
	HostSelector HostSelector `json:"hostSelector,omitempty"`

	// CustomDeploy replaces the image deployment with a custom deploy step.
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty"`
}

// Image is an OS image, with the fields of the BareMetalHost's spec.image.
type Image struct {
	// URL of the image.
	URL string `json:"url"`
	// Checksum of the image, or a URL of a checksum file.
	Checksum string `json:"checksum"`
	// ChecksumType is md5, sha256, sha512 or auto (also when empty).
	ChecksumType string `json:"checksumType,omitempty"`
	// DiskFormat is raw, qcow2, vdi, vmdk or live-iso.
	DiskFormat *string `json:"format,omitempty"`
}

// HostSelector selects hosts by their labels. All requirements must hold.
type HostSelector struct {
	// MatchLabels are labels the host must carry with exactly these values.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
	// MatchExpressions are further requirements on the host's labels.
	MatchExpressions []HostSelectorRequirement `json:"matchExpressions,omitempty"`
}

// HostSelectorRequirement is one requirement on a label: key, operator, values.
type HostSelectorRequirement struct {
	Key string `json:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist. The spellings of
	// k8s.io/apimachinery/pkg/selection (in, notin, exists, !), which
	// cluster-api-provider-baremetal used, are accepted too.
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

// CustomDeploy names a custom deploy step that replaces the image deployment.
type CustomDeploy struct {
	// Method is the name of the custom deploy step.
	Method string `json:"method"`
}
