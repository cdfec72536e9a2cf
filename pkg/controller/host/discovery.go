package host

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"

	"github.com/metalkube/metalkube/pkg/controller/internal/worker"
)

// Labels and annotations of hosts imported from Ironic.
const (
	// DiscoveredLabel marks hosts the controller created for nodes it found in Ironic.
	DiscoveredLabel = "metalkube.io/discovered"
	// IronicNodeLabel holds the UUID of the node a discovered host was created for.
	IronicNodeLabel = "metalkube.io/ironic-node"
	// DiscoveredBMCAnnotation holds the BMC address Ironic knows for a discovered host that was
	// left unmanaged because no credentials Secret existed.
	DiscoveredBMCAnnotation = "metalkube.io/discovered-bmc-address"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// discover creates a BareMetalHost for every node that no host owns (by node ID or by the
// "<namespace>~<name>" node name). A host whose "<name>-bmc" Secret already exists in the
// discovery namespace gets its BMC address and credentials and is adopted as it is
// (available stays available, active becomes provisioned, never deployed); otherwise it is
// created unmanaged, with the address Ironic knows in an annotation for the user to confirm.
func (c *Controller) discover(ctx context.Context, nodes []provisioner.Node) {
	logger := klog.FromContext(ctx)
	hosts, err := c.hosts.List(labels.Everything())
	if err != nil {
		return
	}
	owned := map[string]bool{}
	for _, h := range hosts {
		owned[h.Namespace+"~"+h.Name] = true
		if h.Status.Provisioning.ID != "" {
			owned[h.Status.Provisioning.ID] = true
		}
		if id := h.Labels[IronicNodeLabel]; id != "" {
			owned[id] = true
		}
	}
	for _, n := range nodes {
		if owned[n.ID] || owned[n.Name] {
			continue
		}
		if _, isOurs := hostKeyOfNode(n.Name); isOurs {
			continue // named by a controller for a host that is gone or not yet in the cache
		}
		if err := c.importNode(ctx, n); err != nil {
			logger.Info("Could not import Ironic node", "node", n.ID, "err", redact.URLs(err.Error()))
		}
	}
}

func (c *Controller) importNode(ctx context.Context, n provisioner.Node) error {
	name := strings.ToLower(n.Name)
	if !dnsLabel.MatchString(name) || len(name) > 53 {
		name = "ironic-" + strings.ToLower(n.ID[:8])
	}
	h := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: c.discoveryNamespace,
			Labels: map[string]string{DiscoveredLabel: "true", IronicNodeLabel: n.ID},
		},
		Spec: metal3.BareMetalHostSpec{
			Online:      n.PowerState == provisioner.PowerOn,
			Description: fmt.Sprintf("Discovered Ironic node %s (%s)", n.ID, n.Name),
		},
	}
	secret := name + "-bmc"
	_, err := c.kube.CoreV1().Secrets(c.discoveryNamespace).Get(ctx, secret, metav1.GetOptions{})
	switch {
	case err == nil && n.BMCHint != "":
		h.Spec.BMC = metal3.BMCDetails{Address: n.BMCHint, CredentialsName: secret}
		h.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
	case err == nil || apierrors.IsNotFound(err):
		h.Annotations = map[string]string{DiscoveredBMCAnnotation: n.BMCHint}
		h.Spec.Description += fmt.Sprintf("; create Secret %s with username and password and set spec.bmc to manage it", secret)
	default:
		return err
	}
	created, err := c.metal3.Metal3V1alpha1().BareMetalHosts(c.discoveryNamespace).Create(ctx, h, metav1.CreateOptions{FieldManager: worker.FieldManager})
	if err != nil {
		return err
	}
	// IronicNodeLabel tells the host's first sync which node it stands for (see hostRef), so
	// it finds this node rather than enrolling a new one.
	c.recorder.Eventf(created, corev1.EventTypeNormal, "Discovered", "Imported Ironic node %s (%s, %s)", n.ID, n.Driver, n.ProvisionState)
	klog.FromContext(ctx).Info("Imported Ironic node as a host", "node", n.ID, "host", klog.KObj(created), "managed", h.Spec.BMC.Address != "")
	return nil
}
