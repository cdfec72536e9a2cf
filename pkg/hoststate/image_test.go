package hoststate

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestValidateImage(t *testing.T) {
	for _, c := range []struct {
		name   string
		image  *metal3.Image
		custom *metal3.CustomDeploy
		want   string // a part of the error; "" means valid
	}{
		{"an http image with a sha256 digest can be deployed", imgA, nil, ""},
		{"an https image with a declared md5 digest can be deployed", imgB, nil, ""},
		{"a sha512 digest is recognised by its length", &metal3.Image{URL: "http://x.example/i", Checksum: hexOf(128, 'F')}, nil, ""},
		{"a checksum file URL can be deployed", &metal3.Image{URL: "http://x.example/i", Checksum: "http://x.example/i.sha256sum"}, nil, ""},
		{"a file URL can be deployed", &metal3.Image{URL: "file:///images/i.qcow2", Checksum: hexOf(32, '0')}, nil, ""},
		{"a live ISO needs no checksum", imgLiveISO, nil, ""},
		{"a custom deploy needs no image", nil, customDeploy, ""},
		{"a custom deploy with an empty image needs no image", &metal3.Image{}, customDeploy, ""},
		{"no image cannot be deployed", nil, nil, "no image to provision"},
		{"an empty image cannot be deployed", &metal3.Image{}, nil, "no image to provision"},
		{"a custom deploy without method is no custom deploy", nil, &metal3.CustomDeploy{}, "no image to provision"},
		{"a checksum without URL cannot be deployed", &metal3.Image{Checksum: hexOf(64, 'a')}, nil, "spec.image.url is empty"},
		{"an image without checksum cannot be deployed", imgNoSum, nil, "checksum is required"},
		{"an ftp image cannot be deployed", imgFTP, nil, "must use http, https or file"},
		{"an http URL without host cannot be deployed", &metal3.Image{URL: "http:///i.qcow2", Checksum: hexOf(64, 'a')}, nil, "has no host"},
		{"an unparsable URL cannot be deployed", &metal3.Image{URL: "http://[::1", Checksum: hexOf(64, 'a')}, nil, "not a valid URL"},
		{"a checksum that is neither hex nor URL cannot be deployed", &metal3.Image{URL: "http://x.example/i", Checksum: "not-a-digest"}, nil, "neither a hex digest nor a URL"},
		{"a checksum file on an ftp server cannot be deployed", &metal3.Image{URL: "http://x.example/i", Checksum: "ftp://x.example/sum"}, nil, "spec.image.checksum"},
		{"a digest of unknown length cannot be deployed", &metal3.Image{URL: "http://x.example/i", Checksum: hexOf(40, 'a')}, nil, "matches no known algorithm"},
		{"a digest too short for its declared algorithm cannot be deployed",
			&metal3.Image{URL: "http://x.example/i", Checksum: hexOf(32, 'a'), ChecksumType: metal3.ChecksumSHA256}, nil, "but a sha256 checksum has 64"},
		{"an unknown checksum type cannot be deployed",
			&metal3.Image{URL: "http://x.example/i", Checksum: hexOf(32, 'a'), ChecksumType: "crc32"}, nil, "is not one of md5, sha256, sha512, auto"},
		{"checksum type auto detects the algorithm", &metal3.Image{URL: "http://x.example/i", Checksum: hexOf(64, 'a'), ChecksumType: metal3.ChecksumAuto}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateImage(c.image, c.custom)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("ValidateImage = %v, want it valid", err)
			case c.want != "" && (err == nil || !contains(err.Error(), c.want)):
				t.Errorf("ValidateImage = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestDataSecretsMustBeInTheHostsNamespace(t *testing.T) {
	foreign := func(h *metal3.BareMetalHost) {
		h.Spec.UserData = &corev1.SecretReference{Name: "ud", Namespace: "tenant-b"}
	}
	own := func(h *metal3.BareMetalHost) {
		h.Spec.NetworkData = &corev1.SecretReference{Name: "nd", Namespace: "metal"}
		h.Spec.MetaData = &corev1.SecretReference{Name: "md"}
	}
	runTable(t, []row{
		{"a user data Secret of another namespace is a provisioning error", host(stAvailable, image(imgA), foreign), node(available), nil,
			failure(stAvailable, metal3.ProvisioningError)},
		{"Secrets of the host's namespace (or none given) are fine", host(stAvailable, image(imgA), own), node(available), nil,
			startsProvisioning("ProvisioningStarted")},
	})
	r := decide(t, input(host(stAvailable, image(imgA), foreign), node(available)))
	if !contains(r.Status.ErrorMessage, "tenant-b") || !contains(r.Status.ErrorMessage, "own namespace") {
		t.Errorf("error %q does not say which Secret and why", r.Status.ErrorMessage)
	}
}

func TestAPasswordInAnImageURLNeverReachesEventsOrStatus(t *testing.T) {
	secretImg := &metal3.Image{URL: "http://alice:hunter22@images.example.com/a.qcow2", Checksum: hexOf(64, 'a')}
	started := decide(t, input(host(stAvailable, image(secretImg)), node(available)))
	failedDeploy := decide(t, input(host(stProvisioning, running(secretImg), online), node(deployFail,
		lastError("Image http://alice:hunter22@images.example.com/a.qcow2 could not be downloaded"))))
	for _, r := range []Result{started, failedDeploy} {
		var texts []string
		for _, e := range r.Events {
			texts = append(texts, e.Message)
		}
		texts = append(texts, r.Status.ErrorMessage)
		for _, c := range r.Status.Conditions {
			texts = append(texts, c.Message)
		}
		for _, s := range texts {
			if contains(s, "hunter22") {
				t.Errorf("the image URL's password reached %q", s)
			}
		}
	}
	if !contains(started.Events[0].Message, "images.example.com/a.qcow2") {
		t.Errorf("event %q no longer says which image", started.Events[0].Message)
	}
}
