package bmc

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// isoServer serves a (fake) live ISO at /live.iso and counts the downloads.
type isoServer struct {
	*httptest.Server
	downloads atomic.Int32
}

func startISOServer(t *testing.T) *isoServer {
	t.Helper()
	s := &isoServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/live.iso" {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodGet {
			s.downloads.Add(1)
		}
		// Ironic checks the image's size with a HEAD request first: ServeContent answers it
		// with a Content-Length.
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "live.iso", time.Time{}, bytes.NewReader(isoContent))
	}))
	t.Cleanup(s.Close)
	return s
}

// isoContent is the "live ISO": nothing boots it, the simulators only record the media.
var isoContent = []byte(strings.Repeat("CD001 live ISO for metalkube tests\n", 1900))

func liveISO(url string) func(*metal3.BareMetalHost) {
	format := "live-iso"
	return func(h *metal3.BareMetalHost) {
		h.Spec.Image = &metal3.Image{URL: url, DiskFormat: &format}
	}
}

// TestALiveISOIsProvisionedThroughRedfishVirtualMedia provisions a redfish-virtualmedia host
// with a live ISO (Ironic's ramdisk deploy: no agent, nothing written to disk) and checks that
// the simulator has the ISO inserted, boots from Cd and is powered on; then deprovisions it.
func TestALiveISOIsProvisionedThroughRedfishVirtualMedia(t *testing.T) {
	t.Parallel()
	const name = "redfish-live-iso"
	iso := startISOServer(t)
	sim := redfishHTTP
	id, macs := redfishSystem(t, sim)
	start := time.Now()
	createHost(t, name, redfishAddress("redfish-virtualmedia+http", sim, id), macs[0], redfishUser, redfishPassword,
		online, liveISO(iso.URL+"/live.iso"))
	h := sys.WaitForState(t, name, metal3.StateProvisioned, registerTimeout)
	elapsed(t, "created to provisioned", start)

	n := node(t, h)
	if n.ProvisionState != "active" || n.DeployInterface != "ramdisk" || n.BootInterface != "redfish-virtual-media" {
		t.Errorf("node %q with deploy %q boot %q, want active, ramdisk, redfish-virtual-media", n.ProvisionState, n.DeployInterface, n.BootInterface)
	}
	if iso.downloads.Load() == 0 {
		t.Error("Ironic never downloaded the live ISO")
	}
	image, inserted := sim.VirtualMedia(id)
	if !inserted || !strings.HasSuffix(image, ".iso") {
		t.Errorf("virtual media: image %q inserted %v, want an ISO inserted", image, inserted)
	}
	if target, _, _ := sim.BootOverride(id); target != "Cd" {
		t.Errorf("boot override target %q, want Cd", target)
	}
	if sim.PowerState(id) != "On" || !h.Status.PoweredOn {
		t.Errorf("provisioned online host: system %q, status.poweredOn %v", sim.PowerState(id), h.Status.PoweredOn)
	}
	t.Logf("virtual media %q", image)

	step := time.Now()
	sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) { h.Spec.Image = nil })
	sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
	elapsed(t, "deprovisioned", step)
	if image, inserted := sim.VirtualMedia(id); inserted {
		t.Errorf("after deprovisioning the virtual media still holds %q", image)
	}
}

// TestALiveISOIsProvisionedOverIPMIAndIPXE provisions an ipmi host with a live ISO: Ironic
// writes an iPXE configuration that boots the ISO, sets the boot device to PXE over IPMI and
// powers the machine on.
func TestALiveISOIsProvisionedOverIPMIAndIPXE(t *testing.T) {
	t.Parallel()
	const name = "ipmi-live-iso"
	iso := startISOServer(t)
	b := startIPMI(t)
	start := time.Now()
	createHost(t, name, b.Address(), bootMAC(), b.Username(), b.Password(), noInspection, online, liveISO(iso.URL+"/live.iso"))
	h := sys.WaitForState(t, name, metal3.StateProvisioned, 3*time.Minute)
	elapsed(t, "created to provisioned", start)
	n := node(t, h)
	if n.ProvisionState != "active" || n.DeployInterface != "ramdisk" {
		t.Errorf("node %q with deploy %q, want active, ramdisk", n.ProvisionState, n.DeployInterface)
	}
	if b.BootDevice() != "pxe" || b.PowerState() != "on" || !h.Status.PoweredOn {
		t.Errorf("machine boots from %q, power %q, status.poweredOn %v; want pxe, on, true", b.BootDevice(), b.PowerState(), h.Status.PoweredOn)
	}
	// What the machine would network-boot: an iPXE script that SAN-boots Ironic's copy of the
	// ISO.
	httpboot := filepath.Join(sys.Ironic.Dir, "httpboot", n.UUID)
	script, err := os.ReadFile(filepath.Join(httpboot, "config"))
	if err != nil || !strings.Contains(string(script), "sanboot ") || !strings.Contains(string(script), n.UUID+"/boot_iso") {
		t.Errorf("iPXE config of the node: %v\n%s", err, script)
	}
	if copied, err := os.ReadFile(filepath.Join(httpboot, "boot_iso")); err != nil || !bytes.Equal(copied, isoContent) {
		t.Errorf("Ironic's copy of the ISO: %v (%d bytes, want %d)", err, len(copied), len(isoContent))
	}
	t.Logf("chassis log %q", b.ChassisLog())
}

// TestALiveISODeployOfAnIDRACVirtualMediaHostNeedsDellsOEMExtension documents what Ironic 21.4
// refuses here: the idrac-redfish-virtual-media boot interface sets the virtual CD as boot
// device through Dell's OEM manager extension (sushy-oem-idrac), which Debian does not package
// and the simulator would not speak. The deploy fails with an error that says so, and the host
// reports it.
func TestALiveISODeployOfAnIDRACVirtualMediaHostNeedsDellsOEMExtension(t *testing.T) {
	t.Parallel()
	const name = "idrac-live-iso"
	iso := startISOServer(t)
	sim := redfishHTTPS
	id, macs := redfishSystem(t, sim)
	createHost(t, name, redfishAddress("idrac-virtualmedia", sim, id), macs[0], redfishUser, redfishPassword,
		skipVerification, noInspection, online, liveISO(iso.URL+"/live.iso"))
	h := sys.WaitForHost(t, name, registerTimeout, "a provisioning error", func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.ProvisioningError
	})
	if msg := h.Status.ErrorMessage; !strings.Contains(msg, "deploy failed") || !strings.Contains(msg, `No extensions found for "manager"`) {
		t.Errorf("provisioning error %q does not name the missing OEM extension", msg)
	}
	if h.Status.Provisioning.State != metal3.StateProvisioning {
		t.Errorf("host is %q, want it still provisioning (retrying)", h.Status.Provisioning.State)
	}
	t.Logf("status.errorMessage: %s", h.Status.ErrorMessage)
}
