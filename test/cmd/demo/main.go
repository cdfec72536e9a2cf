// Command demo runs the whole system on one machine and shows hosts going through their
// lifecycle: a real kube-apiserver and etcd (test/envtest), a real Ironic (test/ironictest, with
// a small fake-hardware delay so every state is visible), a Redfish BMC simulator
// (test/redfishsim), a local HTTP server for images, and the baremetal-controller binary as a
// child process. It creates sample BareMetalHosts and reprints `kubectl get bmh -o wide` while
// they move registering → inspecting → available → provisioning → provisioned.
//
// It runs until SIGINT or SIGTERM, then stops everything it started (each child runs in its own
// process group and is stopped by group) and checks that no process it started is left. With
// -exit-when-provisioned (or DEMO_EXIT_WHEN_PROVISIONED=1) it exits by itself, with status 0,
// once every host expected to be provisioned is, printing the final table and the duration.
//
// `make demo` builds it and runs it; `make demo-ci` runs it in the exit-when-provisioned mode.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// markerEnv is set in the demo's environment, so every process it starts (and theirs) carries
// it. The demo and its test find leftover processes by it.
const markerEnv = "METALKUBE_DEMO_ID"

type config struct {
	dir            string
	keep           bool
	controllerBin  string
	fakeDelay      string
	exitWhenDone   bool
	timeout        time.Duration
	refresh        time.Duration
	fakeHosts      int
	controllerArgs stringList
}

type stringList []string

func (l *stringList) String() string     { return fmt.Sprint(*l) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func parseFlags() *config {
	c := &config{}
	flag.StringVar(&c.dir, "dir", "", "working directory for data, logs and the kubeconfig (default: a new temporary directory, removed at exit)")
	flag.BoolVar(&c.keep, "keep", false, "keep the working directory at exit")
	flag.StringVar(&c.controllerBin, "controller", "", "baremetal-controller binary (default: build ./cmd/baremetal-controller into the working directory)")
	flag.StringVar(&c.fakeDelay, "fake-delay", "1", "Ironic fake-hardware delay in seconds for power, boot, deploy and inspect (\"1\" or a range \"1,3\")")
	flag.BoolVar(&c.exitWhenDone, "exit-when-provisioned", envBool("DEMO_EXIT_WHEN_PROVISIONED"),
		"exit with status 0 once every host expected to be provisioned is (env DEMO_EXIT_WHEN_PROVISIONED=1)")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Minute, "with -exit-when-provisioned, fail after this long")
	flag.DurationVar(&c.refresh, "refresh", time.Second, "how often the host table is refreshed")
	flag.IntVar(&c.fakeHosts, "fake-hosts", 3, "number of fake-hardware hosts")
	flag.Var(&c.controllerArgs, "controller-arg", "extra baremetal-controller flag (repeatable), e.g. -controller-arg=-v=4")
	flag.Parse()
	return c
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

func main() {
	c := parseFlags()
	if os.Getenv(markerEnv) == "" {
		_ = os.Setenv(markerEnv, fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()))
	}
	os.Exit(run(c))
}

// run starts everything, shows the hosts, and stops everything; it returns the exit status.
func run(c *config) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start := time.Now()

	s, err := startStack(ctx, c)
	code := 0
	if err == nil {
		err = s.show(ctx, c, start)
	}
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		fmt.Println("\nStopping (interrupted).")
	default:
		fmt.Fprintf(os.Stderr, "\ndemo: %v\n", err)
		code = 1
	}
	if s != nil {
		if code != 0 {
			s.printLogHints(os.Stderr)
		}
		s.stop()
	}
	if left := leftoverProcesses(os.Getenv(markerEnv)); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "demo: processes still running after the stop: %v\n", left)
		code = 1
	} else if s != nil {
		fmt.Println("Stopped everything; no process left behind.")
	}
	return code
}
