package main

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/metalkube/metalkube/test/agentsim"
	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ipmisim"
	"github.com/metalkube/metalkube/test/ironictest"
	"github.com/metalkube/metalkube/test/redfishsim"
)

// Namespace is where the sample hosts live: the kubeconfig's default, so a plain
// `kubectl get bmh` shows them.
const Namespace = "default"

// BMC credentials of the Redfish simulator (and of the fake hosts' Secrets).
const (
	bmcUser     = "admin"
	bmcPassword = "password"
)

// stack is everything the demo started.
type stack struct {
	dir, ownDir string
	repo        string
	kubectlBin  string
	env         *envtest.Environment
	ironic      *ironictest.Ironic
	redfish     *redfishsim.Simulator
	ipmi        *ipmisim.BMC
	images      *imageServer
	agent       *agentsim.Agent
	controller  *envtest.Process
	hosts       []sampleHost
}

// startStack starts every component. On error it returns what it started so far, for stop.
func startStack(ctx context.Context, c *config) (s *stack, err error) {
	s = &stack{dir: c.dir}
	if s.repo, err = envtest.RepoRoot(); err != nil {
		return s, err
	}
	if s.kubectlBin, err = envtest.ToolPath("kubectl"); err != nil {
		return s, err
	}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "metalkube-demo-"); err != nil {
			return s, err
		}
		if !c.keep {
			s.ownDir = s.dir
		}
	}
	if s.dir, err = filepath.Abs(s.dir); err != nil {
		return s, err
	}
	for _, d := range []string{"kube", "ironic", "ipmi", "images", "bin"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return s, err
		}
	}
	step := func(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }
	step("working directory %s", s.dir)

	bin := c.controllerBin
	if bin == "" {
		bin = filepath.Join(s.dir, "bin", "baremetal-controller")
		step("building baremetal-controller")
		if err := s.build(ctx, bin); err != nil {
			return s, err
		}
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return s, err
	}
	clearControllerEnv(bin)

	step("starting etcd + kube-apiserver and Ironic (fake-hardware delay %ss)", c.fakeDelay)
	ironicDone := make(chan error, 1)
	go func() {
		var err error
		s.ironic, err = ironictest.Start(ironictest.Options{Dir: filepath.Join(s.dir, "ironic"), FakeDelay: c.fakeDelay,
			Inspector: true, DeployImages: true})
		ironicDone <- err
	}()
	var envErr error
	s.env, envErr = envtest.Start(envtest.Options{Dir: filepath.Join(s.dir, "kube"), SkipCRDs: true})
	if err := <-ironicDone; err != nil {
		return s, fmt.Errorf("starting Ironic: %w", err)
	}
	if envErr != nil {
		return s, fmt.Errorf("starting kube-apiserver: %w", envErr)
	}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	step("kube-apiserver %s, Ironic %s, ironic-inspector %s", s.env.URL, s.ironic.URL, s.ironic.Inspector.URL)

	step("installing the CRDs from manifests/crds")
	if err := s.env.InstallCRDs(filepath.Join(s.repo, "manifests", "crds")); err != nil {
		return s, err
	}
	step("installing the Machine API CRD from manifests/machine-api")
	if err := s.env.InstallCRDs(filepath.Join(s.repo, "manifests", "machine-api")); err != nil {
		return s, err
	}

	if s.redfish, err = redfishsim.Start(redfishsim.Options{
		Systems: redfishSystems, Username: bmcUser, Password: bmcPassword, Addr: "127.0.0.1:0",
	}); err != nil {
		return s, fmt.Errorf("starting the Redfish simulator: %w", err)
	}
	step("Redfish BMC simulator %s (%d systems)", s.redfish.URL(), redfishSystems)
	if s.ipmi, err = ipmisim.Start(ipmisim.Options{Dir: filepath.Join(s.dir, "ipmi"), Username: bmcUser, Password: bmcPassword}); err != nil {
		return s, fmt.Errorf("starting the IPMI simulator: %w", err)
	}
	step("IPMI BMC simulator (ipmi_sim) %s", s.ipmi.Address())
	if s.images, err = startImageServer(filepath.Join(s.dir, "images")); err != nil {
		return s, fmt.Errorf("starting the image server: %w", err)
	}
	step("image server %s", s.images.url)
	// The ramdisk of fake-hardware hosts: it posts their inventory for in-band inspection,
	// and cleans and deploys the fake-agent:// host. (The Redfish hosts are inspected out of
	// band; the ipmi host is not inspected.)
	if s.agent, err = agentsim.Start(agentsim.Options{IronicURL: s.ironic.URL, InspectorURL: s.ironic.Inspector.URL,
		PollInterval: 500 * time.Millisecond, HeartbeatInterval: time.Second}); err != nil {
		return s, fmt.Errorf("starting the simulated agent: %w", err)
	}
	step("simulated Ironic Python Agent %s (in-band inspection, cleaning, direct deploy)", s.agent.URL)

	args := []string{"--kubeconfig", s.env.Kubeconfig, "--ironic-endpoint", s.ironic.URL, "--host-workers", "4", "-v=2",
		"--inspector-url", s.ironic.Inspector.URL, "--deploy-kernel-url", s.ironic.DeployImages.KernelURL,
		"--deploy-ramdisk-url", s.ironic.DeployImages.RamdiskURL, "--deploy-iso-url", s.ironic.DeployImages.ISOURL}
	args = append(args, c.controllerArgs...)
	step("starting baremetal-controller %s", strings.Join(args, " "))
	if s.controller, err = envtest.StartProcess("baremetal-controller", s.dir, bin, args...); err != nil {
		return s, err
	}

	s.hosts = sampleHosts(s, c.fakeHosts)
	step("creating %d sample hosts", len(s.hosts))
	if err := s.createHosts(ctx); err != nil {
		return s, err
	}
	step("creating the Machine %s, which claims %s", machineName, machineHost)
	if err := createSampleMachine(ctx, s); err != nil {
		return s, err
	}
	return s, nil
}

// build compiles the controller from this checkout.
func (s *stack) build(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/baremetal-controller")
	cmd.Dir = s.repo
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/baremetal-controller: %w", err)
	}
	return nil
}

// clearControllerEnv removes the environment variables baremetal-controller reads as flag
// defaults (its --help names each as "(env NAME)"), so the shell's settings cannot redirect it.
func clearControllerEnv(bin string) {
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	for _, m := range regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindAllStringSubmatch(string(help), -1) {
		_ = os.Unsetenv(m[1])
	}
	_ = os.Unsetenv("KUBECONFIG")
}

// stop ends everything in reverse order and removes a temporary working directory.
func (s *stack) stop() {
	if s.controller != nil {
		s.controller.Stop(10 * time.Second)
	}
	if s.agent != nil {
		s.agent.Stop()
	}
	if s.redfish != nil {
		_ = s.redfish.Close()
	}
	if s.images != nil {
		s.images.close()
	}
	s.ipmi.Stop()
	s.ironic.Stop()
	s.env.Stop()
	if s.ownDir != "" {
		_ = os.RemoveAll(s.ownDir)
	}
}

// printLogHints names the log files, for a failed run.
func (s *stack) printLogHints(w io.Writer) {
	if s.dir == "" {
		return
	}
	fmt.Fprintf(w, "logs (kept only with -keep or -dir): %s\n", strings.Join([]string{
		filepath.Join(s.dir, "baremetal-controller.log"), filepath.Join(s.dir, "ironic", "ironic.log"),
		filepath.Join(s.dir, "kube", "kube-apiserver.log"),
	}, ", "))
	if s.controller != nil {
		fmt.Fprintf(w, "last lines of baremetal-controller.log:\n%s\n", s.controller.TailLog(2000))
	}
}

// imageServer serves the demo's images over HTTP on a loopback port: a qcow2 for the
// fake-hardware hosts (which do not download it) and a live ISO that Ironic's redfish virtual
// media driver hands to the simulated BMC.
type imageServer struct {
	url       string
	qcow2MD5  string
	rawSHA256 string
	srv       *http.Server
}

func startImageServer(dir string) (*imageServer, error) {
	qcow2 := []byte("QFI\xfb metalkube demo image: nothing boots from it\n")
	iso := make([]byte, 64<<10)
	copy(iso[0x8001:], "CD001")
	// The raw image the simulated agent really downloads and checks for demo-agent-0.
	raw := make([]byte, 256<<10)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	for name, data := range map[string][]byte{"os.qcow2": qcow2, "live.iso": iso, "os.raw": raw} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return nil, err
		}
	}
	sum, rawSum := md5.Sum(qcow2), sha256.Sum256(raw)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &imageServer{url: "http://" + l.Addr().String(), qcow2MD5: hex.EncodeToString(sum[:]), rawSHA256: hex.EncodeToString(rawSum[:]),
		srv: &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = is.srv.Serve(l) }()
	return is, nil
}

func (is *imageServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = is.srv.Shutdown(ctx)
}

// leftoverProcesses lists "pid cmdline" of running processes (other than this one) whose
// environment carries the marker.
func leftoverProcesses(marker string) []string {
	if marker == "" {
		return nil
	}
	want := []byte(markerEnv + "=" + marker + "\x00")
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' || pid == fmt.Sprint(os.Getpid()) {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", pid, "environ"))
		if err != nil || !strings.Contains("\x00"+string(env), "\x00"+string(want)) {
			continue
		}
		if stat, _ := os.ReadFile(filepath.Join("/proc", pid, "stat")); isZombie(stat) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		out = append(out, pid+" "+strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return out
}

// isZombie reports whether /proc/PID/stat says the process has exited but is not reaped.
func isZombie(stat []byte) bool {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] == 'Z'
}
