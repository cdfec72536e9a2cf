package host

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/metrics"

	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
)

// SecretLabel marks Secrets the controller uses, as metal3 does, so its Secret informer caches
// only those and not every Secret of the cluster.
const (
	SecretLabel      = "environment.metal3.io"
	SecretLabelValue = "baremetal"
)

// SecretLabelSelector selects the Secrets the controller caches.
const SecretLabelSelector = SecretLabel + "=" + SecretLabelValue

// SecretListOptions limits a Secret informer to the Secrets the controller uses; pass it to
// informers.WithTweakListOptions.
func SecretListOptions(o *metav1.ListOptions) { o.LabelSelector = SecretLabelSelector }

// secret returns a Secret from the cache or, the first time, from the API server; it then
// labels the Secret so the cache (and its watch) holds it from now on.
func (c *Controller) secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	s, err := c.secrets.Secrets(namespace).Get(name)
	if err == nil {
		return s, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	s, err = c.kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if s.Labels[SecretLabel] != SecretLabelValue {
		patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, SecretLabel, SecretLabelValue)
		labelled, err := c.kube.CoreV1().Secrets(namespace).Patch(ctx, name, types.MergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: worker.FieldManager})
		if err != nil {
			klog.FromContext(ctx).V(1).Info("Could not label Secret; it will be read from the API server each time", "secret", klog.KRef(namespace, name), "err", err)
			return s, nil
		}
		// The label changed the Secret's resourceVersion, which versions the credentials
		// registered with the node: hand out the labelled one, so the next sync, reading the
		// cache, sees the same version and does not register the node again.
		return labelled, nil
	}
	return s, nil
}

// credentials describes the host's BMC credentials Secret without exposing its contents.
func (c *Controller) credentials(ctx context.Context, h *metal3.BareMetalHost) hoststate.Credentials {
	ref := corev1.SecretReference{Name: h.Spec.BMC.CredentialsName, Namespace: h.Namespace}
	cr := hoststate.Credentials{Reference: ref}
	if h.Spec.BMC.Address == "" {
		return cr
	}
	if ref.Name == "" {
		cr.Problem = "spec.bmc.credentialsName is empty"
		c.metrics.CredentialsProblem(metrics.CredentialsInvalid)
		return cr
	}
	s, err := c.secret(ctx, ref.Namespace, ref.Name)
	switch {
	case apierrors.IsNotFound(err):
		cr.Problem = fmt.Sprintf("BMC credentials Secret %s/%s not found", ref.Namespace, ref.Name)
		c.metrics.CredentialsProblem(metrics.CredentialsMissing)
		return cr
	case err != nil:
		cr.Problem = fmt.Sprintf("reading BMC credentials Secret %s/%s: %v", ref.Namespace, ref.Name, err)
		c.metrics.CredentialsProblem(metrics.CredentialsOther)
		return cr
	}
	cr.Version = s.ResourceVersion
	if len(s.Data["username"]) == 0 {
		cr.Problem = fmt.Sprintf("BMC credentials Secret %s/%s has no username", ref.Namespace, ref.Name)
	} else if len(s.Data["password"]) == 0 {
		cr.Problem = fmt.Sprintf("BMC credentials Secret %s/%s has no password", ref.Namespace, ref.Name)
	}
	if cr.Problem != "" {
		c.metrics.CredentialsProblem(metrics.CredentialsInvalid)
	}
	return cr
}

// bmcCredentials reads username and password. Callers must not log them.
func (c *Controller) bmcCredentials(ctx context.Context, h *metal3.BareMetalHost) (bmc.Credentials, error) {
	s, err := c.secret(ctx, h.Namespace, h.Spec.BMC.CredentialsName)
	if err != nil {
		return bmc.Credentials{}, fmt.Errorf("reading BMC credentials Secret %s/%s: %w", h.Namespace, h.Spec.BMC.CredentialsName, err)
	}
	return bmc.Credentials{Username: string(s.Data["username"]), Password: string(s.Data["password"])}, nil
}

// secretValue reads one key of a Secret of the host's namespace, trying each key in order. A
// reference to another namespace is refused before anything is read (or labelled): a host reads
// only its own namespace's Secrets.
func (c *Controller) secretValue(ctx context.Context, ref *corev1.SecretReference, hostNamespace, what string, keys ...string) ([]byte, error) {
	v, _, err := c.secretValueVersion(ctx, ref, hostNamespace, what, keys...)
	return v, err
}

// errNoDataKey marks a data Secret that has none of the keys looked for.
var errNoDataKey = errors.New("no such key")

// secretNotFoundError is a data Secret that does not exist.
type secretNotFoundError struct{ what, namespace, name string }

func (e *secretNotFoundError) Error() string {
	return fmt.Sprintf("%s Secret %s/%s not found", e.what, e.namespace, e.name)
}

// secretValueVersion is secretValue that also returns the Secret's resourceVersion. A Secret
// without any of the keys gives an error wrapping errNoDataKey.
func (c *Controller) secretValueVersion(ctx context.Context, ref *corev1.SecretReference, hostNamespace, what string, keys ...string) ([]byte, string, error) {
	ns := ref.Namespace
	if ns == "" {
		ns = hostNamespace
	}
	if ns != hostNamespace {
		return nil, "", fmt.Errorf("%s Secret %s/%s is not in the host's namespace %s: a host may use only Secrets of its own namespace", what, ns, ref.Name, hostNamespace)
	}
	s, err := c.secret(ctx, ns, ref.Name)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", &secretNotFoundError{what, ns, ref.Name}
		}
		return nil, "", fmt.Errorf("reading %s Secret %s/%s: %w", what, ns, ref.Name, err)
	}
	for _, k := range keys {
		if v, ok := s.Data[k]; ok {
			return v, s.ResourceVersion, nil
		}
	}
	c.metrics.HostConfigDataError(keys[0])
	return nil, s.ResourceVersion, fmt.Errorf("%s Secret %s/%s has none of the keys %v: %w", what, ns, ref.Name, keys, errNoDataKey)
}

// jsonOrYAMLMap decodes network or meta data, which users write as JSON or YAML.
func jsonOrYAMLMap(data []byte, what string) (map[string]interface{}, error) {
	var m map[string]interface{}
	if err := yamlUnmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s is neither JSON nor YAML: %v", what, err)
	}
	return m, nil
}
