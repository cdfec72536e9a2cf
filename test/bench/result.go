package bench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Result is everything one run measured; it is written as JSON.
type Result struct {
	Started time.Time `json:"started"`
	N       int       `json:"n"`
	Machine Machine   `json:"machine"`
	Git     string    `json:"git"`
	// Settings are the run's settings, as given.
	Settings Settings `json:"settings"`

	Controller *ControllerResult `json:"controller,omitempty"`
	Baseline   *BaselineSummary  `json:"baseline,omitempty"`
	// Ratio is the controller's time to all provisioned over the baseline's time to all
	// active (target: at most 1.05 at N=1000).
	Ratio float64 `json:"ratio_controller_to_baseline,omitempty"`
	// Files are the files written, relative to the repository.
	Files []string `json:"files"`
}

// Settings are the parts of Config that shape the figures.
type Settings struct {
	FakeDelay           string   `json:"fake_delay"`
	PowerSyncInterval   int      `json:"ironic_power_sync_interval_s"`
	IdleSeconds         float64  `json:"idle_window_s"`
	ControllerArgs      []string `json:"controller_args"`
	SharedSecret        bool     `json:"shared_secret"`
	ClientWorkers       int      `json:"harness_client_workers"`
	BaselineConcurrency int      `json:"baseline_concurrency"`
	BaselinePollSeconds float64  `json:"baseline_poll_s"`
}

// Machine describes where the run ran. The cores may be shared: the load averages say how
// busy the machine was.
type Machine struct {
	CPUs        int     `json:"cpus"`
	CPUModel    string  `json:"cpu_model"`
	MemoryMiB   int64   `json:"memory_mib"`
	Kernel      string  `json:"kernel"`
	GoVersion   string  `json:"go"`
	LoadStart   string  `json:"loadavg_start"`
	LoadEnd     string  `json:"loadavg_end"`
	LoadAverage float64 `json:"-"`
}

// ControllerResult is the controller's side of a run.
type ControllerResult struct {
	// CreateSeconds is how long creating the N hosts took the harness.
	CreateSeconds float64 `json:"create_s"`
	// ToProvisionedSeconds is from the first create to the last host provisioned.
	ToProvisionedSeconds float64      `json:"to_all_provisioned_s"`
	ProvisionedPerHost   Distribution `json:"provisioned_per_host"`
	// ToGoneSeconds is from the first delete to the last host gone.
	ToGoneSeconds float64      `json:"to_all_deleted_s"`
	GonePerHost   Distribution `json:"deleted_per_host"`

	Ironic IronicFigures `json:"ironic"`
	API    APIFigures    `json:"api"`
	// Process is the controller's CPU and memory.
	Process ProcessFigures `json:"process"`
	// Latency holds the single-host spec changes among N idle hosts.
	Latency []LatencyProbe `json:"latency"`
	// Others is the CPU seconds of Ironic, kube-apiserver and etcd per phase.
	Others map[string]PhaseCPU `json:"others_cpu_s"`
	// Queue is the host workqueue as the controller's /metrics reports it (when it has
	// --metrics-bind-address).
	Queue *QueueFigures `json:"queue,omitempty"`
	// Errors are host errors seen on the way (status.errorMessage), by host.
	Errors  map[string]string `json:"errors,omitempty"`
	Samples []Sample          `json:"samples"`
}

// IronicFigures are the controller's Ironic requests.
type IronicFigures struct {
	// ToProvisioned counts from the first create until the hosts are quiet.
	ToProvisioned Counts `json:"to_provisioned"`
	// Deprovision counts from the first delete to the last host gone.
	Deprovision Counts `json:"deprovision"`
	// PerHostLifecycle is (ToProvisioned + Deprovision) / N, by pattern and in total.
	PerHostLifecycle       map[string]float64 `json:"per_host_lifecycle"`
	PerHostLifecycleTotal  float64            `json:"per_host_lifecycle_total"`
	PerHostToProvisioned   float64            `json:"per_host_to_provisioned"`
	Idle                   Counts             `json:"idle"`
	IdlePerMinute          float64            `json:"idle_per_minute"`
	IdlePerHostPerMinute   float64            `json:"idle_per_host_per_minute"`
	IdleWindowSeconds      float64            `json:"idle_window_s"`
	NodeListsPerMinuteBusy float64            `json:"node_lists_per_minute_while_provisioning"`
	// Latency is how long Ironic took to answer, by pattern, until all were provisioned.
	Latency                 map[string]Latency `json:"latency_to_provisioned"`
	ErrorsAnswered          int                `json:"error_answers"`
	ErrorsAnsweredByPattern Counts             `json:"error_answers_by_pattern,omitempty"`
}

// APIFigures are the controller's requests to kube-apiserver, from the audit log.
type APIFigures struct {
	WritesToProvisioned   Counts             `json:"writes_to_provisioned"`
	WritesDeprovision     Counts             `json:"writes_deprovision"`
	PerHostLifecycle      map[string]float64 `json:"writes_per_host_lifecycle"`
	PerHostLifecycleTotal float64            `json:"writes_per_host_lifecycle_total"`
	WritesIdle            Counts             `json:"writes_idle"`
	// Reads counts the controller's non-write requests (lists, gets) over the whole run.
	Reads Counts `json:"reads_whole_run"`
}

// ProcessFigures are the controller's CPU seconds per phase and memory, from /proc.
type ProcessFigures struct {
	CPUToProvisioned float64 `json:"cpu_s_to_provisioned"`
	CPUIdle          float64 `json:"cpu_s_idle"`
	CPUDeprovision   float64 `json:"cpu_s_deprovision"`
	CPUTotal         float64 `json:"cpu_s_total"`
	CPUPer1000Hosts  float64 `json:"cpu_s_per_1000_hosts"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
	// PeakRSSPer1000Hosts scales the peak linearly to 1,000 hosts (only meaningful near
	// N=1000: the fixed part of the footprint dominates at small N).
	PeakRSSPer1000Hosts float64   `json:"peak_rss_mib_per_1000_hosts"`
	IdleRSSMiB          float64   `json:"rss_mib_idle"`
	RSSMiB              []float64 `json:"rss_mib_samples"`
}

// PhaseCPU is CPU seconds per phase of one process.
type PhaseCPU struct {
	ToProvisioned float64 `json:"to_provisioned"`
	Idle          float64 `json:"idle"`
	Deprovision   float64 `json:"deprovision"`
}

// LatencyProbe is one spec change (online=false) on one idle host.
type LatencyProbe struct {
	Host string `json:"host"`
	// ToIronicSeconds is until the proxy saw the node's power PUT; ToStatusSeconds until the
	// host's status said poweredOn=false.
	ToIronicSeconds float64 `json:"to_ironic_power_request_s"`
	ToStatusSeconds float64 `json:"to_status_powered_off_s"`
}

// BaselineSummary is the baseline's side of a run.
type BaselineSummary struct {
	ToActiveSeconds float64            `json:"to_all_active_s"`
	ActivePerNode   Distribution       `json:"active_per_node"`
	ToGoneSeconds   float64            `json:"to_all_deleted_s"`
	GonePerNode     Distribution       `json:"deleted_per_node"`
	Requests        Counts             `json:"requests"`
	PerNode         map[string]float64 `json:"requests_per_node"`
	PerNodeTotal    float64            `json:"requests_per_node_total"`
	PerNodeToActive float64            `json:"requests_per_node_to_active"`
	Latency         map[string]Latency `json:"latency_to_active"`
	Failures        []string           `json:"failures,omitempty"`
	IronicCPU       float64            `json:"ironic_cpu_s"`
	Samples         []Sample           `json:"samples"`
}

// ReadMachine describes this machine from /proc.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				m.MemoryMiB = parseKB(v) >> 20
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	m.LoadStart = loadAverage()
	return m
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// gitDescribe names the checkout: the commit, and "+dirty" with uncommitted changes.
func gitDescribe(repo string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		s += "+dirty"
	}
	return s
}

// PrintTable writes the short summary table.
func (r *Result) PrintTable(w io.Writer) {
	fmt.Fprintf(w, "\nmetalkube bench: N=%d, fake delay %ss, %d CPUs (%s), load %s -> %s, git %s\n",
		r.N, r.Settings.FakeDelay, r.Machine.CPUs, r.Machine.CPUModel, r.Machine.LoadStart, r.Machine.LoadEnd, r.Git)
	fmt.Fprintf(w, "controller flags: %s\n\n", strings.Join(r.Settings.ControllerArgs, " "))
	fmt.Fprintf(w, "%-44s %18s  %s\n", "", "controller", "baseline (Ironic directly)")
	c, b := r.Controller, r.Baseline
	row := func(name string, cv, bv string) { fmt.Fprintf(w, "%-44s %18s  %s\n", name, cv, bv) }
	na := "-"
	cs := func(f func(*ControllerResult) string) string {
		if c == nil {
			return na
		}
		return f(c)
	}
	bs := func(f func(*BaselineSummary) string) string {
		if b == nil {
			return na
		}
		return f(b)
	}
	row("all provisioned / active (s)", cs(func(c *ControllerResult) string { return f1(c.ToProvisionedSeconds) }),
		bs(func(b *BaselineSummary) string { return f1(b.ToActiveSeconds) }))
	if r.Ratio > 0 {
		row("  ratio controller/baseline", fmt.Sprintf("%.2f", r.Ratio), "")
	}
	row("  per host p50 / p99 (s)", cs(func(c *ControllerResult) string {
		return f1(c.ProvisionedPerHost.P50) + " / " + f1(c.ProvisionedPerHost.P99)
	}), bs(func(b *BaselineSummary) string { return f1(b.ActivePerNode.P50) + " / " + f1(b.ActivePerNode.P99) }))
	row("all deprovisioned + deleted (s)", cs(func(c *ControllerResult) string { return f1(c.ToGoneSeconds) }),
		bs(func(b *BaselineSummary) string { return f1(b.ToGoneSeconds) }))
	row("Ironic requests / host lifecycle", cs(func(c *ControllerResult) string { return f1(c.Ironic.PerHostLifecycleTotal) }),
		bs(func(b *BaselineSummary) string { return f1(b.PerNodeTotal) }))
	row("  of which to provisioned", cs(func(c *ControllerResult) string { return f1(c.Ironic.PerHostToProvisioned) }),
		bs(func(b *BaselineSummary) string { return f1(b.PerNodeToActive) }))
	row("Ironic requests / min, idle", cs(func(c *ControllerResult) string {
		return fmt.Sprintf("%.1f (%.3f/host)", c.Ironic.IdlePerMinute, c.Ironic.IdlePerHostPerMinute)
	}), na)
	row("API writes / host lifecycle", cs(func(c *ControllerResult) string { return f1(c.API.PerHostLifecycleTotal) }), na)
	row("API writes while idle", cs(func(c *ControllerResult) string { return fmt.Sprint(c.API.WritesIdle.Total()) }), na)
	row("controller CPU s (per 1000 hosts)", cs(func(c *ControllerResult) string {
		return fmt.Sprintf("%.1f (%.1f)", c.Process.CPUTotal, c.Process.CPUPer1000Hosts)
	}), na)
	row("controller peak RSS MiB", cs(func(c *ControllerResult) string { return f1(c.Process.PeakRSSMiB) }), na)
	if c != nil && c.Queue != nil {
		row("host queue: max depth, mean wait (s)", fmt.Sprintf("%.0f, %.2f", c.Queue.MaxDepth, c.Queue.MeanWaitSeconds), na)
	}
	row("Ironic CPU s", cs(func(c *ControllerResult) string {
		o := c.Others["ironic"]
		return f1(o.ToProvisioned + o.Idle + o.Deprovision)
	}), bs(func(b *BaselineSummary) string { return f1(b.IronicCPU) }))
	row("spec change -> Ironic power PUT (s)", cs(func(c *ControllerResult) string {
		return latencies(c.Latency, func(p LatencyProbe) float64 { return p.ToIronicSeconds })
	}), na)
	row("spec change -> status poweredOn=false (s)", cs(func(c *ControllerResult) string {
		return latencies(c.Latency, func(p LatencyProbe) float64 { return p.ToStatusSeconds })
	}), na)
	for _, f := range r.Files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

func latencies(ps []LatencyProbe, f func(LatencyProbe) float64) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%.2f", f(p))
	}
	return strings.Join(parts, " ")
}
