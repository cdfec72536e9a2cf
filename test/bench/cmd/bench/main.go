// Command bench measures baremetal-controller at scale against a local kube-apiserver, etcd
// and Ironic (fake-hardware), next to a baseline that drives Ironic directly. `make bench`
// runs it; `make bench N=1000` for more hosts. See BENCHMARKS.md and package test/bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/metalkube/metalkube/test/bench"
)

func main() {
	var cfg bench.Config
	var controllerArgs, controllerEnv string
	flag.IntVar(&cfg.N, "n", 100, "number of hosts")
	flag.StringVar(&cfg.FakeDelay, "fake-delay", "0", `Ironic's fake-hardware delay in seconds for power, boot, deploy and inspect ("2", or a range "1,3")`)
	flag.IntVar(&cfg.PowerSyncInterval, "power-sync-interval", 600, "Ironic's power state sync period in seconds")
	flag.DurationVar(&cfg.Idle, "idle", time.Minute, "idle window in which the requests of N provisioned hosts are counted")
	flag.IntVar(&cfg.HostWorkers, "host-workers", 16, "the controller's --host-workers")
	flag.Float64Var(&cfg.KubeQPS, "kube-api-qps", 200, "the controller's --kube-api-qps")
	flag.IntVar(&cfg.KubeBurst, "kube-api-burst", 400, "the controller's --kube-api-burst")
	flag.StringVar(&controllerArgs, "controller-args", "", "more controller flags, space-separated")
	flag.StringVar(&controllerEnv, "controller-env", "", `environment entries for the controller, space-separated (e.g. "GODEBUG=gctrace=1")`)
	flag.StringVar(&cfg.ControllerBin, "controller", "", "a baremetal-controller binary to use instead of building ./cmd/baremetal-controller")
	flag.BoolVar(&cfg.SharedSecret, "shared-secret", false, "one credentials Secret for every host instead of one each")
	flag.IntVar(&cfg.ClientWorkers, "client-workers", 50, "how many creates or deletes the harness sends at once")
	flag.IntVar(&cfg.LatencyProbes, "probes", 3, "number of single-host spec changes timed among the idle hosts")
	flag.IntVar(&cfg.BaselineConcurrency, "baseline-concurrency", 20, "requests in flight at most in the baseline")
	flag.DurationVar(&cfg.BaselinePoll, "baseline-poll", 500*time.Millisecond, "the baseline's node list period")
	flag.BoolVar(&cfg.SkipBaseline, "skip-baseline", false, "measure the controller only")
	flag.BoolVar(&cfg.SkipController, "skip-controller", false, "measure the baseline only")
	flag.StringVar(&cfg.ProfileDir, "profile", "", "run the controller inside the harness and write CPU and heap profiles into this directory (go tool pprof)")
	flag.IntVar(&cfg.InProcessMaxConcurrent, "profile-max-concurrent-provisioning", 20, "with -profile: the controller's --max-concurrent-provisioning")
	flag.StringVar(&cfg.ResultsDir, "results", "test/benchresults", "directory for the JSON and PNG results (relative to the repository)")
	flag.StringVar(&cfg.WorkDir, "dir", "", "working directory for logs and data (default: a temporary one, removed after a successful run)")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the temporary working directory (logs of the controller, Ironic, kube-apiserver)")
	flag.Parse()
	cfg.ControllerArgs = strings.Fields(controllerArgs)
	cfg.ControllerEnv = strings.Fields(controllerEnv)
	start := time.Now()
	cfg.Logf = func(format string, args ...any) {
		fmt.Printf("[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	res.PrintTable(os.Stdout)
}
