package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
	"github.com/metalkube/metalkube/test/envtest"
	"github.com/metalkube/metalkube/test/ironictest"
)

// ControllerUserAgent is the user agent the controller's API requests carry.
const ControllerUserAgent = "baremetal-controller"

// harnessUserAgent marks the harness's own API requests.
const harnessUserAgent = "metalkube-bench"

// Run runs the baseline and the controller measurement and writes the results.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	logf := cfg.Logf
	repo, err := envtest.RepoRoot()
	if err != nil {
		return nil, err
	}
	res := &Result{Started: time.Now(), N: cfg.N, Machine: ReadMachine(), Git: gitDescribe(repo),
		Settings: Settings{FakeDelay: cfg.FakeDelay, PowerSyncInterval: cfg.PowerSyncInterval, IdleSeconds: cfg.Idle.Seconds(),
			SharedSecret: cfg.SharedSecret, ClientWorkers: cfg.ClientWorkers, BaselineConcurrency: cfg.BaselineConcurrency,
			BaselinePollSeconds: cfg.BaselinePoll.Seconds()}}

	work := cfg.WorkDir
	if work == "" {
		if work, err = os.MkdirTemp("", "metalkube-bench-"); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if ok && !cfg.Keep && cfg.WorkDir == "" {
			_ = os.RemoveAll(work)
		} else {
			logf("logs and data kept in %s", work)
		}
	}()
	logf("working directory %s", work)

	var baseline *BaselineResult
	if !cfg.SkipBaseline {
		if baseline, res.Baseline, err = runBaseline(ctx, cfg, filepath.Join(work, "baseline")); err != nil {
			return res, err
		}
	}
	if !cfg.SkipController {
		if res.Controller, err = runController(ctx, cfg, repo, work, &res.Settings); err != nil {
			return res, err
		}
	}
	if res.Controller != nil && res.Baseline != nil && res.Baseline.ToActiveSeconds > 0 {
		res.Ratio = round(res.Controller.ToProvisionedSeconds/res.Baseline.ToActiveSeconds, 3)
	}
	res.Machine.LoadEnd = loadAverage()

	if err := writeResults(cfg, repo, res, baseline); err != nil {
		return res, err
	}
	ok = true
	return res, nil
}

// writeResults writes <timestamp>-N<N>.json and the plots into the results directory.
func writeResults(cfg Config, repo string, res *Result, baseline *BaselineResult) error {
	dir := cfg.ResultsDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repo, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stem := fmt.Sprintf("%s-N%d", res.Started.Format("20060102-150405"), res.N)
	rel := func(p string) string {
		if r, err := filepath.Rel(repo, p); err == nil {
			return r
		}
		return p
	}
	if c := res.Controller; c != nil {
		p := &Plot{Title: fmt.Sprintf("baremetal-controller, N=%d: hosts per state (fake delay %ss)", res.N, cfg.FakeDelay),
			States: HostStates, Samples: c.Samples, XName: "seconds since the hosts were created",
			Markers: []Marker{{c.ToProvisionedSeconds, "all provisioned"}}}
		if del := deleteStart(c.Samples); del > 0 {
			p.Markers = append(p.Markers, Marker{del, "delete all"})
		}
		path := filepath.Join(dir, stem+".png")
		if err := p.WritePNG(path); err != nil {
			return err
		}
		res.Files = append(res.Files, rel(path))
	}
	if b := res.Baseline; b != nil && baseline != nil {
		p := &Plot{Title: fmt.Sprintf("baseline, Ironic directly, N=%d: nodes per provision state", res.N),
			States:  []string{"deleted", "active", "deleting", "cleaning", "deploying", "wait call-back", "available", "manageable", "inspecting", "verifying", "enroll"},
			Samples: b.Samples, XName: "seconds since the nodes were created", YName: "nodes",
			Markers: []Marker{{b.ToActiveSeconds, "all active"}, {baseline.UndeployStart.Sub(baseline.Start).Seconds(), "undeploy all"}}}
		path := filepath.Join(dir, stem+"-baseline.png")
		if err := p.WritePNG(path); err != nil {
			return err
		}
		res.Files = append(res.Files, rel(path))
	}
	path := filepath.Join(dir, stem+".json")
	res.Files = append([]string{rel(path)}, res.Files...)
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// deleteStart is the first sample time with a host deleted, deprovisioning or deleting.
func deleteStart(samples []Sample) float64 {
	for _, s := range samples {
		if s.Counts["deleted"]+s.Counts["deprovisioning"]+s.Counts["deleting"]+s.Counts["powering off before delete"] > 0 {
			return s.T
		}
	}
	return 0
}

// runBaseline drives the lifecycle directly against a fresh Ironic.
func runBaseline(ctx context.Context, cfg Config, dir string) (*BaselineResult, *BaselineSummary, error) {
	logf := cfg.Logf
	logf("baseline: starting a fresh Ironic (fake delay %ss)", cfg.FakeDelay)
	ir, err := ironictest.Start(ironictest.Options{Dir: dir, FakeDelay: cfg.FakeDelay, PowerSyncInterval: cfg.PowerSyncInterval})
	if err != nil {
		return nil, nil, err
	}
	defer ir.Stop()
	proxy, err := StartProxy(ir.URL)
	if err != nil {
		return nil, nil, err
	}
	defer proxy.Close()
	ironicPID := FindPID("--config-file", filepath.Join(dir, "ironic.conf"))
	cpu0 := CPUOf(ironicPID)
	logf("baseline: driving %d nodes through Ironic at %s (concurrency %d, poll %s)", cfg.N, ir.URL, cfg.BaselineConcurrency, cfg.BaselinePoll)
	b, err := RunBaseline(ctx, BaselineOptions{Endpoint: proxy.URL, N: cfg.N, Concurrency: cfg.BaselineConcurrency, Poll: cfg.BaselinePoll, Logf: logf})
	if err != nil {
		return nil, nil, err
	}
	if err := proxy.WriteLog(filepath.Join(dir, "ironic-requests.tsv"), b.Start); err != nil {
		return nil, nil, err
	}
	reqs := CountRequests(proxy.Requests(b.Start, time.Time{}))
	toActive := CountRequests(proxy.Requests(b.Start, b.AllActive.Add(time.Millisecond)))
	s := &BaselineSummary{
		ToActiveSeconds: seconds(b.AllActive.Sub(b.Start)), ActivePerNode: Distribute(b.ToActive),
		ToGoneSeconds: seconds(b.AllGone.Sub(b.UndeployStart)), GonePerNode: Distribute(b.ToGone),
		Requests: reqs, PerNode: reqs.PerHost(cfg.N), PerNodeTotal: round(float64(reqs.Total())/float64(cfg.N), 2),
		PerNodeToActive: round(float64(toActive.Total())/float64(cfg.N), 2),
		Latency:         LatencyByPattern(proxy.Requests(b.Start, b.AllActive.Add(time.Millisecond))),
		Failures:        b.Failures, Samples: b.Samples,
	}
	if cpu0 >= 0 {
		s.IronicCPU = round(CPUOf(ironicPID)-cpu0, 2)
	}
	return b, s, nil
}

// stack is the controller run's processes.
type stack struct {
	// inProcessStop stops a controller run inside the harness (Config.ProfileDir).
	inProcessStop func()
	env           *envtest.Environment
	ironic        *ironictest.Ironic
	proxy         *Proxy
	controller    *envtest.Process
	client        versioned.Interface
	auditLog      string
	pids          map[string]int
}

func (s *stack) stop() {
	s.stopController()
	if s.proxy != nil {
		_ = s.proxy.Close()
	}
	s.ironic.Stop()
	s.env.Stop()
}

// stopController stops the controller, whichever way it runs.
func (s *stack) stopController() {
	if s.controller != nil {
		s.controller.Stop(10 * time.Second)
	}
	if s.inProcessStop != nil {
		s.inProcessStop()
		s.inProcessStop = nil
	}
}

// runController measures the controller. The phases: create N hosts → all provisioned →
// quiet → idle window → latency probes → delete all → all gone.
func runController(ctx context.Context, cfg Config, repo, work string, settings *Settings) (*ControllerResult, error) {
	logf := cfg.Logf
	bin := cfg.ControllerBin
	var prof *profiler
	if cfg.ProfileDir != "" {
		prof = &profiler{dir: cfg.ProfileDir}
	} else if bin == "" {
		logf("building baremetal-controller")
		var err error
		if bin, err = BuildController(ctx, repo, work); err != nil {
			return nil, err
		}
	}
	help := ControllerHelp{Flags: map[string]bool{}}
	if prof == nil {
		help = ReadControllerHelp(bin)
	}

	s := &stack{pids: map[string]int{}}
	defer s.stop()
	policy := filepath.Join(work, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(AuditPolicy), 0o644); err != nil {
		return nil, err
	}
	s.auditLog = filepath.Join(work, "audit.log")
	kubeDir, ironicDir := filepath.Join(work, "kube"), filepath.Join(work, "ironic")
	logf("starting etcd + kube-apiserver (with an audit log) and a fresh Ironic")
	ironicDone := make(chan error, 1)
	go func() {
		var err error
		s.ironic, err = ironictest.Start(ironictest.Options{Dir: ironicDir, FakeDelay: cfg.FakeDelay, PowerSyncInterval: cfg.PowerSyncInterval})
		ironicDone <- err
	}()
	var envErr error
	s.env, envErr = envtest.Start(envtest.Options{Dir: kubeDir, APIServerArgs: AuditArgs(policy, s.auditLog)})
	if err := <-ironicDone; err != nil {
		return nil, fmt.Errorf("starting Ironic: %w", err)
	}
	if envErr != nil {
		return nil, fmt.Errorf("starting kube-apiserver: %w", envErr)
	}
	s.pids["ironic"] = FindPID("--config-file", filepath.Join(ironicDir, "ironic.conf"))
	s.pids["kube-apiserver"] = FindPID("kube-apiserver", "--cert-dir="+filepath.Join(kubeDir, "pki"))
	s.pids["etcd"] = FindPID("--data-dir=" + filepath.Join(kubeDir, "etcd"))

	var err error
	if s.proxy, err = StartProxy(s.ironic.URL); err != nil {
		return nil, err
	}
	restCfg := rest.CopyConfig(s.env.Config)
	restCfg.QPS, restCfg.Burst, restCfg.UserAgent = 5000, 10000, harnessUserAgent
	if s.client, err = versioned.NewForConfig(restCfg); err != nil {
		return nil, err
	}
	kube := s.env.Kube
	if err := CreateNamespace(ctx, kube, cfg.Namespace); err != nil {
		return nil, err
	}
	logf("creating %d credentials Secrets", map[bool]int{true: 1, false: cfg.N}[cfg.SharedSecret])
	if err := CreateSecrets(ctx, kube, cfg.Namespace, cfg.N, cfg.SharedSecret, cfg.ClientWorkers); err != nil {
		return nil, err
	}

	args := []string{"--kubeconfig", s.env.Kubeconfig, "--ironic-endpoint", s.proxy.URL, "--namespace", cfg.Namespace,
		fmt.Sprintf("--host-workers=%d", cfg.HostWorkers), fmt.Sprintf("--kube-api-qps=%g", cfg.KubeQPS),
		fmt.Sprintf("--kube-api-burst=%d", cfg.KubeBurst)}
	metricsURL := ""
	if help.Flags["metrics-bind-address"] {
		port, err := envtest.FreePort()
		if err != nil {
			return nil, err
		}
		args = append(args, fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port))
		metricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	}
	if help.Flags["enable-machine-actuator"] {
		args = append(args, "--enable-machine-actuator=false") // no Machines here (and no Machine CRD)
	}
	args = append(args, cfg.ControllerArgs...)
	settings.ControllerArgs = append([]string{"--namespace=" + cfg.Namespace}, args[6:]...)
	var pid int
	if prof != nil {
		settings.ControllerArgs = []string{"(in-process, profiled)", fmt.Sprintf("--host-workers=%d", cfg.HostWorkers),
			fmt.Sprintf("--max-concurrent-provisioning=%d", cfg.InProcessMaxConcurrent)}
		logf("starting the controller in-process for profiles in %s; CPU and RSS figures are the harness's", cfg.ProfileDir)
		stopInProcess, err := startInProcess(ctx, s.env.Config, cfg, s.proxy.URL)
		if err != nil {
			return nil, err
		}
		s.inProcessStop = stopInProcess
		pid = os.Getpid()
	} else {
		logf("starting baremetal-controller %s", strings.Join(args, " "))
		if s.controller, err = StartController(bin, work, help, args, cfg.ControllerEnv); err != nil {
			return nil, err
		}
		pid = s.controller.Pid()
	}
	// The controller is running once its shared node poll has listed the nodes.
	if err := envtest.WaitFor(s.controller, 2*time.Minute, "the controller's first node list", func() bool {
		return !s.proxy.LastRequest(isNodeList).IsZero()
	}); err != nil {
		return nil, err
	}

	tracker, err := NewTracker(s.client, cfg.Namespace)
	if err != nil {
		return nil, err
	}
	trackCtx, stopTracking := context.WithCancel(ctx)
	defer stopTracking()
	if err := tracker.Start(trackCtx); err != nil {
		return nil, err
	}
	defer tracker.Stop()

	r := &ControllerResult{Others: map[string]PhaseCPU{}, Errors: map[string]string{}}
	names := HostNames(cfg.N)
	cpu := func() map[string]float64 {
		m := map[string]float64{"controller": CPUOf(pid)}
		for k, p := range s.pids {
			m[k] = CPUOf(p)
		}
		return m
	}
	var rssMu sync.Mutex
	var rssSamples, depthSamples []float64
	go func() {
		tick := time.NewTicker(cfg.SampleInterval)
		defer tick.Stop()
		for k := 0; ; k++ {
			if st, err := ReadProc(pid); err == nil {
				rssMu.Lock()
				rssSamples = append(rssSamples, round(float64(st.RSSBytes)/(1<<20), 1))
				rssMu.Unlock()
			}
			if metricsURL != "" && k%4 == 0 { // every 4th sample: scraping costs the controller CPU too
				if m, err := ScrapeMetrics(metricsURL); err == nil {
					rssMu.Lock()
					depthSamples = append(depthSamples, m["workqueue_depth"+hostQueue])
					rssMu.Unlock()
				}
			}
			select {
			case <-trackCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	// Phase 1: create every host; wait until all are provisioned.
	t0 := time.Now()
	go tracker.RunSampler(trackCtx, t0, cfg.SampleInterval)
	cpu0 := cpu()
	if err := prof.startCPU("cpu-provision.pprof"); err != nil {
		return nil, err
	}
	logf("creating %d hosts", cfg.N)
	if err := CreateHosts(ctx, s.client, tracker, cfg.Namespace, cfg.N, cfg.SharedSecret, cfg.ClientWorkers); err != nil {
		return nil, err
	}
	r.CreateSeconds = seconds(time.Since(t0))
	logf("created %d hosts in %.1f s; waiting for all to be provisioned", cfg.N, r.CreateSeconds)
	timeout := 15*time.Minute + 2*time.Second*time.Duration(cfg.N)
	if err := waitHosts(ctx, s, tracker, timeout, logf, func() int {
		return cfg.N - tracker.CountIn(metal3.StateProvisioned, names)
	}, r.Errors); err != nil {
		return nil, err
	}
	prof.stopCPU()
	provisioned, lastProvisioned := tracker.Durations(metal3.StateProvisioned, names)
	r.ToProvisionedSeconds = seconds(lastProvisioned.Sub(t0))
	r.ProvisionedPerHost = Distribute(provisioned)
	logf("all %d hosts provisioned after %.1f s (per host p50 %.1f s, p99 %.1f s)", cfg.N,
		r.ToProvisionedSeconds, r.ProvisionedPerHost.P50, r.ProvisionedPerHost.P99)

	// Phase 2: wait until the controller is quiet, then count an idle window. Quiet means: the
	// shared node poll has run since the last host was provisioned (its first run after a wave
	// of changes enqueues every changed host once, which belongs to the lifecycle, not to
	// idling), and no request other than a node list for 10 s since.
	const quietFor = 10 * time.Second
	quietStart := time.Now()
	for {
		list := s.proxy.LastRequest(isNodeList)
		last := s.proxy.LastRequest(func(r Request) bool { return !isNodeList(r) })
		if list.After(lastProvisioned) && time.Since(list) >= quietFor && time.Since(last) >= quietFor {
			break
		}
		if time.Since(quietStart) > 5*time.Minute {
			logf("warning: the controller was not quiet within 5 minutes of the last host provisioned")
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	idleStart := time.Now()
	cpuIdle0 := cpu()
	logf("idle: counting requests of %d provisioned hosts for %s", cfg.N, cfg.Idle)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(cfg.Idle):
	}
	idleEnd := time.Now()
	cpuIdle1 := cpu()
	if err := prof.heap("heap-idle.pprof"); err != nil {
		return nil, err
	}
	if st, err := ReadProc(pid); err == nil {
		r.Process.IdleRSSMiB = round(float64(st.RSSBytes)/(1<<20), 1)
	}

	// Phase 3: latency of a spec change on one host among N idle ones.
	for k := 0; k < cfg.LatencyProbes; k++ {
		i := (cfg.N * (2*k + 1)) / (2 * cfg.LatencyProbes)
		p, err := probeLatency(ctx, s, tracker, cfg.Namespace, HostName(i))
		if err != nil {
			return nil, err
		}
		logf("spec change on %s: Ironic power request after %.3f s, status after %.3f s", p.Host, p.ToIronicSeconds, p.ToStatusSeconds)
		r.Latency = append(r.Latency, p)
	}

	// Phase 4: delete every host; wait until all are gone.
	time.Sleep(2 * time.Second)
	t1 := time.Now()
	cpuDel0 := cpu()
	if err := prof.startCPU("cpu-deprovision.pprof"); err != nil {
		return nil, err
	}
	logf("deleting %d hosts", cfg.N)
	if err := DeleteHosts(ctx, s.client, tracker, cfg.Namespace, cfg.N, cfg.ClientWorkers); err != nil {
		return nil, err
	}
	if err := waitHosts(ctx, s, tracker, timeout, logf, func() int { return cfg.N - tracker.CountGone(names) }, r.Errors); err != nil {
		return nil, err
	}
	prof.stopCPU()
	gone, lastGone := tracker.GoneDurations(names)
	r.ToGoneSeconds = seconds(lastGone.Sub(t1))
	r.GonePerHost = Distribute(gone)
	logf("all %d hosts deprovisioned and deleted after %.1f s", cfg.N, r.ToGoneSeconds)
	time.Sleep(time.Second) // the last writes after the finalizer's removal (HardwareData, Events)
	tEnd := time.Now()
	cpuEnd := cpu()
	if st, err := ReadProc(pid); err == nil {
		r.Process.PeakRSSMiB = round(float64(st.PeakRSSBytes)/(1<<20), 1)
	}
	tracker.Sample()
	stopTracking()
	r.Samples = tracker.Samples()
	rssMu.Lock()
	r.Process.RSSMiB = rssSamples
	if metricsURL != "" {
		r.Queue = &QueueFigures{DepthSamples: depthSamples}
		for _, d := range depthSamples {
			r.Queue.MaxDepth = max(r.Queue.MaxDepth, d)
		}
	}
	rssMu.Unlock()
	if r.Queue != nil {
		if m, err := ScrapeMetrics(metricsURL); err == nil {
			queueFigures(m, r.Queue)
		}
	}

	// CPU per phase.
	for k := range cpu0 {
		pc := PhaseCPU{ToProvisioned: round(cpuIdle0[k]-cpu0[k], 2), Idle: round(cpuIdle1[k]-cpuIdle0[k], 2),
			Deprovision: round(cpuEnd[k]-cpuDel0[k], 2)}
		if k == "controller" {
			r.Process.CPUToProvisioned, r.Process.CPUIdle, r.Process.CPUDeprovision = pc.ToProvisioned, pc.Idle, pc.Deprovision
			r.Process.CPUTotal = round(cpuEnd[k]-cpu0[k], 2)
			r.Process.CPUPer1000Hosts = round(r.Process.CPUTotal*1000/float64(cfg.N), 1)
			continue
		}
		r.Others[k] = pc
	}
	r.Process.PeakRSSPer1000Hosts = round(r.Process.PeakRSSMiB*1000/float64(cfg.N), 1)

	// Ironic requests per phase.
	ir := &r.Ironic
	ir.ToProvisioned = CountRequests(s.proxy.Requests(t0, idleStart))
	ir.Latency = LatencyByPattern(s.proxy.Requests(t0, lastProvisioned))
	ir.Deprovision = CountRequests(s.proxy.Requests(t1, tEnd))
	lifecycle := ir.ToProvisioned.Add(ir.Deprovision)
	ir.PerHostLifecycle = lifecycle.PerHost(cfg.N)
	ir.PerHostLifecycleTotal = round(float64(lifecycle.Total())/float64(cfg.N), 2)
	ir.PerHostToProvisioned = round(float64(ir.ToProvisioned.Total())/float64(cfg.N), 2)
	ir.Idle = CountRequests(s.proxy.Requests(idleStart, idleEnd))
	ir.IdleWindowSeconds = seconds(idleEnd.Sub(idleStart))
	ir.IdlePerMinute = round(float64(ir.Idle.Total())/idleEnd.Sub(idleStart).Minutes(), 2)
	ir.IdlePerHostPerMinute = round(ir.IdlePerMinute/float64(cfg.N), 4)
	lists := 0
	for _, q := range s.proxy.Requests(t0, lastProvisioned) {
		if isNodeList(q) {
			lists++
		}
	}
	if d := lastProvisioned.Sub(t0).Minutes(); d > 0 {
		ir.NodeListsPerMinuteBusy = round(float64(lists)/d, 2)
	}
	ir.ErrorsAnsweredByPattern = Counts{}
	for _, q := range s.proxy.Requests(t0, tEnd) {
		if q.Status >= 400 {
			ir.ErrorsAnswered++
			ir.ErrorsAnsweredByPattern[fmt.Sprintf("%s -> %d", q.Pattern, q.Status)]++
		}
	}

	if err := s.proxy.WriteLog(filepath.Join(work, "ironic-requests.tsv"), t0); err != nil {
		return nil, err
	}

	// API requests from the audit log, once the controller has stopped.
	s.stopController()
	time.Sleep(500 * time.Millisecond)
	events, err := ReadAudit(s.auditLog, ControllerUserAgent)
	if err != nil {
		return nil, err
	}
	api := &r.API
	api.WritesToProvisioned = CountAudit(events, t0, idleStart, true)
	api.WritesDeprovision = CountAudit(events, t1, tEnd, true)
	writes := api.WritesToProvisioned.Add(api.WritesDeprovision)
	api.PerHostLifecycle = writes.PerHost(cfg.N)
	api.PerHostLifecycleTotal = round(float64(writes.Total())/float64(cfg.N), 2)
	api.WritesIdle = CountAudit(events, idleStart, idleEnd, true)
	api.Reads = Counts{}
	for k, v := range CountAudit(events, time.Time{}, time.Time{}, false) {
		if !strings.HasPrefix(k, "create ") && !strings.HasPrefix(k, "update ") && !strings.HasPrefix(k, "patch ") && !strings.HasPrefix(k, "delete") {
			api.Reads[k] = v
		}
	}
	if len(events) == 0 {
		logf("warning: the audit log has no request with user agent %q", ControllerUserAgent)
	}
	return r, nil
}

// waitHosts waits until remaining() is 0, reporting progress every 10 s and recording host
// errors, and fails early if the controller exits.
func waitHosts(ctx context.Context, s *stack, t *Tracker, timeout time.Duration, logf func(string, ...any), remaining func() int, errs map[string]string) error {
	deadline := time.Now().Add(timeout)
	lastReport := time.Now()
	for {
		left := remaining()
		if left == 0 {
			return nil
		}
		if s.controller != nil && s.controller.Exited() {
			return fmt.Errorf("the controller exited; last log lines:\n%s", s.controller.TailLog(3000))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d hosts not done after %s: %s", left, timeout, stateCounts(t))
		}
		for _, h := range t.Hosts() {
			if h.Status.ErrorMessage != "" {
				if _, seen := errs[h.Name]; !seen {
					errs[h.Name] = fmt.Sprintf("%s: %s", h.Status.ErrorType, h.Status.ErrorMessage)
					logf("host %s: %s", h.Name, errs[h.Name])
				}
			}
		}
		if time.Since(lastReport) >= 10*time.Second {
			logf("  %d to go: %s", left, stateCounts(t))
			lastReport = time.Now()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func stateCounts(t *Tracker) string {
	counts := map[string]int{}
	for _, h := range t.Hosts() {
		counts[stateName(h.Status.Provisioning.State)]++
	}
	var parts []string
	for _, k := range sortedNames(counts) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// probeLatency sets online=false on one provisioned, idle host and times the controller's
// power request to Ironic and the status saying the host is off.
func probeLatency(ctx context.Context, s *stack, t *Tracker, namespace, name string) (LatencyProbe, error) {
	p := LatencyProbe{Host: name}
	h := t.Host(namespace, name)
	if h == nil || h.Status.Provisioning.ID == "" {
		return p, fmt.Errorf("latency probe: host %s has no node", name)
	}
	id, nodeName := h.Status.Provisioning.ID, namespace+"~"+name
	ironicSeen, statusSeen := make(chan time.Time, 1), make(chan time.Time, 1)
	stopProxy := s.proxy.Watch(func(r Request) {
		if r.Method == "PUT" && strings.HasSuffix(r.Path, "/states/power") && (strings.Contains(r.Path, id) || strings.Contains(r.Path, nodeName)) {
			select {
			case ironicSeen <- time.Now():
			default:
			}
		}
	})
	defer stopProxy()
	stopWatch := t.Watch(func(h *metal3.BareMetalHost) {
		if h.Name == name && !h.Status.PoweredOn {
			select {
			case statusSeen <- time.Now():
			default:
			}
		}
	})
	defer stopWatch()
	start := time.Now()
	if err := SetOnline(ctx, s.client, namespace, name, false); err != nil {
		return p, err
	}
	timeout := time.After(2 * time.Minute)
	for got := 0; got < 2; got++ {
		select {
		case at := <-ironicSeen:
			p.ToIronicSeconds = seconds(at.Sub(start))
		case at := <-statusSeen:
			p.ToStatusSeconds = seconds(at.Sub(start))
		case <-timeout:
			return p, fmt.Errorf("latency probe on %s: no power request or status within 2 minutes", name)
		case <-ctx.Done():
			return p, ctx.Err()
		}
	}
	return p, nil
}
