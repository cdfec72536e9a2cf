package agent

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/agentsim"
	"github.com/metalkube/metalkube/test/framework"
)

// stepTimeout bounds one step (registration to available includes in-band inspection and cleaning
// through the agent); generous for a loaded 2-core CI machine.
const stepTimeout = 60 * time.Second

// imageServer serves one small disk image, its checksum files, and 404 for anything else, and
// counts the GETs of each path.
type imageServer struct {
	*httptest.Server
	image               []byte
	md5, sha256, sha512 string
	mu                  sync.Mutex
	gets                map[string]int
}

func newImageServer(t *testing.T) *imageServer {
	t.Helper()
	s := &imageServer{gets: map[string]int{}}
	// A few KiB that are not all alike.
	var b strings.Builder
	for i := 0; b.Len() < 6000; i++ {
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), i%13+1))
	}
	s.image = []byte(b.String())
	m, s256, s512 := md5.Sum(s.image), sha256.Sum256(s.image), sha512.Sum512(s.image)
	s.md5, s.sha256, s.sha512 = hex.EncodeToString(m[:]), hex.EncodeToString(s256[:]), hex.EncodeToString(s512[:])
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			s.mu.Lock()
			s.gets[r.URL.Path]++
			s.mu.Unlock()
		}
		switch r.URL.Path {
		case "/os.raw":
			// As any file server does, also for HEAD: once inspection told Ironic the node's
			// memory, it checks the image fits before the deploy.
			w.Header().Set("Content-Length", strconv.Itoa(len(s.image)))
			_, _ = w.Write(s.image)
		case "/os.raw.sha256sum":
			_, _ = w.Write([]byte(s.sha256 + "  os.raw\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Gets is how often a path was downloaded.
func (s *imageServer) Gets(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[path]
}

// image is the served image with the given checksum and type.
func (s *imageServer) imageWith(sum string, typ metal3.ChecksumType) *metal3.Image {
	format := "raw"
	return &metal3.Image{URL: s.URL + "/os.raw", Checksum: sum, ChecksumType: typ, DiskFormat: &format}
}

// agentHost is a fake-agent host (fake-hardware, direct deploy through the simulated agent)
// with its credentials.
func agentHost(t *testing.T, name, mac string, cleaning metal3.AutomatedCleaningMode) *metal3.BareMetalHost {
	t.Helper()
	sys.Credentials(t, name+"-bmc", "admin", "s3cret-"+name)
	h := framework.FakeHost(name, mac)
	h.Spec.BMC.Address = "fake-agent://" + name
	h.Spec.AutomatedCleaningMode = cleaning
	return h
}

// waitAgent polls the agent's record of a node until ok holds.
func waitAgent(t *testing.T, id, what string, ok func(agentsim.Stats) bool) agentsim.Stats {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		st := agent.Node(id)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: agent never %s; agent record %+v", id, what, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// provisioningError waits for a provisioning error whose message holds substr.
func provisioningError(t *testing.T, name, substr string) *metal3.BareMetalHost {
	t.Helper()
	return sys.WaitForHost(t, name, stepTimeout, "a provisioning error with "+substr, func(h *metal3.BareMetalHost) bool {
		return h.Status.ErrorType == metal3.ProvisioningError && strings.Contains(h.Status.ErrorMessage, substr)
	})
}

// checkSimulatedHardware checks that hardware details are those of an inventory.Default system
// booting from mac: three disks by their by-path names, the NICs with their addresses (one
// entry per address, as metal3 lists them), the hostname, CPU and RAM.
func checkSimulatedHardware(t *testing.T, hw *metal3.HardwareDetails, mac string) {
	t.Helper()
	if hw == nil {
		t.Fatal("no hardware details")
	}
	if len(hw.Storage) != 3 || hw.CPU.Count != 80 || hw.RAMMebibytes != 196608 || !strings.HasPrefix(hw.Hostname, "node-") ||
		hw.SystemVendor.Manufacturer != "Dell Inc." {
		t.Errorf("hardware details: %d disks, %d CPUs, %d MiB, hostname %q, vendor %q", len(hw.Storage), hw.CPU.Count, hw.RAMMebibytes,
			hw.Hostname, hw.SystemVendor.Manufacturer)
	}
	var bootIP, v6 bool
	for _, n := range hw.NIC {
		if strings.EqualFold(n.MAC, mac) && strings.HasPrefix(n.IP, "172.22.") {
			bootIP = true
		}
		if strings.Contains(n.IP, ":") {
			v6 = true
		}
	}
	if !bootIP || !v6 {
		t.Errorf("NICs %+v: want the boot NIC with its provisioning address and an IPv6 address", hw.NIC)
	}
}
