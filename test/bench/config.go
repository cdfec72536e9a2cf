package bench

import (
	"time"
)

// Config configures one run.
type Config struct {
	// N is the number of hosts (and of baseline nodes).
	N int
	// FakeDelay is Ironic's fake-hardware delay in seconds for power, boot, deploy and inspect
	// ("0", "2", or a range "1,3"), to mimic real hardware timings.
	FakeDelay string
	// PowerSyncInterval is Ironic's power-state sync period in seconds; large keeps Ironic's
	// own periodic work out of the figures.
	PowerSyncInterval int
	// Idle is the window in which requests of N idle provisioned hosts are counted.
	Idle time.Duration

	// HostWorkers, KubeQPS and KubeBurst are the controller's --host-workers,
	// --kube-api-qps and --kube-api-burst.
	HostWorkers int
	KubeQPS     float64
	KubeBurst   int
	// ControllerArgs are more controller flags, appended last.
	ControllerArgs []string
	// ControllerEnv are "KEY=VALUE" entries set in the controller's environment, e.g.
	// GODEBUG=gctrace=1 to see its heap at each collection in its log.
	ControllerEnv []string
	// ControllerBin is a controller binary to use instead of building one.
	ControllerBin string

	// Namespace holds the hosts; the controller watches only it.
	Namespace string
	// SharedSecret gives every host the same credentials Secret instead of one each.
	SharedSecret bool
	// ClientWorkers is how many creates or deletes the harness sends at once.
	ClientWorkers int
	// LatencyProbes is how many single-host spec changes are timed.
	LatencyProbes int
	// SampleInterval is the period of the plot's samples.
	SampleInterval time.Duration

	// BaselineConcurrency and BaselinePoll tune the direct Ironic driver.
	BaselineConcurrency int
	BaselinePoll        time.Duration
	// SkipBaseline and SkipController leave one side out.
	SkipBaseline, SkipController bool

	// ProfileDir, when set, runs the controller inside the harness instead of as a process,
	// and writes there a CPU profile of the provisioning phase (cpu-provision.pprof), one of
	// the deprovisioning phase (cpu-deprovision.pprof) and the live heap at idle
	// (heap-idle.pprof). ControllerArgs do not apply; InProcessMaxConcurrent is its
	// --max-concurrent-provisioning.
	ProfileDir             string
	InProcessMaxConcurrent int

	// ResultsDir receives the JSON and PNG files.
	ResultsDir string
	// WorkDir holds logs and data; empty means a temporary directory, removed after a
	// successful run unless Keep.
	WorkDir string
	Keep    bool

	// Logf reports progress.
	Logf func(format string, args ...any)
}

// defaults fills in zero values.
func (c *Config) defaults() {
	if c.N <= 0 {
		c.N = 100
	}
	if c.FakeDelay == "" {
		c.FakeDelay = "0"
	}
	if c.PowerSyncInterval == 0 {
		c.PowerSyncInterval = 600
	}
	if c.Idle == 0 {
		c.Idle = time.Minute
	}
	if c.HostWorkers == 0 {
		c.HostWorkers = 16
	}
	if c.KubeQPS == 0 {
		c.KubeQPS = 200
	}
	if c.KubeBurst == 0 {
		c.KubeBurst = 400
	}
	if c.Namespace == "" {
		c.Namespace = "bench"
	}
	if c.ClientWorkers == 0 {
		c.ClientWorkers = 50
	}
	if c.LatencyProbes == 0 {
		c.LatencyProbes = 3
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = 500 * time.Millisecond
	}
	if c.BaselineConcurrency == 0 {
		c.BaselineConcurrency = 20
	}
	if c.BaselinePoll == 0 {
		c.BaselinePoll = 500 * time.Millisecond
	}
	if c.ResultsDir == "" {
		c.ResultsDir = "test/benchresults"
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}
