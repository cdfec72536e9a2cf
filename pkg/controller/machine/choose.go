package machine

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	baremetal "github.com/metalkube/metalkube/pkg/apis/baremetal.cluster.k8s.io/v1alpha1"
	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

// HostAnnotation on a Machine names its host as "<namespace>/<name>". The actuator sets it
// when it claims a host; a Machine created with it (and without spec.providerID) asks for
// that host and no other.
const HostAnnotation = "metal3.io/BareMetalHost"

// ProviderIDPrefix starts the spec.providerID of a Machine backed by a host:
// baremetalhost:///<namespace>/<name>/<uid>.
const ProviderIDPrefix = "baremetalhost:///"

// machineKind is the consumerRef kind of hosts claimed for Machines.
const machineKind = "Machine"

// consumerKey returns "<namespace>/<name>" of the Machine that consumes the host, or "" when
// the host is free or consumed by something else.
func consumerKey(h *metal3.BareMetalHost) string {
	ref := h.Spec.ConsumerRef
	if ref == nil || ref.Kind != machineKind || ref.Name == "" {
		return ""
	}
	if gv, err := schema.ParseGroupVersion(ref.APIVersion); err != nil || gv.Group != machinev1.GroupName {
		return ""
	}
	ns := ref.Namespace
	if ns == "" {
		ns = h.Namespace
	}
	return ns + "/" + ref.Name
}

// whyNotClaimable says why a host cannot be claimed, or "" when it can: it must be available,
// free, healthy, managed, and not already asked to run anything.
func whyNotClaimable(h *metal3.BareMetalHost) string {
	switch st := h.Status.Provisioning.State; {
	case h.DeletionTimestamp != nil:
		return "it is being deleted"
	case h.Spec.ConsumerRef != nil:
		return fmt.Sprintf("it is consumed by %s %s", h.Spec.ConsumerRef.Kind, h.Spec.ConsumerRef.Name)
	case st != metal3.StateAvailable && st != metal3.StateReady:
		return fmt.Sprintf("it is %q, not available", st)
	case h.Status.ErrorType != "":
		return fmt.Sprintf("it has a %s", h.Status.ErrorType)
	case hoststate.IsPaused(h):
		return "it is paused"
	case hasAnnotation(h, hoststate.DetachedAnnotation):
		return "it is detached"
	case h.Spec.ExternallyProvisioned:
		return "it is externally provisioned"
	case h.Spec.Image != nil || h.Spec.CustomDeploy != nil:
		return "its spec already asks for an image"
	}
	return ""
}

func hasAnnotation(h *metal3.BareMetalHost, key string) bool {
	_, ok := h.Annotations[key]
	return ok
}

// claimableHosts returns the hosts that can be claimed and match the selector, sorted by name
// so that callers see a stable order; the choice among them is made elsewhere, at random.
func claimableHosts(hosts []*metal3.BareMetalHost, sel labels.Selector) []*metal3.BareMetalHost {
	var out []*metal3.BareMetalHost
	for _, h := range hosts {
		if whyNotClaimable(h) == "" && sel.Matches(labels.Set(h.Labels)) {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// hostSpecFor is what a claim writes into the host's spec.
type hostSpecFor struct {
	image        *metal3.Image
	userData     *metal3SecretRef
	customDeploy *metal3.CustomDeploy
}

// metal3SecretRef is the host's spec.userData.
type metal3SecretRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// hostSpecFromProviderSpec translates the provider spec for the host and checks the image as
// the host controller will, so that a claim never hands a host an image it rejects. Errors
// name the provider spec's fields.
func hostSpecFromProviderSpec(spec *baremetal.BareMetalMachineProviderSpec, machineNamespace string) (hostSpecFor, error) {
	var out hostSpecFor
	if spec.Image.URL != "" || spec.Image.Checksum != "" {
		out.image = &metal3.Image{
			URL: spec.Image.URL, Checksum: spec.Image.Checksum,
			ChecksumType: metal3.ChecksumType(spec.Image.ChecksumType), DiskFormat: spec.Image.DiskFormat,
		}
	}
	if spec.CustomDeploy != nil {
		out.customDeploy = &metal3.CustomDeploy{Method: spec.CustomDeploy.Method}
	}
	if err := hoststate.ValidateImage(out.image, out.customDeploy); err != nil {
		return out, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), "spec.image", baremetal.SpecPath.Child("image").String()))
	}
	if spec.UserData != nil {
		ns := spec.UserData.Namespace
		if ns == "" {
			ns = machineNamespace
		}
		out.userData = &metal3SecretRef{Name: spec.UserData.Name, Namespace: ns}
	}
	return out, nil
}

// providerID is the spec.providerID of a Machine backed by the host.
func providerID(h *metal3.BareMetalHost) string {
	return ProviderIDPrefix + h.Namespace + "/" + h.Name + "/" + string(h.UID)
}

// parseProviderID splits a bare-metal provider ID into the host's namespace, name and uid.
func parseProviderID(id string) (namespace, name, uid string, ok bool) {
	rest, found := strings.CutPrefix(id, ProviderIDPrefix)
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// recordedHost returns the host a Machine says it has: the annotation, else the provider ID.
func recordedHost(m *machinev1.Machine) (namespace, name string, ok bool) {
	if v := m.Annotations[HostAnnotation]; v != "" {
		ns, n, found := strings.Cut(v, "/")
		if !found {
			return m.Namespace, v, true
		}
		return ns, n, ns != "" && n != ""
	}
	if m.Spec.ProviderID != nil {
		ns, n, _, ok := parseProviderID(*m.Spec.ProviderID)
		return ns, n, ok
	}
	return "", "", false
}
