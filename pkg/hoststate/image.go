package hoststate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"net/url"
	"regexp"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

var hexDigits = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// checksumLengths is the hex length of each checksum algorithm.
var checksumLengths = map[metal3.ChecksumType]int{metal3.ChecksumMD5: 32, metal3.ChecksumSHA256: 64, metal3.ChecksumSHA512: 128}

// ValidateImage checks that an image can be deployed: an http(s) or file URL, and a checksum
// (a hex digest of the declared algorithm, or the URL of a checksum file) unless it is a live
// ISO. A custom deploy needs no image.
func ValidateImage(img *metal3.Image, custom *metal3.CustomDeploy) error {
	if img == nil || (img.URL == "" && img.Checksum == "") {
		if custom != nil && custom.Method != "" {
			return nil
		}
		return fmt.Errorf("no image to provision: spec.image.url is empty")
	}
	if img.URL == "" {
		return fmt.Errorf("spec.image.url is empty (a checksum is set, but no image URL)")
	}
	if err := checkURL(img.URL, "spec.image.url"); err != nil {
		return err
	}
	if img.IsLiveISO() && img.Checksum == "" {
		return nil
	}
	if img.Checksum == "" {
		return fmt.Errorf("spec.image.checksum is required unless spec.image.format is live-iso")
	}
	if u, err := url.Parse(img.Checksum); err == nil && u.Scheme != "" {
		return checkURL(img.Checksum, "spec.image.checksum")
	}
	if !hexDigits.MatchString(img.Checksum) {
		return fmt.Errorf("spec.image.checksum is neither a hex digest nor a URL")
	}
	switch t := img.ChecksumType; t {
	case "", metal3.ChecksumAuto:
		for _, n := range checksumLengths {
			if len(img.Checksum) == n {
				return nil
			}
		}
		return fmt.Errorf("spec.image.checksum has %d hex digits, which matches no known algorithm (md5: 32, sha256: 64, sha512: 128)", len(img.Checksum))
	default:
		n, ok := checksumLengths[t]
		if !ok {
			return fmt.Errorf("spec.image.checksumType %q is not one of md5, sha256, sha512, auto", t)
		}
		if len(img.Checksum) != n {
			return fmt.Errorf("spec.image.checksum has %d hex digits, but a %s checksum has %d", len(img.Checksum), t, n)
		}
	}
	return nil
}

func checkURL(raw, field string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a valid URL", field) // the parse error would quote it whole
	}
	// Redacted hides a password in the URL: status and Events must never carry one.
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%s %q has no host", field, u.Redacted())
		}
	case "file":
	default:
		return fmt.Errorf("%s %q must use http, https or file", field, u.Redacted())
	}
	return nil
}

// ValidateSecretNamespaces checks that the user, network and meta data Secrets are in the
// host's namespace (an empty namespace means the host's): a host never reads another
// namespace's Secrets, whoever may write hosts there.
func ValidateSecretNamespaces(h *metal3.BareMetalHost) error {
	for _, r := range []struct {
		field string
		ref   *corev1.SecretReference
	}{{"spec.userData", h.Spec.UserData}, {"spec.networkData", h.Spec.NetworkData}, {"spec.metaData", h.Spec.MetaData}} {
		if r.ref != nil && r.ref.Namespace != "" && r.ref.Namespace != h.Namespace {
			return fmt.Errorf("%s refers to Secret %s in namespace %s; a host may use only Secrets of its own namespace (%s)",
				r.field, r.ref.Name, r.ref.Namespace, h.Namespace)
		}
	}
	return nil
}
