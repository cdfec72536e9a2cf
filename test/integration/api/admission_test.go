package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/metalkube/metalkube/pkg/bmc"
)

// What `kubectl apply` prints when a rule refuses a host: the CRD's rules name the field, the
// admission policy (manifests/policy) its own name.
func crdSays(field, msg string) string { return field + ": Invalid value: " + msg }

func policySays(msg string) string {
	return "ValidatingAdmissionPolicy 'baremetalhost-admission.metal3.io' with binding " +
		"'baremetalhost-admission.metal3.io' denied request: " + msg
}

// hostYAML is a BareMetalHost manifest; annotations is a YAML flow map or "", spec the lines
// under spec: (indented by two).
func hostYAML(name, annotations, spec string) string {
	meta := "metadata: {name: " + name + ", namespace: default}"
	if annotations != "" {
		meta = "metadata: {name: " + name + ", namespace: default, annotations: " + annotations + "}"
	}
	return "apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\n" + meta + "\nspec:\n  online: true\n" + spec
}

const (
	redfishVM = "  bmc: {address: \"redfish-virtualmedia://10.0.0.5/redfish/v1/Systems/1\", credentialsName: c}\n"
	fakeBMC   = "  bmc: {address: \"fake://x\", credentialsName: c}\n"
	withMAC   = "  bootMACAddress: \"52:54:00:aa:bb:01\"\n"
)

func apply(ctx context.Context, manifest string) (string, error) {
	return env.KubectlStdin(ctx, manifest, "apply", "-f", "-")
}

func TestKubectlApplyRefusesWhatMetal3sWebhookRefuses(t *testing.T) {
	unknownScheme := `invalid BMC address: unknown BMC scheme "ilo4"; supported schemes are ` + bmc.SupportedSchemes()
	cases := []struct {
		name, annotations, spec, want string
	}{
		// The BMC address and what its driver needs.
		{"an unknown BMC scheme", "", "  bmc: {address: \"ilo4://10.0.0.1\", credentialsName: c}\n",
			crdSays("spec.bmc.address", unknownScheme)},
		{"a malformed BMC address", "", "  bmc: {address: \"ipmi://10.0.0.1:notaport\", credentialsName: c}\n" + withMAC,
			crdSays("spec.bmc.address", "invalid BMC address: expected [scheme://]host[:port][/path][?query] without spaces, fragment or characters not allowed in a URL")},
		{"credentials in the BMC address", "", "  bmc: {address: \"redfish://admin:pw@10.0.0.1\", credentialsName: c}\n" + withMAC,
			crdSays("spec.bmc.address", `invalid BMC address: address must not contain user information ("user:password@"); put the credentials in the BMC credentials Secret`)},
		{"a network-booting driver without a boot MAC", "", "  bmc: {address: \"ipmi://10.0.0.1\", credentialsName: c}\n",
			crdSays("spec.bootMACAddress", "BMC driver ipmi requires a BootMACAddress value")},
		{"a bare host:port (ipmi) without a boot MAC", "", "  bmc: {address: \"10.0.0.1:623\", credentialsName: c}\n",
			crdSays("spec.bootMACAddress", "BMC driver ipmi requires a BootMACAddress value")},
		{"inspectionMode disabled without a boot MAC", "", redfishVM + "  inspectionMode: disabled\n",
			crdSays("spec.bootMACAddress", "BMC driver redfish-virtualmedia requires a BootMACAddress value")},
		{"the inspect annotation disabled without a boot MAC", "{inspect.metal3.io: disabled}", redfishVM,
			policySays("BMC driver redfish-virtualmedia requires a BootMACAddress value")},
		{"secure boot with ipmi", "", "  bmc: {address: \"ipmi://10.0.0.1\", credentialsName: c}\n" + withMAC + "  bootMode: UEFISecureBoot\n",
			crdSays("spec.bootMode", "BMC driver ipmi does not support secure boot")},
		{"fast inspection with libvirt", "", "  bmc: {address: \"libvirt://10.0.0.1\", credentialsName: c}\n" + withMAC + "  inspectionMode: fast\n",
			crdSays("spec.inspectionMode", "BMC driver libvirt does not support fast (out-of-band) inspection")},
		// Root device hints and RAID.
		{"a device name outside /dev", "", fakeBMC + "  rootDeviceHints: {deviceName: sda}\n",
			crdSays("spec.rootDeviceHints.deviceName", `device name of root device hint must be a /dev/ path, not "sda"`)},
		{"a device name below /dev/disk/by-id", "", fakeBMC + "  rootDeviceHints: {deviceName: /dev/disk/by-id/wwn-0x5}\n",
			crdSays("spec.rootDeviceHints.deviceName", `device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not "/dev/disk/by-id/wwn-0x5"`)},
		{"hardware and software RAID at once", "", fakeBMC + "  raid: {hardwareRAIDVolumes: [{level: \"1\"}], softwareRAIDVolumes: [{level: \"1\"}]}\n",
			crdSays("spec.raid", "hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time")},
		{"physical disks without a controller", "", fakeBMC + "  raid: {hardwareRAIDVolumes: [{level: \"1\", physicalDisks: [d1, d2]}]}\n",
			crdSays("spec.raid.hardwareRAIDVolumes[0]", "'physicalDisks' specified without 'controller' in hardware RAID volume")},
		{"a disk count that is not the disks' number", "", fakeBMC + "  raid: {hardwareRAIDVolumes: [{level: \"1\", controller: c0, numberOfPhysicalDisks: 3, physicalDisks: [d1, d2]}]}\n",
			crdSays("spec.raid.hardwareRAIDVolumes[0]", "the 'numberOfPhysicalDisks' and the number of 'physicalDisks' are not the same")},
		{"two software RAID root volumes", "", fakeBMC + "  raid: {softwareRAIDVolumes: [{level: \"1\", rootVolume: true}, {level: \"1\", rootVolume: true}]}\n",
			crdSays("spec.raid.softwareRAIDVolumes", "softwareRAIDVolumes[*].rootVolume can only be set once")},
		{"a software RAID root volume that is not RAID-1", "", fakeBMC + "  raid: {softwareRAIDVolumes: [{level: \"0\", rootVolume: true}]}\n",
			crdSays("spec.raid.softwareRAIDVolumes[0]", "softwareRAIDVolumes with rootVolume set must use RAID level 1")},
		{"a software RAID root volume and root device hints", "", fakeBMC + "  rootDeviceHints: {deviceName: /dev/sda}\n  raid: {softwareRAIDVolumes: [{level: \"1\", rootVolume: true}]}\n",
			crdSays("spec.raid.softwareRAIDVolumes", "softwareRAIDVolumes[*].rootVolume and rootDeviceHints can not be set at the same time")},
		{"three software RAID volumes", "", fakeBMC + "  raid: {softwareRAIDVolumes: [{level: \"1\"}, {level: \"0\"}, {level: \"0\"}]}\n",
			"spec.raid.softwareRAIDVolumes: Too many: 3: must have at most 2 items"},
		// The image.
		{"an ftp image", "", fakeBMC + "  image: {url: \"ftp://images.example/os.qcow2\", checksum: abc}\n",
			crdSays("spec.image.url", "image URL must be http://, https:// (with a host) or file:///")},
		{"an image without a checksum", "", fakeBMC + "  image: {url: \"http://images.example/os.qcow2\"}\n",
			crdSays("spec.image.checksum", "checksum is required for normal images (all but format live-iso)")},
		{"power off disabled while offline", "", fakeBMC + "  disablePowerOff: true\n  online: false\n",
			crdSays("spec.disablePowerOff", "node can't simultaneously have online set to false and have power off disabled")},
		// Annotations.
		{"a reboot annotation that is not JSON", "{reboot.metal3.io: now}", fakeBMC,
			policySays("failed to unmarshal the data from the reboot.metal3.io annotation: the value must be empty or a JSON object")},
		{"an unknown reboot mode under a key", `{reboot.metal3.io/remediation: '{"mode": "medium"}'}`, fakeBMC,
			policySays(`invalid mode in the reboot.metal3.io annotation, allowed are "hard", "soft" or ""`)},
		{"an unknown detach delete action", `{baremetalhost.metal3.io/detached: '{"deleteAction": "later"}'}`, fakeBMC,
			policySays(`invalid deleteAction in the baremetalhost.metal3.io/detached annotation, allowed are "delay", "delete" or ""`)},
		{"an unknown inspect annotation value", "{inspect.metal3.io: now}", fakeBMC,
			policySays(`invalid value for the inspect.metal3.io annotation, allowed are "disabled" or ""`)},
		{"the inspect annotation contradicting inspectionMode", "{inspect.metal3.io: disabled}", fakeBMC + withMAC + "  inspectionMode: agent\n",
			policySays("inspect.metal3.io annotation and inspectionMode field have contradicting values")},
		{"hardware details while inspection is on", `{inspect.metal3.io/hardwaredetails: '{"cpu": {"arch": "x86_64"}}'}`, fakeBMC,
			policySays("when hardware details are provided, inspection must be disabled (either via inspect.metal3.io annotation or inspectionMode field)")},
		{"hardware details that are not JSON", "{inspect.metal3.io: disabled, inspect.metal3.io/hardwaredetails: lots}", fakeBMC + withMAC,
			policySays("error decoding the inspect.metal3.io/hardwaredetails annotation: the value must be a JSON object")},
		{"a status annotation that is not JSON", "{baremetalhost.metal3.io/status: fine}", fakeBMC,
			policySays("error decoding status annotation: the value must be a JSON object")},
		{"an unknown operational status in the status annotation", `{baremetalhost.metal3.io/status: '{"operationalStatus": "great"}'}`, fakeBMC,
			policySays("invalid operationalStatus in the baremetalhost.metal3.io/status annotation")},
		{"an unknown error type in the status annotation", `{baremetalhost.metal3.io/status: '{"operationalStatus": "OK", "errorType": "oops"}'}`, fakeBMC,
			policySays("invalid errorType in the baremetalhost.metal3.io/status annotation")},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := apply(ctx, hostYAML(fmt.Sprintf("refused-%d", i), tc.annotations, tc.spec))
			if err == nil {
				t.Fatalf("kubectl apply accepted the host: %s", out)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("kubectl apply said\n  %s\nwant it to contain\n  %s", strings.TrimSpace(out), tc.want)
			}
		})
	}
}

func TestKubectlApplyRefusesAUUIDAsHostName(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"0b8c5d4e-1f2a-4b3c-9d8e-7f6a5b4c3d2e", "0b8c5d4e1f2a4b3c9d8e7f6a5b4c3d2e"} {
		out, err := apply(ctx, hostYAML(name, "", fakeBMC))
		want := "Invalid value: BareMetalHost resource name cannot be a UUID"
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("host named %s: kubectl said %q, want it to contain %q", name, out, want)
		}
	}
}

// setStatus writes a stored host's status as the controller would.
func setStatus(t *testing.T, ctx context.Context, name, state, operationalStatus string) {
	t.Helper()
	patch := fmt.Sprintf(`{"status":{"provisioning":{"state":%q},"operationalStatus":%q,"errorType":"","poweredOn":false,"errorMessage":"","errorCount":0}}`,
		state, operationalStatus)
	if out, err := env.Kubectl(ctx, "patch", "bmh", name, "-n", "default", "--subresource=status", "--type=merge", "-p", patch); err != nil {
		t.Fatalf("setting the status of %s: %v\n%s", name, err, out)
	}
}

func TestKubectlApplyRefusesUpdatesMetal3Refuses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mustApply := func(manifest string) {
		t.Helper()
		if out, err := apply(ctx, manifest); err != nil {
			t.Fatalf("kubectl apply: %v\n%s", err, out)
		}
	}
	refused := func(manifest, want string) {
		t.Helper()
		out, err := apply(ctx, manifest)
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("kubectl said %q, want it to contain %q", strings.TrimSpace(out), want)
		}
	}

	t.Run("the boot MAC cannot change once set", func(t *testing.T) {
		mustApply(hostYAML("mac-once", "", redfishVM))
		mustApply(hostYAML("mac-once", "", redfishVM+withMAC))                                     // set once
		mustApply(hostYAML("mac-once", "", redfishVM+"  bootMACAddress: \"52:54:00:AA:BB:01\"\n")) // case only
		refused(hostYAML("mac-once", "", redfishVM+"  bootMACAddress: \"52:54:00:aa:bb:02\"\n"),
			crdSays("spec.bootMACAddress", "bootMACAddress can not be changed once it is set"))
		refused(hostYAML("mac-once", "", redfishVM), crdSays("spec.bootMACAddress", "bootMACAddress can not be changed once it is set"))
	})

	t.Run("the BMC address changes only while registering or detached", func(t *testing.T) {
		const other = "  bmc: {address: \"redfish-virtualmedia://10.0.0.6/redfish/v1/Systems/1\", credentialsName: c}\n"
		mustApply(hostYAML("bmc-move", "", redfishVM))
		setStatus(t, ctx, "bmc-move", "available", "OK")
		refused(hostYAML("bmc-move", "", other),
			policySays("BMC address can not be changed if the BMH is not in the Registering state, or if the BMH is not detached"))
		setStatus(t, ctx, "bmc-move", "available", "detached")
		mustApply(hostYAML("bmc-move", "", other))
		setStatus(t, ctx, "bmc-move", "registering", "OK")
		mustApply(hostYAML("bmc-move", "", redfishVM))
	})

	t.Run("externallyProvisioned is switched on only while available", func(t *testing.T) {
		mustApply(hostYAML("adopt", "", fakeBMC))
		setStatus(t, ctx, "adopt", "inspecting", "OK")
		refused(hostYAML("adopt", "", fakeBMC+"  externallyProvisioned: true\n"),
			policySays("externallyProvisioned can only be enabled when in Available state, currently in inspecting"))
		setStatus(t, ctx, "adopt", "available", "OK")
		mustApply(hostYAML("adopt", "", fakeBMC+"  externallyProvisioned: true\n"))
	})
}

func TestKubectlApplyAcceptsValidMetal3Hosts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Run("every BMC scheme", func(t *testing.T) {
		var docs []string
		for i, s := range bmc.Schemes() {
			addr := s.Scheme + "://10.0.0.7"
			if strings.Contains(s.Scheme, "redfish") || strings.Contains(s.Scheme, "media") {
				addr += ":8000/redfish/v1/Systems/1"
			}
			docs = append(docs, hostYAML(fmt.Sprintf("scheme-%d", i), "",
				"  bmc: {address: \""+addr+"\", credentialsName: c}\n"+withMAC))
		}
		docs = append(docs,
			hostYAML("form-bare", "", "  bmc: {address: \"10.0.0.8:623\", credentialsName: c}\n"+withMAC),
			hostYAML("form-ipv6", "", "  bmc: {address: \"redfish+https://[fd00::8]:8443/redfish/v1/Systems/1\", credentialsName: c}\n"+withMAC),
			hostYAML("form-nslash", "", "  bmc: {address: \"redfish:bmc.example.com\", credentialsName: c}\n"+withMAC),
			hostYAML("form-query", "", "  bmc: {address: \"ipmi://10.0.0.8:623?privilegelevel=OPERATOR\", credentialsName: c}\n"+withMAC),
			hostYAML("secure-boot", "", redfishVM+"  bootMode: UEFISecureBoot\n"))
		if out, err := apply(ctx, strings.Join(docs, "---\n")); err != nil {
			t.Errorf("kubectl apply refused valid addresses: %v\n%s", err, out)
		}
	})
	t.Run("RAID as metal3's documentation shows it", func(t *testing.T) {
		m := hostYAML("raid-hw", "", fakeBMC+`  raid:
    hardwareRAIDVolumes:
    - {name: root, level: "1", sizeGibibytes: 200, controller: RAID.Integrated.1-1, numberOfPhysicalDisks: 2,
       physicalDisks: [Disk.Bay.0:Enclosure.Internal.0-1:RAID.Integrated.1-1, Disk.Bay.1:Enclosure.Internal.0-1:RAID.Integrated.1-1]}
    - {level: "5", rotational: true}
`) + "---\n" + hostYAML("raid-sw", "", fakeBMC+`  raid:
    softwareRAIDVolumes:
    - {level: "1", rootVolume: true, sizeGibibytes: 100, physicalDisks: [{deviceName: /dev/sda}, {deviceName: /dev/sdb}]}
    - {level: "0"}
`)
		if out, err := apply(ctx, m); err != nil {
			t.Errorf("kubectl apply refused valid RAID: %v\n%s", err, out)
		}
	})
	t.Run("annotations as metal3 writes them", func(t *testing.T) {
		m := hostYAML("annotated", `{reboot.metal3.io: "", reboot.metal3.io/capm3-remediation: '{"mode":"hard","force":true}',
  baremetalhost.metal3.io/detached: '{"deleteAction":"delay"}', inspect.metal3.io: disabled,
  inspect.metal3.io/hardwaredetails: '{"cpu":{"arch":"x86_64","count":4},"ramMebibytes":4096}',
  baremetalhost.metal3.io/status: '{"operationalStatus":"OK","errorType":"","provisioning":{"state":"provisioned"}}'}`,
			redfishVM+withMAC+"  image: {url: \"http://images.example/live.iso\", format: live-iso}\n") +
			"---\n" + hostYAML("detached-by-name", "{baremetalhost.metal3.io/detached: assisted-service-controller}", fakeBMC)
		if out, err := apply(ctx, m); err != nil {
			t.Errorf("kubectl apply refused valid annotations: %v\n%s", err, out)
		}
	})
	t.Run("metal3's examples/worker-0.yaml", func(t *testing.T) {
		// As in metal3's repository, but for the namespace: its user data Secret is in the host's.
		const worker0 = `apiVersion: v1
kind: Namespace
metadata: {name: openshift-machine-api}
---
apiVersion: v1
kind: Secret
metadata:
  name: worker-0-bmc-secret
  namespace: openshift-machine-api
type: Opaque
data:
  username: YWRtaW4=
  password: cGFzc3dvcmQ=
---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  name: worker-0
  namespace: openshift-machine-api
spec:
  online: true
  bmc:
    address: libvirt://192.168.122.1:6233/
    credentialsName: worker-0-bmc-secret
  bootMACAddress: "00:1a:74:74:e5:cb"
  image:
    url: "http://172.22.0.1/images/rhcos-ootpa-latest.qcow2"
    checksum: "97830b21ed272a3d854615beb54cf004"
  userData:
    name: worker-user-data
    namespace: openshift-machine-api
`
		if out, err := apply(ctx, worker0); err != nil {
			t.Errorf("kubectl apply refused metal3's example: %v\n%s", err, out)
		}
	})
}

// A host stored before the policy was installed, with an annotation it refuses, still takes
// updates that leave the annotation alone (the controller's finalizer, a label); changing the
// annotation to another bad value is refused.
func TestThePolicyChecksOnlyAnnotationsARequestChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const binding = "validatingadmissionpolicybinding/baremetalhost-admission.metal3.io"
	if out, err := env.Kubectl(ctx, "delete", binding); err != nil {
		t.Fatalf("removing the binding: %v\n%s", err, out)
	}
	old := hostYAML("stored-before", "{reboot.metal3.io: now}", fakeBMC)
	for {
		out, err := apply(ctx, old)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the host is still refused without the binding: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := installPolicies(); err != nil {
		t.Fatal(err)
	}
	if out, err := apply(ctx, hostYAML("stored-before", "{reboot.metal3.io: now, note: relabelled}", fakeBMC)); err != nil {
		t.Errorf("an update leaving the stored annotation alone was refused: %v\n%s", err, out)
	}
	want := policySays("failed to unmarshal the data from the reboot.metal3.io annotation: the value must be empty or a JSON object")
	if out, err := apply(ctx, hostYAML("stored-before", "{reboot.metal3.io: later}", fakeBMC)); err == nil || !strings.Contains(out, want) {
		t.Errorf("changing the annotation to another bad value: kubectl said %q, want %q", strings.TrimSpace(out), want)
	}
}
