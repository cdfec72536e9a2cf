package operations

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// replica is one running controller process.
type replica struct {
	name    string
	metrics string // http://127.0.0.1:port
	log     string
	cmd     *exec.Cmd
	done    chan struct{}
}

// Lease timings short enough for a test, long enough for 2 loaded cores.
const (
	leaseDuration = 6 * time.Second
	renewDeadline = 4 * time.Second
	retryPeriod   = time.Second
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startReplica runs the controller binary with leader election against the test's API server
// and the given Ironic URL.
func startReplica(t *testing.T, name, ironicURL string) *replica {
	t.Helper()
	port := freePort(t)
	r := &replica{name: name, metrics: fmt.Sprintf("http://127.0.0.1:%d", port), log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logFile, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(controller,
		"--kubeconfig="+env.Kubeconfig, "--ironic-endpoint="+ironicURL,
		"--leader-elect=true", "--leader-election-namespace=default", "--leader-election-id=operations-test",
		"--leader-election-lease-duration="+leaseDuration.String(), "--leader-election-renew-deadline="+renewDeadline.String(),
		"--leader-election-retry-period="+retryPeriod.String(),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port), "--node-poll-interval=2s",
		"--enable-machine-actuator=false", "--v=2")
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); logFile.Close(); close(r.done) }()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			data, _ := os.ReadFile(r.log)
			t.Logf("%s log (tail):\n%s", name, tail(string(data), 4000))
		}
	})
	return r
}

func (r *replica) kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
}

// leads reports whether the replica's log says it became leader.
func (r *replica) leads() bool {
	data, _ := os.ReadFile(r.log)
	return bytes.Contains(data, []byte("Became leader"))
}

// scrape returns the replica's metrics as "name{labels} value" lines.
func (r *replica) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get(r.metrics + "/metrics")
	if err != nil {
		t.Fatalf("%s /metrics: %v", r.name, err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		i := strings.LastIndex(line, " ")
		var v float64
		fmt.Sscan(line[i+1:], &v)
		out[line[:i]] = v
	}
	return out
}

// sum adds the series whose name and labels contain every part.
func sum(m map[string]float64, parts ...string) float64 {
	total := 0.0
next:
	for k, v := range m {
		for _, p := range parts {
			if !strings.Contains(k, p) {
				continue next
			}
		}
		total += v
	}
	return total
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func createHosts(t *testing.T, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	format := "qcow2"
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		if _, err := env.Kube.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-bmc"},
			StringData: map[string]string{"username": "admin", "password": "pw"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		h := &metal3.BareMetalHost{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: metal3.BareMetalHostSpec{
			Online: true, BootMACAddress: fmt.Sprintf("52:54:00:%02x:00:%02x", len(prefix), i),
			BMC: metal3.BMCDetails{Address: "fake://" + name, CredentialsName: name + "-bmc"},
			Image: &metal3.Image{URL: "http://images.example.test/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e",
				ChecksumType: metal3.ChecksumMD5, DiskFormat: &format},
		}}
		if _, err := env.Metal3.Metal3V1alpha1().BareMetalHosts("default").Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// provisioned counts hosts with the prefix in state provisioned.
func provisioned(t *testing.T, prefix string) int {
	t.Helper()
	list, err := env.Metal3.Metal3V1alpha1().BareMetalHosts("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range list.Items {
		if strings.HasPrefix(h.Name, prefix+"-") && h.Status.Provisioning.State == metal3.StateProvisioned {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
