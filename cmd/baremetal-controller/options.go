package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// options are the command's settings. Every flag can also be set with the environment
// variable named in its help text; a flag given on the command line wins.
type options struct {
	kubeconfig     string
	namespace      string
	ironicEndpoint string
	ironicAuthFile string
	ironicCACert   string
	ironicInsecure bool
	hostWorkers    int
	machineWorkers int
	enableHosts    bool
	enableMachines bool
	kubeQPS        float64
	kubeBurst      int
	steadyResync   time.Duration
}

// envFlag describes one flag and its environment variable.
type envFlag struct {
	name, env, help string
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("baremetal-controller", flag.ContinueOnError)
	flags := []struct {
		envFlag
		bind func(fs *flag.FlagSet, name, help string)
	}{
		{envFlag{"kubeconfig", "KUBECONFIG", "path to a kubeconfig; empty means in-cluster configuration"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.kubeconfig, n, "", h) }},
		{envFlag{"namespace", "WATCH_NAMESPACE", "namespace to watch; empty means all namespaces"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.namespace, n, "", h) }},
		{envFlag{"ironic-endpoint", "IRONIC_ENDPOINT", "Ironic API URL, e.g. http://127.0.0.1:6385 (required)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.ironicEndpoint, n, "", h) }},
		{envFlag{"ironic-auth-file", "IRONIC_AUTH_FILE", "file with Ironic HTTP basic credentials as 'username:password' (or two lines); empty means noauth"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.ironicAuthFile, n, "", h) }},
		{envFlag{"ironic-ca-cert", "IRONIC_CACERT_FILE", "PEM file of CA certificates to verify Ironic's TLS certificate"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.ironicCACert, n, "", h) }},
		{envFlag{"ironic-insecure", "IRONIC_INSECURE", "skip verification of Ironic's TLS certificate"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.ironicInsecure, n, false, h) }},
		{envFlag{"host-workers", "HOST_WORKERS", "number of hosts reconciled at once"},
			func(fs *flag.FlagSet, n, h string) { fs.IntVar(&o.hostWorkers, n, 8, h) }},
		{envFlag{"enable-host-controller", "ENABLE_HOST_CONTROLLER", "run the BareMetalHost controller"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.enableHosts, n, true, h) }},
		{envFlag{"enable-machine-actuator", "ENABLE_MACHINE_ACTUATOR", "run the Machine actuator (needs the machine.openshift.io Machine CRD)"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.enableMachines, n, true, h) }},
		{envFlag{"machine-workers", "MACHINE_WORKERS", "number of Machines reconciled at once"},
			func(fs *flag.FlagSet, n, h string) { fs.IntVar(&o.machineWorkers, n, 4, h) }},
		{envFlag{"kube-api-qps", "KUBE_API_QPS", "queries per second to the Kubernetes API server"},
			func(fs *flag.FlagSet, n, h string) { fs.Float64Var(&o.kubeQPS, n, 50, h) }},
		{envFlag{"kube-api-burst", "KUBE_API_BURST", "burst of queries to the Kubernetes API server"},
			func(fs *flag.FlagSet, n, h string) { fs.IntVar(&o.kubeBurst, n, 100, h) }},
		{envFlag{"steady-resync", "STEADY_RESYNC", "how often a host in a stable state is checked against Ironic"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.steadyResync, n, 5*time.Minute, h) }},
	}
	for _, f := range flags {
		f.bind(fs, f.name, fmt.Sprintf("%s (env %s)", f.help, f.env))
	}
	klogFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, f := range flags {
		if v, ok := os.LookupEnv(f.env); ok && !set[f.name] {
			if err := fs.Set(f.name, strings.TrimSpace(v)); err != nil {
				return nil, fmt.Errorf("environment variable %s: %w", f.env, err)
			}
		}
	}
	if !o.enableHosts && !o.enableMachines {
		return nil, fmt.Errorf("--enable-host-controller and --enable-machine-actuator are both false: nothing to run")
	}
	if o.enableHosts && o.ironicEndpoint == "" {
		return nil, fmt.Errorf("--ironic-endpoint (or IRONIC_ENDPOINT) is required")
	}
	if o.hostWorkers < 1 {
		return nil, fmt.Errorf("--host-workers must be at least 1, not %d", o.hostWorkers)
	}
	if o.machineWorkers < 1 {
		return nil, fmt.Errorf("--machine-workers must be at least 1, not %d", o.machineWorkers)
	}
	return o, nil
}

// readAuthFile reads "username:password" or "username\npassword". The values are secret.
func readAuthFile(path string) (user, password string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("reading Ironic credentials: %w", err)
	}
	text := strings.TrimSpace(string(data))
	if u, p, ok := strings.Cut(text, "\n"); ok {
		return strings.TrimSpace(u), strings.TrimSpace(p), nil
	}
	if u, p, ok := strings.Cut(text, ":"); ok {
		return u, p, nil
	}
	return "", "", fmt.Errorf("Ironic credentials file %s must hold username:password", path)
}
