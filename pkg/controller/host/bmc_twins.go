package host

import (
	"k8s.io/client-go/tools/cache"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
)

// bmcEndpointIndex indexes hosts by the server their BMC address reaches (bmc.Endpoint), so
// two hosts for one physical server are found without scanning every host.
const bmcEndpointIndex = "bmcEndpoint"

func indexByBMCEndpoint(obj interface{}) ([]string, error) {
	h, ok := obj.(*metal3.BareMetalHost)
	if !ok {
		return nil, nil
	}
	if e := bmcEndpoint(h); e != "" {
		return []string{e}, nil
	}
	return nil, nil
}

func bmcEndpoint(h *metal3.BareMetalHost) string {
	if h.Spec.BMC.Address == "" {
		return ""
	}
	a, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification)
	if err != nil {
		return ""
	}
	return a.Endpoint()
}

// bmcTwins returns the other hosts whose BMC address reaches the same server as h's.
func (c *Controller) bmcTwins(h *metal3.BareMetalHost) []*metal3.BareMetalHost {
	e := bmcEndpoint(h)
	if e == "" {
		return nil
	}
	objs, err := c.hostIndex.ByIndex(bmcEndpointIndex, e)
	if err != nil {
		return nil
	}
	var twins []*metal3.BareMetalHost
	for _, o := range objs {
		if t, ok := o.(*metal3.BareMetalHost); ok && (t.Namespace != h.Namespace || t.Name != h.Name) {
			twins = append(twins, t)
		}
	}
	return twins
}

// bmcOwner names the host that has the server h's BMC address reaches, when that is another
// host: the oldest of the hosts that share it (then the first by namespace/name). "" when h is
// that host, or alone.
func (c *Controller) bmcOwner(h *metal3.BareMetalHost) string {
	owner := h
	for _, t := range c.bmcTwins(h) {
		if t.DeletionTimestamp != nil {
			continue
		}
		if t.CreationTimestamp.Before(&owner.CreationTimestamp) ||
			(t.CreationTimestamp.Equal(&owner.CreationTimestamp) && hostKey(t) < hostKey(owner)) {
			owner = t
		}
	}
	if owner == h {
		return ""
	}
	return hostKey(owner)
}

func hostKey(h *metal3.BareMetalHost) string { return cache.MetaObjectToName(h).String() }

// enqueueBMCTwins enqueues the hosts that share h's server, so the one that waited for it
// tries again when h goes or moves.
func (c *Controller) enqueueBMCTwins(h *metal3.BareMetalHost) {
	for _, t := range c.bmcTwins(h) {
		c.queue.Add(hostKey(t))
	}
}
