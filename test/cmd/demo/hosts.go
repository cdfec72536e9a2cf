package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/hoststate"
)

// redfishSystems is how many systems the Redfish simulator has: one per Redfish sample host.
const redfishSystems = 2

// sampleHost is one host the demo creates, with what the demo expects of it.
type sampleHost struct {
	host *metal3.BareMetalHost
	// image is what the demo puts into spec.image once the host is available, as an operator
	// (or a Machine actuator) would; nil leaves the host available.
	image *metal3.Image
	// provision is whether the demo waits for this host to be provisioned.
	provision bool
	// about is a short description for the output.
	about string
	// imageSet records that the demo has set the image.
	imageSet bool
}

// sampleHosts describes the demo's hosts. They are created without an image, so each stops at
// available until the demo gives it one (see provideImages). There are:
//   - fake-hardware hosts: Ironic fakes every BMC action, with the configured delay; they are
//     inspected in band (the simulated agent posts their inventory to ironic-inspector) and get
//     a qcow2 image (which fake deploy does not download);
//   - a fake-agent:// host, inspected, cleaned and deployed (direct) through the simulated agent,
//     which downloads its raw image and checks its checksum;
//   - two hosts behind the Redfish simulator, one booting with iPXE (redfish://) and one with
//     virtual media (redfish-virtualmedia://);
//   - an ipmi:// host behind OpenIPMI's ipmi_sim (test/ipmisim), booting with iPXE;
//   - a fake-hardware host that the sample Machine claims (see createSampleMachine).
//
// The BMC-backed hosts boot a live ISO from the demo's image server: Ironic's ramdisk deploy
// writes nothing to a disk, so they need neither an agent ramdisk nor cleaning
// (automatedCleaningMode: disabled), which a simulated machine cannot run.
func sampleHosts(s *stack, fakeHosts int) []sampleHost {
	qcow2 := "qcow2"
	liveISO := "live-iso"
	var out []sampleHost
	for i := 0; i < fakeHosts; i++ {
		name := fmt.Sprintf("demo-fake-%d", i)
		h := newHost(name, "fake://"+name, fmt.Sprintf("52:54:00:de:00:%02x", i))
		img := &metal3.Image{URL: s.images.url + "/os.qcow2", Checksum: s.images.qcow2MD5,
			ChecksumType: metal3.ChecksumMD5, DiskFormat: &qcow2}
		h.Spec.Description = "fake-hardware: Ironic fakes the BMC; a qcow2 image"
		out = append(out, sampleHost{host: h, image: img, provision: true, about: "fake-hardware"})
	}
	{
		// Through the simulated ramdisk: in-band inspection, cleaning (metadata), direct deploy
		// of a raw image the agent downloads and checks.
		name := "demo-agent-0"
		h := newHost(name, "fake-agent://"+name, "52:54:00:de:03:00")
		raw := "raw"
		img := &metal3.Image{URL: s.images.url + "/os.raw", Checksum: s.images.rawSHA256,
			ChecksumType: metal3.ChecksumSHA256, DiskFormat: &raw}
		h.Spec.Description = "fake-agent: in-band inspection, cleaning and direct deploy through the simulated agent"
		out = append(out, sampleHost{host: h, image: img, provision: true, about: "fake-agent (simulated ramdisk)"})
	}
	ids := s.redfish.SystemIDs()
	for i, scheme := range []string{"redfish+http", "redfish-virtualmedia+http"} {
		id := ids[i]
		base, _, _ := strings.Cut(scheme, "+")
		name := "demo-" + base + "-0"
		h := newHost(name, scheme+"://"+s.redfish.Host()+s.redfish.SystemPath(id), s.redfish.MACs(id)[0])
		h.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
		h.Spec.BootMode = metal3.BootModeUEFI
		// Inspected out of band, through Redfish; the fake-hardware hosts show in-band inspection.
		h.Spec.InspectionMode = metal3.InspectionModeFast
		img := &metal3.Image{URL: s.images.url + "/live.iso", DiskFormat: &liveISO}
		h.Spec.Description = fmt.Sprintf("%s:// to the Redfish simulator's %s; a live ISO", base, id)
		out = append(out, sampleHost{host: h, image: img, provision: true, about: base + " (simulated BMC " + id + ")"})
	}
	out = append(out, machineHostSample())
	if s.ipmi != nil {
		name := "demo-ipmi-0"
		h := newHost(name, s.ipmi.Address(), "52:54:00:de:01:00")
		h.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
		h.Spec.BootMode = metal3.BootModeUEFI
		img := &metal3.Image{URL: s.images.url + "/live.iso", DiskFormat: &liveISO}
		// Ironic's ipmi hardware type inspects only through an agent ramdisk, which a simulated
		// machine cannot boot: skip inspection and supply the hardware details, as metal3 users do.
		h.Spec.InspectionMode = metal3.InspectionModeDisabled
		h.Annotations = map[string]string{hoststate.HardwareDetailsAnnotation: ipmiHardware}
		h.Spec.Description = "ipmi:// to ipmi_sim (OpenIPMI); a live ISO booted with iPXE; no inspection"
		out = append(out, sampleHost{host: h, image: img, provision: true, about: "ipmi (ipmi_sim " + s.ipmi.HostPort() + ")"})
	}
	return out
}

// ipmiHardware is the hardware details annotation of the IPMI host.
const ipmiHardware = `{"systemVendor":{"manufacturer":"OpenIPMI","productName":"ipmi_sim"},` +
	`"cpu":{"arch":"x86_64","count":4},"ramMebibytes":8192,` +
	`"nics":[{"name":"eth0","mac":"52:54:00:de:01:00","pxe":true}],"storage":[{"name":"/dev/sda","sizeBytes":107374182400}]}`

func newHost(name, address, mac string) *metal3.BareMetalHost {
	return &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: map[string]string{"metalkube.io/demo": "true"}},
		Spec: metal3.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: mac,
			BMC:            metal3.BMCDetails{Address: address, CredentialsName: name + "-bmc"},
		},
	}
}

// createHosts creates each host's credentials Secret, then the host.
func (s *stack) createHosts(ctx context.Context) error {
	for _, sh := range s.hosts {
		h := sh.host
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: h.Spec.BMC.CredentialsName, Namespace: h.Namespace},
			StringData: map[string]string{"username": bmcUser, "password": bmcPassword},
		}
		if _, err := s.env.Kube.CoreV1().Secrets(h.Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating Secret %s: %w", secret.Name, err)
		}
		if _, err := s.env.Metal3.Metal3V1alpha1().BareMetalHosts(h.Namespace).Create(ctx, h, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating host %s: %w", h.Name, err)
		}
	}
	return nil
}

// provideImages sets spec.image on each host that has become available and has none yet. It
// returns a line per host it changed, for the output.
func (s *stack) provideImages(ctx context.Context, states map[string]metal3.ProvisioningState) ([]string, error) {
	var done []string
	for i := range s.hosts {
		sh := &s.hosts[i]
		if sh.image == nil || sh.imageSet || states[sh.host.Name] != metal3.StateAvailable {
			continue
		}
		patch, err := json.Marshal(map[string]any{"spec": map[string]any{"image": sh.image}})
		if err != nil {
			return done, err
		}
		if _, err := s.env.Metal3.Metal3V1alpha1().BareMetalHosts(sh.host.Namespace).Patch(ctx, sh.host.Name,
			types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "metalkube-demo"}); err != nil {
			return done, fmt.Errorf("setting the image of %s: %w", sh.host.Name, err)
		}
		sh.imageSet = true
		format := ""
		if sh.image.DiskFormat != nil {
			format = *sh.image.DiskFormat
		}
		done = append(done, fmt.Sprintf("%s is available: set spec.image to %s (%s)", sh.host.Name, path.Base(sh.image.URL), format))
	}
	return done, nil
}

// machineHost is the fake-hardware host the sample Machine claims: it has the label the
// Machine's hostSelector asks for, and no image of its own.
const (
	machineHost      = "demo-worker-0"
	machineName      = "demo-worker"
	machineHostLabel = "metalkube.io/demo-role"
)

// machineHostSample is the host for the sample Machine: the Machine actuator, not the demo,
// gives it its image once it is available.
func machineHostSample() sampleHost {
	h := newHost(machineHost, "fake://"+machineHost, "52:54:00:de:02:00")
	h.Labels[machineHostLabel] = "worker"
	h.Spec.Online = false
	h.Spec.Description = "fake-hardware, claimed by the Machine " + machineName
	return sampleHost{host: h, provision: true, about: "fake-hardware, for Machine " + machineName}
}

// createSampleMachine creates a machine.openshift.io Machine whose providerSpec selects the
// labelled host: the Machine actuator claims it (spec.consumerRef), gives it the image and
// powers it on, and the host controller provisions it.
func createSampleMachine(ctx context.Context, s *stack) error {
	spec, err := json.Marshal(map[string]any{
		"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "BareMetalMachineProviderSpec",
		"image":        map[string]any{"url": s.images.url + "/os.qcow2", "checksum": s.images.qcow2MD5, "checksumType": "md5", "format": "qcow2"},
		"hostSelector": map[string]any{"matchLabels": map[string]string{machineHostLabel: "worker"}},
	})
	if err != nil {
		return err
	}
	m := &machinev1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: machineName, Namespace: Namespace},
		Spec:       machinev1.MachineSpec{ProviderSpec: machinev1.ProviderSpec{Value: &runtime.RawExtension{Raw: spec}}},
	}
	if _, err := s.env.Metal3.MachineV1beta1().Machines(Namespace).Create(ctx, m, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating Machine %s: %w", machineName, err)
	}
	return nil
}
