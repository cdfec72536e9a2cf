package host

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

// The keys of the data Secrets, in the order metal3 reads them: the named key, else "value".
var (
	userDataKeys    = []string{"userData", "value"}
	networkDataKeys = []string{"networkData", "value"}
	metaDataKeys    = []string{"metaData", "value"}
)

// configDriveNetworkData is the Secret of the config drive's network data: spec.networkData,
// else, as in metal3, spec.preprovisioningNetworkDataName (in the host's namespace).
func configDriveNetworkData(h *metal3.BareMetalHost) *corev1.SecretReference {
	if ref := h.Spec.NetworkData; ref != nil && ref.Name != "" {
		return ref
	}
	if name := h.Spec.PreprovisioningNetworkDataName; name != "" {
		return &corev1.SecretReference{Name: name}
	}
	return nil
}

// networkDataVersion identifies the host's preprovisioning network data Secret for
// hoststate.Input: "<name>@<resourceVersion>", "<name>@" when it cannot be read (registration
// then reports why), "" when the host names none.
func (c *Controller) networkDataVersion(ctx context.Context, h *metal3.BareMetalHost) string {
	name := h.Spec.PreprovisioningNetworkDataName
	if name == "" {
		return ""
	}
	s, err := c.secret(ctx, h.Namespace, name)
	if err != nil {
		return name + "@"
	}
	return name + "@" + s.ResourceVersion
}

// preprovisioningNetworkData reads spec.preprovisioningNetworkDataName for the node's
// network_data, which Ironic hands to the ramdisk, as metal3 does when it builds no
// preprovisioning image of its own. A Secret without the networkData or value key means no
// network data (metal3's rule); a missing or undecodable Secret is a registration error that
// names the Secret, never its contents, except that a host being deleted goes on without it. The data is secret: never log it.
func (c *Controller) preprovisioningNetworkData(ctx context.Context, h *metal3.BareMetalHost) (map[string]interface{}, string, error) {
	name := h.Spec.PreprovisioningNetworkDataName
	if name == "" {
		return nil, "", nil
	}
	ref := &corev1.SecretReference{Name: name}
	data, version, err := c.secretValueVersion(ctx, ref, h.Namespace, "preprovisioning network data", networkDataKeys...)
	var notFound *secretNotFoundError
	switch {
	case errors.Is(err, errNoDataKey):
		return nil, name + "@" + version, nil
	case errors.As(err, &notFound) && hoststate.BeingDeleted(h):
		// As in metal3, a Secret gone while the host is deleted does not hold the deletion up.
		return nil, "", nil
	case err != nil:
		return nil, "", &hoststate.DataSecretError{Err: fmt.Errorf("failed to read preprovisioningNetworkData: %w", err)}
	}
	m, err := jsonOrYAMLMap(data, "preprovisioning network data")
	if err != nil {
		return nil, "", &hoststate.DataSecretError{Err: fmt.Errorf("invalid preprovisioningNetworkData: %w", err)}
	}
	return m, name + "@" + version, nil
}
