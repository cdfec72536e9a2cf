package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// GroupName is the API group of the provider spec.
const GroupName = "baremetal.cluster.k8s.io"

// SchemeGroupVersion is the group and version of the provider spec.
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

// ProviderSpecKind is the kind of the provider spec.
const ProviderSpecKind = "BareMetalMachineProviderSpec"
