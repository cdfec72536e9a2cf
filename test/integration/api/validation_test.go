package api

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

func TestTheAPIServerRejectsInvalidHostsWithAClearMessage(t *testing.T) {
	badFormat := "iso9660"
	cases := []struct {
		name    string
		mutate  func(*metal3.BareMetalHost)
		message string
	}{
		{"a malformed boot MAC address", func(h *metal3.BareMetalHost) { h.Spec.BootMACAddress = "52:54:00:zz:34:56" }, "spec.bootMACAddress"},
		{"a MAC address with too few octets", func(h *metal3.BareMetalHost) { h.Spec.BootMACAddress = "52:54:00:12:34" }, "spec.bootMACAddress"},
		{"an unknown boot mode", func(h *metal3.BareMetalHost) { h.Spec.BootMode = "BIOS" }, `spec.bootMode: Unsupported value: "BIOS"`},
		{"an unknown checksum type", func(h *metal3.BareMetalHost) { h.Spec.Image.ChecksumType = "crc32" }, `spec.image.checksumType: Unsupported value: "crc32"`},
		{"an unknown image format", func(h *metal3.BareMetalHost) { h.Spec.Image.DiskFormat = &badFormat }, `spec.image.format: Unsupported value: "iso9660"`},
		{"an unknown cleaning mode", func(h *metal3.BareMetalHost) { h.Spec.AutomatedCleaningMode = "always" }, `spec.automatedCleaningMode: Unsupported value: "always"`},
		{"a negative minimum disk size", func(h *metal3.BareMetalHost) { h.Spec.RootDeviceHints.MinSizeGigabytes = -1 }, "spec.rootDeviceHints.minSizeGigabytes"},
		{"a BMC address without credentials", func(h *metal3.BareMetalHost) { h.Spec.BMC.CredentialsName = "" }, "bmc.credentialsName is required when bmc.address is set"},
		{"a custom deploy without a method", func(h *metal3.BareMetalHost) { h.Spec.CustomDeploy = &metal3.CustomDeploy{} }, "customDeploy.method must not be empty"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			h := newHost("invalid-" + string(rune('a'+i)))
			tc.mutate(h)
			_, err := env.Metal3.Metal3V1alpha1().BareMetalHosts("default").Create(ctx, h, metav1.CreateOptions{})
			if err == nil {
				t.Fatal("the API server accepted an invalid host")
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not contain %q", err, tc.message)
			}
		})
	}
}

func TestTheAPIServerRejectsAnUnknownStatusEnumValue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hosts := env.Metal3.Metal3V1alpha1().BareMetalHosts("default")
	h, err := hosts.Create(ctx, newHost("status-enum"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.Status.ErrorType = "disk on fire"
	_, err = hosts.UpdateStatus(ctx, h, metav1.UpdateOptions{})
	if err == nil || !strings.Contains(err.Error(), `status.errorType: Unsupported value: "disk on fire"`) {
		t.Errorf("want an unsupported-value error for status.errorType, got %v", err)
	}
}
