// Package demo runs `make demo`'s program (test/cmd/demo) as a user would and checks what it
// promises: in exit-when-provisioned mode it exits 0 once every sample host is provisioned and
// prints the final table; interrupted with Ctrl-C (SIGINT) it stops everything; and either way
// no process it started is left behind and its temporary directory is gone.
package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/metalkube/metalkube/test/envtest"
)

// markerEnv is the variable the demo passes to every process it starts (test/cmd/demo).
const markerEnv = "METALKUBE_DEMO_ID"

var demoBin, controllerBin string

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	repo, err := envtest.RepoRoot()
	if err != nil {
		return 1, err
	}
	dir, err := os.MkdirTemp("", "metalkube-demo-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	demoBin, controllerBin = filepath.Join(dir, "demo"), filepath.Join(dir, "baremetal-controller")
	for pkg, out := range map[string]string{"./test/cmd/demo": demoBin, "./cmd/baremetal-controller": controllerBin} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Dir = repo
		if out, err := build.CombinedOutput(); err != nil {
			return 1, fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return m.Run(), nil
}

// demo is a running demo process.
type demo struct {
	cmd    *exec.Cmd
	marker string
	out    *syncBuffer
	done   chan struct{}
	err    error
}

// startDemo runs the demo in its own process group with a marker of its own, so the test can
// find every process it started.
func startDemo(t *testing.T, args ...string) *demo {
	t.Helper()
	d := &demo{marker: fmt.Sprintf("test-%d-%d", os.Getpid(), time.Now().UnixNano()), out: &syncBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(demoBin, append([]string{"-controller", controllerBin}, args...)...)
	d.cmd.Env = append(os.Environ(), markerEnv+"="+d.marker)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
		if t.Failed() {
			t.Logf("demo output:\n%s", d.out.String())
		}
		for _, p := range processesWith(d.marker) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	})
	return d
}

// wait waits for the demo to exit and returns its exit status.
func (d *demo) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(timeout):
		t.Fatalf("the demo did not exit within %s", timeout)
	}
	if d.err == nil {
		return 0
	}
	if ee, ok := d.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatal(d.err)
	return -1
}

// checkNothingLeft fails if a process carrying the marker, or a process of the demo's process
// group, is still running, or if the working directory still exists.
func (d *demo) checkNothingLeft(t *testing.T) {
	t.Helper()
	if left := processesWith(d.marker); len(left) > 0 {
		t.Errorf("processes the demo started are still running: %v", left)
	}
	if err := syscall.Kill(-d.cmd.Process.Pid, 0); err == nil {
		t.Errorf("the demo's process group %d still has processes", d.cmd.Process.Pid)
	}
	dir := d.workDir()
	if dir == "" {
		t.Error("the demo did not say which working directory it used")
	} else if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the demo's working directory %s is still there (%v)", dir, err)
	}
}

// workDir is the directory the demo reported ("==> working directory X").
func (d *demo) workDir() string {
	sc := bufio.NewScanner(strings.NewReader(d.out.String()))
	for sc.Scan() {
		if dir, ok := strings.CutPrefix(sc.Text(), "==> working directory "); ok {
			return dir
		}
	}
	return ""
}

func TestTheDemoProvisionsEveryHostThenExitsCleanly(t *testing.T) {
	start := time.Now()
	d := startDemo(t, "-exit-when-provisioned", "-timeout=8m")
	if code := d.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("the demo exited with status %d", code)
	}
	t.Logf("the demo took %s", time.Since(start).Round(time.Second))
	out := d.out.String()
	_, final, ok := strings.Cut(out, "$ kubectl get bmh -o wide\n")
	if !ok {
		t.Fatal("the demo printed no final host table")
	}
	final, _, _ = strings.Cut(final, "\n\n")
	rows := strings.Split(strings.TrimSpace(final), "\n")
	if len(rows) < 2 || !strings.HasPrefix(rows[0], "NAME") {
		t.Fatalf("the final table is not kubectl's:\n%s", final)
	}
	want := map[string]bool{"demo-fake-0": true, "demo-redfish-0": true, "demo-redfish-virtualmedia-0": true, "demo-ipmi-0": true, "demo-worker-0": true}
	for _, row := range rows[1:] {
		f := strings.Fields(row)
		// -o wide puts metal3's STATUS column before STATE.
		if len(f) < 3 || f[2] != "provisioned" {
			t.Errorf("host not provisioned in the final table: %q", row)
		}
		if len(f) > 0 {
			delete(want, f[0])
		}
	}
	for name := range want {
		t.Errorf("the final table has no row for %s", name)
	}
	if !strings.Contains(out, "demo-worker   Provisioned") && !strings.Contains(out, "demo-worker   Running") {
		t.Errorf("the Machine demo-worker is not in the final kubectl get machines")
	}
	for _, s := range []string{"demo duration: ", "export KUBECONFIG=", "Stopped everything; no process left behind."} {
		if !strings.Contains(out, s) {
			t.Errorf("the output lacks %q", s)
		}
	}
	d.checkNothingLeft(t)
}

func TestCtrlCStopsEverythingTheDemoStarted(t *testing.T) {
	d := startDemo(t)
	// Wait until everything runs and the hosts are on their way.
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(d.out.String(), " registering ") {
		select {
		case <-d.done:
			t.Fatalf("the demo exited before its hosts registered")
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no host started registering within 5 minutes")
		}
	}
	if n := len(processesWith(d.marker)); n < 5 {
		t.Errorf("expected etcd, kube-apiserver, Ironic, ipmi_sim and the controller to run, found %d processes: %v", n, processesWith(d.marker))
	}
	if err := syscall.Kill(d.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := d.wait(t, 2*time.Minute); code != 0 {
		t.Errorf("after Ctrl-C the demo exited with status %d, want 0", code)
	}
	if !strings.Contains(d.out.String(), "Stopped everything; no process left behind.") {
		t.Error("the demo did not report a clean stop")
	}
	d.checkNothingLeft(t)
}

type process struct {
	pid     int
	cmdline string
}

func (p process) String() string { return fmt.Sprintf("%d %s", p.pid, p.cmdline) }

// processesWith lists running (not zombie) processes whose environment has the marker.
func processesWith(marker string) []process {
	want := "\x00" + markerEnv + "=" + marker + "\x00"
	entries, _ := os.ReadDir("/proc")
	var out []process
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !strings.Contains("\x00"+string(env), want) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, process{pid, strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))})
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
