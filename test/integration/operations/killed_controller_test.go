package operations

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// killedController runs the controller binary and restarts it each time the test kills it.
type killedController struct {
	t       *testing.T
	ironic  string
	logDir  string
	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	started int
}

func startController(t *testing.T, ironicURL string) *killedController {
	t.Helper()
	c := &killedController{t: t, ironic: ironicURL, logDir: t.TempDir()}
	c.start()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			data, _ := os.ReadFile(c.logPath(c.started))
			t.Logf("controller log (life %d, tail):\n%s", c.started, tail(string(data), 6000))
		}
	})
	return c
}

func (c *killedController) logPath(life int) string {
	return filepath.Join(c.logDir, fmt.Sprintf("controller-%03d.log", life))
}

func (c *killedController) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started++
	logFile, err := os.Create(c.logPath(c.started))
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(controller, "--kubeconfig="+env.Kubeconfig, "--ironic-endpoint="+c.ironic,
		"--enable-machine-actuator=false", "--v=2")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	c.cmd, c.done = cmd, done
}

// kill sends SIGKILL to the controller and waits until it is gone.
func (c *killedController) kill() {
	c.mu.Lock()
	cmd, done := c.cmd, c.done
	c.mu.Unlock()
	select {
	case <-done:
		return
	default:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// running reports whether the current controller process is alive (it exits by itself only
// on a fatal error, which the test reports).
func (c *killedController) running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// chaos kills and restarts the controller at random intervals until stop is closed, and
// counts the kills.
type chaos struct {
	c             *killedController
	rng           *rand.Rand
	min, max      time.Duration
	mu            sync.Mutex
	kills, exited int
	paused        bool
}

func (x *chaos) run(stop <-chan struct{}) {
	for {
		wait := x.min + time.Duration(x.rng.Int63n(int64(x.max-x.min)))
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
		x.mu.Lock()
		paused := x.paused
		x.mu.Unlock()
		if paused {
			continue
		}
		if !x.c.running() {
			x.mu.Lock()
			x.exited++ // it died by itself: restart it, and let the test say so
			x.mu.Unlock()
		} else {
			x.c.kill()
		}
		x.mu.Lock()
		x.kills++
		x.mu.Unlock()
		x.c.start()
	}
}

func (x *chaos) pause(p bool) {
	x.mu.Lock()
	x.paused = p
	x.mu.Unlock()
}

func (x *chaos) count() (kills, exited int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.kills, x.exited
}
