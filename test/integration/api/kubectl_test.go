package api

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A metal3 manifest, as its users write them, applied unchanged.
const metal3Manifest = `
apiVersion: v1
kind: Secret
metadata:
  name: worker-0-bmc-secret
type: Opaque
data:
  username: YWRtaW4=
  password: cGFzc3dvcmQ=
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: worker-0
spec:
  online: true
  bootMACAddress: 00:11:22:33:44:55
  bootMode: UEFI
  automatedCleaningMode: disabled
  hardwareProfile: unknown
  bmc:
    address: redfish-virtualmedia://192.168.111.1:8000/redfish/v1/Systems/1
    credentialsName: worker-0-bmc-secret
    disableCertificateVerification: true
  rootDeviceHints:
    deviceName: /dev/sda
  raid:
    softwareRAIDVolumes: []
  firmware:
    virtualizationEnabled: true
  image:
    url: http://172.22.0.1/images/rhcos.qcow2
    checksum: http://172.22.0.1/images/rhcos.qcow2.md5sum
    checksumType: md5
    format: qcow2
  userData:
    name: worker-user-data
    namespace: default
  consumerRef:
    apiVersion: machine.openshift.io/v1beta1
    kind: Machine
    name: worker-0-machine
    namespace: default
`

func TestKubectlAppliesAMetal3ManifestAndShowsTheColumns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	applyCmd := func(args ...string) string {
		t.Helper()
		out, err := kubectlStdin(ctx, metal3Manifest, args...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	applyCmd("apply", "-f", "-")
	if _, err := env.Kubectl(ctx, "patch", "bmh", "worker-0", "--subresource=status", "--type=merge",
		"-p", `{"status":{"provisioning":{"state":"provisioned"},"operationalStatus":"OK","errorType":"","poweredOn":true,"errorMessage":"","errorCount":0}}`); err != nil {
		t.Fatal(err)
	}

	out, err := env.Kubectl(ctx, "get", "bmh", "worker-0")
	if err != nil {
		t.Fatal(err)
	}
	assertColumns(t, out, []string{"NAME", "STATE", "CONSUMER", "ONLINE", "ERROR", "AGE"},
		`worker-0\s+provisioned\s+worker-0-machine\s+true\s+\S+`)

	out, err = env.Kubectl(ctx, "get", "bmhost", "worker-0", "-o", "wide")
	if err != nil {
		t.Fatal(err)
	}
	// metal3's order: the wide-only columns sit where metal3 puts them, not at the end.
	assertColumns(t, out, []string{"NAME", "STATUS", "STATE", "CONSUMER", "BMC", "ONLINE", "ERROR", "AGE"},
		`worker-0\s+OK\s+provisioned\s+worker-0-machine\s+redfish-virtualmedia://192.168.111.1:8000/redfish/v1/Systems/1\s+true\s+\S+`)

	out, err = env.Kubectl(ctx, "describe", "bmh", "worker-0")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Name:\s+worker-0`, `Kind:\s+BareMetalHost`, `Boot MACAddress:\s+00:11:22:33:44:55`,
		`State:\s+provisioned`, `Credentials Name:\s+worker-0-bmc-secret`, `Operational Status:\s+OK`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("kubectl describe output does not match %q:\n%s", want, out)
		}
	}
}

func assertColumns(t *testing.T, out string, header []string, row string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row, got:\n%s", out)
	}
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != strings.Join(header, " ") {
		t.Errorf("header %q, want %q", got, header)
	}
	if !regexp.MustCompile(row).MatchString(lines[1]) {
		t.Errorf("row %q does not match %q", lines[1], row)
	}
}
