package ironic

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// microversion is an Ironic API microversion such as 1.82. The zero value means "unknown".
type microversion struct{ major, minor int }

var (
	// minimumVersion is the oldest API this package works with: node inventory (1.81) and
	// everything before it (configdrive as a dict 1.56, deploy steps 1.69, ...).
	minimumVersion = microversion{1, 81}
	// newestKnown is the newest API this package knows: disable_power_off (1.95).
	newestKnown = microversion{1, 95}
)

// The versions that introduced the features used here.
var (
	versionConfigDriveDict = microversion{1, 56}
	versionDeploySteps     = microversion{1, 69}
	versionInventory       = microversion{1, 81}
	versionDisablePowerOff = microversion{1, 95}
)

func parseMicroversion(s string) (microversion, error) {
	major, minor, ok := strings.Cut(strings.TrimSpace(s), ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil || ma < 1 || mi < 0 {
		return microversion{}, fmt.Errorf("%q is not an API microversion", s)
	}
	return microversion{ma, mi}, nil
}

func (v microversion) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }
func (v microversion) known() bool    { return v.major > 0 }

func (v microversion) atLeast(o microversion) bool {
	return v.major > o.major || (v.major == o.major && v.minor >= o.minor)
}

// VersionError says that Ironic's API is too old (or too new) for this package. It wraps
// provisioner.ErrUnavailable: the hosts keep their state until Ironic is upgraded, and the
// version is negotiated again on the next call.
type VersionError struct {
	Endpoint string
	Min, Max string // what Ironic offers
	Message  string
}

func (e *VersionError) Error() string { return e.Message }
func (e *VersionError) Unwrap() error { return provisioner.ErrUnavailable }

// negotiated returns the microversion to use, negotiating it once: on first use and after
// Ironic was unavailable. Concurrent callers share one negotiation.
func (i *Ironic) negotiated(ctx context.Context) (microversion, error) {
	if v := i.currentVersion(); v.known() {
		return v, nil
	}
	select {
	case i.negotiating <- struct{}{}:
	case <-ctx.Done():
		return microversion{}, fmt.Errorf("waiting for the Ironic API version negotiation: %w", ctx.Err())
	}
	defer func() { <-i.negotiating }()
	if v := i.currentVersion(); v.known() {
		return v, nil
	}
	v, err := i.negotiate(ctx)
	if err != nil {
		return microversion{}, err
	}
	i.mu.Lock()
	i.version = v
	i.mu.Unlock()
	return v, nil
}

func (i *Ironic) currentVersion() microversion {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.version
}

// forgetVersion makes the next call negotiate again (after Ironic was unavailable: it may
// come back as a different version).
func (i *Ironic) forgetVersion() {
	i.mu.Lock()
	i.version = microversion{}
	i.mu.Unlock()
}

// versionDoc is one entry of the version discovery document served on the API root.
type versionDoc struct {
	ID         string `json:"id"`
	Version    string `json:"version"`
	MinVersion string `json:"min_version"`
}

type rootDoc struct {
	DefaultVersion *versionDoc  `json:"default_version"`
	Versions       []versionDoc `json:"versions"`
}

// negotiate reads the API root (GET /, one request) and picks min(Ironic's max, newestKnown).
func (i *Ironic) negotiate(ctx context.Context) (microversion, error) {
	var doc rootDoc
	resp, err := i.base.Request(ctx, http.MethodGet, i.rootURL(), &gophercloud.RequestOpts{
		JSONResponse: &doc, OkCodes: []int{http.StatusOK},
	})
	if err != nil {
		return microversion{}, i.unavailable(i.wrap(ctx, err, "reading the API versions"), "reading the API versions")
	}
	minS, maxS := "", ""
	for _, d := range append([]*versionDoc{doc.DefaultVersion}, pointers(doc.Versions)...) {
		if d != nil && d.ID == "v1" && d.Version != "" {
			minS, maxS = d.MinVersion, d.Version
			break
		}
	}
	if maxS == "" && resp != nil {
		minS = resp.Header.Get("X-OpenStack-Ironic-API-Minimum-Version")
		maxS = resp.Header.Get("X-OpenStack-Ironic-API-Maximum-Version")
	}
	maxV, err := parseMicroversion(maxS)
	if err != nil {
		return microversion{}, &VersionError{Endpoint: i.endpoint, Message: fmt.Sprintf(
			"ironic at %s does not report its v1 API version: %v", i.endpoint, err)}
	}
	minV, err := parseMicroversion(minS)
	if err != nil {
		minV = microversion{1, 1}
	}
	if !maxV.atLeast(minimumVersion) {
		return microversion{}, &VersionError{Endpoint: i.endpoint, Min: minV.String(), Max: maxV.String(), Message: fmt.Sprintf(
			"Ironic API version %s is below the minimum %s this controller needs (ironic at %s)", maxV, minimumVersion, i.endpoint)}
	}
	if !newestKnown.atLeast(minV) {
		return microversion{}, &VersionError{Endpoint: i.endpoint, Min: minV.String(), Max: maxV.String(), Message: fmt.Sprintf(
			"Ironic API at %s requires at least version %s, newer than %s, the newest this controller knows", i.endpoint, minV, newestKnown)}
	}
	use := maxV
	if !newestKnown.atLeast(use) {
		use = newestKnown
	}
	klog.FromContext(ctx).V(1).Info("Negotiated the Ironic API microversion",
		"endpoint", i.endpoint, "microversion", use.String(), "ironicMin", minV.String(), "ironicMax", maxV.String())
	return use, nil
}

func pointers(ds []versionDoc) []*versionDoc {
	out := make([]*versionDoc, len(ds))
	for k := range ds {
		out[k] = &ds[k]
	}
	return out
}

func (i *Ironic) rootURL() string { return i.endpoint + "/" }

// Ready reports whether Ironic answers, with one request: the version negotiation if none is
// cached, else GET /v1/.
func (i *Ironic) Ready(ctx context.Context) error {
	if !i.currentVersion().known() {
		_, err := i.negotiated(ctx)
		return err
	}
	c, _, err := i.client(ctx)
	if err != nil {
		return err
	}
	if _, err := c.Get(ctx, c.Endpoint, nil, &gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}}); err != nil {
		return i.unavailable(i.wrap(ctx, err, "checking the API"), "checking the API")
	}
	return nil
}
