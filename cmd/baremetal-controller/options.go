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
	// inspector: Ironic has ironic-inspector; deployKernelURL, deployRamdiskURL and
	// deployISOURL locate the deploy ramdisk written into each node's driver_info.
	inspector        bool
	inspectorURL     string
	deployKernelURL  string
	deployRamdiskURL string
	deployISOURL     string
	hostWorkers      int
	machineWorkers   int
	enableHosts      bool
	enableMachines   bool
	kubeQPS          float64
	kubeBurst        int
	steadyResync     time.Duration

	nodePollInterval          time.Duration
	nodeFeedInterval          time.Duration
	maxProvisioningAttempts   int
	maxConcurrentProvisioning int
	discoveryNamespace        string
	metricsAddress            string
	metricsSecure             bool
	metricsCertFile           string
	metricsKeyFile            string

	leaderElect      bool
	leaderElectionNS string
	leaderElectionID string
	leaseDuration    time.Duration
	renewDeadline    time.Duration
	retryPeriod      time.Duration
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
		{envFlag{"inspector", "IRONIC_INSPECTOR", "Ironic has ironic-inspector (the inspector inspect interface enabled): hosts are inspected in band unless spec.inspectionMode is fast or disabled, ipmi and libvirt ones included"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.inspector, n, false, h) }},
		{envFlag{"inspector-url", "IRONIC_INSPECTOR_URL", "ironic-inspector's API URL, e.g. http://ironic-inspector:5050 (implies --inspector): in-band inspection data is read from it, with Ironic's credentials and TLS settings"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.inspectorURL, n, "", h) }},
		{envFlag{"deploy-kernel-url", "DEPLOY_KERNEL_URL", "URL of the deploy ramdisk's kernel, set as driver_info deploy_kernel of nodes that do not boot an ISO (with --deploy-ramdisk-url)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.deployKernelURL, n, "", h) }},
		{envFlag{"deploy-ramdisk-url", "DEPLOY_RAMDISK_URL", "URL of the deploy ramdisk's initramfs, set as driver_info deploy_ramdisk (with --deploy-kernel-url)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.deployRamdiskURL, n, "", h) }},
		{envFlag{"deploy-iso-url", "DEPLOY_ISO_URL", "URL of the deploy ramdisk as an ISO, set as driver_info deploy_iso of nodes booting through virtual media or Redfish HTTP boot"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.deployISOURL, n, "", h) }},
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
		{envFlag{"steady-resync", "STEADY_RESYNC", "how often a stable host is checked against Ironic when Ironic cannot list nodes (otherwise --node-poll-interval applies)"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.steadyResync, n, 5*time.Minute, h) }},
		{envFlag{"node-poll-interval", "NODE_POLL_INTERVAL", "period of the one shared Ironic node list that notices changes to stable hosts"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.nodePollInterval, n, time.Minute, h) }},
		{envFlag{"node-feed-interval", "NODE_FEED_INTERVAL", "period of the request for recently changed Ironic nodes while operations are in flight (negative: off; hosts then read their own node)"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.nodeFeedInterval, n, 500*time.Millisecond, h) }},
		{envFlag{"max-provisioning-attempts", "MAX_PROVISIONING_ATTEMPTS", "consecutive failed deploys of the same image before retries stop (0: no limit)"},
			func(fs *flag.FlagSet, n, h string) { fs.IntVar(&o.maxProvisioningAttempts, n, 5, h) }},
		{envFlag{"max-concurrent-provisioning", "MAX_CONCURRENT_PROVISIONING", "hosts inspecting, cleaning or (de)provisioning at once (0: no limit)"},
			func(fs *flag.FlagSet, n, h string) { fs.IntVar(&o.maxConcurrentProvisioning, n, 20, h) }},
		{envFlag{"discovery-namespace", "DISCOVERY_NAMESPACE", "import Ironic nodes no host owns as BareMetalHosts in this namespace (empty: off)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.discoveryNamespace, n, "", h) }},
		{envFlag{"metrics-bind-address", "METRICS_BIND_ADDRESS", "address serving /metrics, /healthz and /readyz, e.g. :8080 (empty: off)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.metricsAddress, n, "", h) }},
		{envFlag{"metrics-secure", "METRICS_SECURE", "serve /metrics over HTTPS to callers the API server authenticates (TokenReview) and authorizes for get on /metrics (SubjectAccessReview); false: plain HTTP, open to all (default: on in a cluster, off with --kubeconfig)"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.metricsSecure, n, false, h) }},
		{envFlag{"metrics-cert-file", "METRICS_CERT_FILE", "PEM certificate for HTTPS metrics (empty: a self-signed one generated at start)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.metricsCertFile, n, "", h) }},
		{envFlag{"metrics-key-file", "METRICS_KEY_FILE", "PEM private key of --metrics-cert-file"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.metricsKeyFile, n, "", h) }},
		{envFlag{"leader-elect", "LEADER_ELECT", "act only while holding a Lease, so one of several replicas works (default: on in a cluster, off with --kubeconfig)"},
			func(fs *flag.FlagSet, n, h string) { fs.BoolVar(&o.leaderElect, n, false, h) }},
		{envFlag{"leader-election-namespace", "LEADER_ELECTION_NAMESPACE", "namespace of the Lease (default: the pod's namespace, else baremetal-system)"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.leaderElectionNS, n, "", h) }},
		{envFlag{"leader-election-id", "LEADER_ELECTION_ID", "name of the Lease"},
			func(fs *flag.FlagSet, n, h string) { fs.StringVar(&o.leaderElectionID, n, "baremetal-controller", h) }},
		{envFlag{"leader-election-lease-duration", "LEADER_ELECTION_LEASE_DURATION", "how long a standby waits before taking over a leader that stopped renewing"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.leaseDuration, n, 15*time.Second, h) }},
		{envFlag{"leader-election-renew-deadline", "LEADER_ELECTION_RENEW_DEADLINE", "how long the leader keeps trying to renew before it gives up"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.renewDeadline, n, 10*time.Second, h) }},
		{envFlag{"leader-election-retry-period", "LEADER_ELECTION_RETRY_PERIOD", "how often replicas try to acquire or renew the Lease"},
			func(fs *flag.FlagSet, n, h string) { fs.DurationVar(&o.retryPeriod, n, 2*time.Second, h) }},
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
			set[f.name] = true
		}
	}
	if !set["leader-elect"] {
		// In a cluster replicas may run side by side; a local run (--kubeconfig) is alone.
		o.leaderElect = o.kubeconfig == ""
	}
	if !set["metrics-secure"] {
		// Metrics in a cluster are for authorized scrapers only; a local run serves plain HTTP.
		o.metricsSecure = o.kubeconfig == ""
	}
	if (o.metricsCertFile == "") != (o.metricsKeyFile == "") {
		return nil, fmt.Errorf("--metrics-cert-file and --metrics-key-file go together")
	}
	if o.leaderElectionNS == "" {
		o.leaderElectionNS = os.Getenv("POD_NAMESPACE")
		if o.leaderElectionNS == "" {
			o.leaderElectionNS = "baremetal-system"
		}
	}
	if !o.enableHosts && !o.enableMachines {
		return nil, fmt.Errorf("--enable-host-controller and --enable-machine-actuator are both false: nothing to run")
	}
	if o.enableHosts && o.ironicEndpoint == "" {
		return nil, fmt.Errorf("--ironic-endpoint (or IRONIC_ENDPOINT) is required")
	}
	if (o.deployKernelURL == "") != (o.deployRamdiskURL == "") {
		return nil, fmt.Errorf("--deploy-kernel-url and --deploy-ramdisk-url (DEPLOY_KERNEL_URL, DEPLOY_RAMDISK_URL) go together")
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
