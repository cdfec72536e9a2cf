package manifests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	machinev1 "github.com/metalkube/metalkube/pkg/apis/machine.openshift.io/v1beta1"
	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// grantedButNotExercised are permissions of the ClusterRole that the lifecycle below does not
// make the controller use, each with the reason it is still needed. Keep it short: a
// permission that the lifecycle does exercise must not be listed (the test says so).
var grantedButNotExercised = map[string]string{
	// client-go's reflectors stream an informer's initial list over a watch
	// (sendInitialEvents, the WatchListClient feature) where the API server supports it, as
	// 1.37 does; against an API server that does not, they LIST first.
	"metal3.io/baremetalhosts list":      "the host informer's reflector LISTs when the API server cannot stream the initial list over a watch",
	"core/secrets list":                  "the Secret informer's reflector LISTs when the API server cannot stream the initial list over a watch",
	"machine.openshift.io/machines list": "the Machine informer's reflector LISTs when the API server cannot stream the initial list over a watch",
	"metal3.io/baremetalhosts/finalizers update": "setting blockOwnerDeletion on a HardwareData's controller reference " +
		"needs it where the OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift); the test's API server does not run it",
	"metal3.io/hardwaredata update": "hardware_data.go rewrites a host's HardwareData when a later inspection finds " +
		"different hardware; fake-hardware reports the same hardware every time",
}

// usedOnlySometimes are permissions the lifecycle below may or may not make the controller use,
// depending on timing, each with the reason.
var usedOnlySometimes = map[string]string{
	"metal3.io/baremetalhosts get": "the Machine actuator reads a host it recorded on a Machine from the API server when " +
		"its cache has not caught up with the claim yet (pkg/controller/machine/sync.go)",
}

// TestTheClusterRoleGrantsExactlyWhatTheControllerUses runs the real controller binary (host
// controller and Machine actuator) with the Deployment's args and the ConfigMap's settings,
// authenticated as the manifests' ServiceAccount (a token from the TokenRequest API), through
// the lifecycle of two hosts: credentials and user data Secrets that are not labelled yet,
// registration, inspection, provisioning, power off and on twice (repeated Events), a Machine
// claiming a host and being deleted, deprovisioning and deletion. The API server's audit log
// records every request of the ServiceAccount; the set of (group, resource, verb) in it must
// equal the ClusterRole's rules, apart from grantedButNotExercised and usedOnlySometimes.
func TestTheClusterRoleGrantsExactlyWhatTheControllerUses(t *testing.T) {
	r := render(t)
	applyManifests(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	stop, metricsURL := startControllerAsServiceAccount(t, ctx, r)
	// Scraping makes the controller ask the API server about each scraper (TokenReview,
	// SubjectAccessReview): its ClusterRole must allow that too.
	lifecycle(t, ctx, func() {
		t.Run("metrics", func(t *testing.T) { checkMetricsEndpoint(t, ctx, r, metricsURL) })
	})
	t.Run("metrics of deleted hosts", func(t *testing.T) { checkDeletedHostsSeriesGone(t, ctx, metricsURL) })
	stop()

	used, forbidden, nonResource := readAudit(t)
	t.Logf("the controller used: %v (and non-resource URLs %v)", sortedKeys(used), nonResource)
	for _, f := range forbidden {
		t.Errorf("the API server refused a request of the controller: %s", f)
	}

	granted := map[string]bool{}
	rules := slices.Clone(r.clusterRole.Rules)
	for _, role := range r.roles {
		rules = append(rules, role.Rules...)
	}
	for _, rule := range rules {
		if len(rule.NonResourceURLs) > 0 || len(rule.ResourceNames) > 0 {
			t.Errorf("unexpected rule %+v: the controller needs neither non-resource URLs nor per-name rules", rule)
		}
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				for _, v := range rule.Verbs {
					if g == "*" || res == "*" || v == "*" {
						t.Errorf("rule %+v uses a wildcard", rule)
					}
					granted[permission(g, res, v)] = true
				}
			}
		}
	}
	for p := range used {
		if !granted[p] {
			t.Errorf("the controller uses %q, which the ClusterRole does not grant", p)
		}
	}
	for p := range granted {
		if _, ok := usedOnlySometimes[p]; ok {
			continue
		}
		reason, documented := grantedButNotExercised[p]
		switch {
		case used[p] && documented:
			t.Errorf("%q is listed as not exercised (%s) but the controller used it: remove it from grantedButNotExercised", p, reason)
		case !used[p] && !documented:
			t.Errorf("the ClusterRole grants %q, which the controller never used: remove it, or document why it is needed in grantedButNotExercised", p)
		}
	}
	for _, list := range []map[string]string{grantedButNotExercised, usedOnlySometimes} {
		for p := range list {
			if !granted[p] {
				t.Errorf("%q is documented as needed, but the ClusterRole does not grant it", p)
			}
		}
	}
}

func permission(group, resource, verb string) string {
	if group == "" {
		group = "core"
	}
	return group + "/" + resource + " " + verb
}

// startControllerAsServiceAccount starts the controller binary with a kubeconfig holding a
// token of the ServiceAccount. The returned function stops it (SIGTERM to its process group);
// metricsURL is where it serves /metrics, /healthz and /readyz.
func startControllerAsServiceAccount(t *testing.T, ctx context.Context, r *rendered) (stop func(), metricsURL string) {
	t.Helper()
	dir := t.TempDir()
	tok, err := env.Kube.CoreV1().ServiceAccounts(controllerNamespace).CreateToken(ctx, controllerSA,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a token for the ServiceAccount: %v", err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: env.URL, CertificateAuthorityData: env.Config.TLSClientConfig.CAData}
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "sa"}
	cfg.CurrentContext = "sa"
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}

	// The pod's environment: the ConfigMap, with the test's Ironic and a credentials file in
	// place of the mounted Secret (the test Ironic is noauth and ignores them).
	authFile := filepath.Join(dir, "ironic-auth")
	if err := os.WriteFile(authFile, []byte("metalkube:not-checked\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range r.configMap.Data {
		switch k {
		case "IRONIC_ENDPOINT":
			v = ironic.URL
		case "IRONIC_AUTH_FILE":
			v = authFile
		case "METRICS_BIND_ADDRESS":
			v = freeAddress(t) // tests run side by side
			metricsURL = "https://" + v
			if r.configMap.Data["METRICS_SECURE"] != "true" {
				metricsURL = "http://" + v
			}
		}
		environ = append(environ, k+"="+v)
	}
	c := r.deployment.Spec.Template.Spec.Containers[0]
	args := append(slices.Clone(c.Args), "--kubeconfig="+kubeconfig)
	logPath := filepath.Join(dir, "baremetal-controller.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(controllerBin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = environ, logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logFile.Close(); close(done) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			t.Logf("baremetal-controller log:\n%s", tail(string(data), 6000))
		}
	}
	t.Cleanup(stop)
	return stop, metricsURL
}

const lifecycleNamespace = "rbac-lifecycle"

// lifecycle takes two fake-hardware hosts from creation to deletion: "host" is given its image
// directly, powered off and on twice, and deleted; "worker-host" is claimed by a Machine, which
// provisions it, and released when the Machine is deleted.
func lifecycle(t *testing.T, ctx context.Context, beforeDelete func()) {
	t.Helper()
	kube, hosts := env.Kube, env.Metal3.Metal3V1alpha1().BareMetalHosts(lifecycleNamespace)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: lifecycleNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Neither Secret carries the label that brings it into the controller's cache: the
	// controller reads each once and labels it.
	for name, data := range map[string]map[string]string{
		"host-bmc":       {"username": "admin", "password": "password"},
		"host-user-data": {"userData": "#cloud-config\nhostname: rbac\n"},
	} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: lifecycleNamespace}, StringData: data}
		if _, err := kube.CoreV1().Secrets(lifecycleNamespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	format := "qcow2"
	image := &metal3.Image{URL: "http://127.0.0.1:1/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e", ChecksumType: metal3.ChecksumMD5, DiskFormat: &format}
	for _, h := range []*metal3.BareMetalHost{{
		ObjectMeta: metav1.ObjectMeta{Name: "host", Namespace: lifecycleNamespace},
		Spec: metal3.BareMetalHostSpec{
			Online: true, BootMACAddress: "52:54:00:aa:bb:01", Image: image, UserData: &corev1.SecretReference{Name: "host-user-data"},
			BMC: metal3.BMCDetails{Address: "fake://host", CredentialsName: "host-bmc"},
		},
	}, {
		ObjectMeta: metav1.ObjectMeta{Name: "worker-host", Namespace: lifecycleNamespace, Labels: map[string]string{"role": "worker"}},
		Spec: metal3.BareMetalHostSpec{
			BootMACAddress: "52:54:00:aa:bb:02",
			BMC:            metal3.BMCDetails{Address: "fake://worker-host", CredentialsName: "host-bmc"},
		},
	}} {
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	machines := env.Metal3.MachineV1beta1().Machines(lifecycleNamespace)
	machine := &machinev1.Machine{
		ObjectMeta: metav1.ObjectMeta{Name: "worker", Namespace: lifecycleNamespace},
		Spec: machinev1.MachineSpec{ProviderSpec: machinev1.ProviderSpec{Value: &runtime.RawExtension{Raw: []byte(`{
			"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "BareMetalMachineProviderSpec",
			"image": {"url": "http://127.0.0.1:1/worker.qcow2", "checksum": "d41d8cd98f00b204e9800998ecf8427e"},
			"userData": {"name": "host-user-data"},
			"hostSelector": {"matchLabels": {"role": "worker"}}}`)}}},
	}
	if _, err := machines.Create(ctx, machine, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	waitHost(t, ctx, "host", "provisioned and on", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Status.PoweredOn
	})
	waitHost(t, ctx, "worker-host", "provisioned for the Machine", func(h *metal3.BareMetalHost) bool {
		return h.Status.Provisioning.State == metal3.StateProvisioned && h.Spec.ConsumerRef != nil && h.Spec.ConsumerRef.Name == "worker"
	})
	for _, online := range []bool{false, true, false, true} {
		patch := fmt.Sprintf(`{"spec":{"online":%t}}`, online)
		if _, err := hosts.Patch(ctx, "host", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitHost(t, ctx, "host", fmt.Sprintf("poweredOn %t", online), func(h *metal3.BareMetalHost) bool { return h.Status.PoweredOn == online })
	}
	waitRepeatedEvent(t, ctx)

	if err := machines.Delete(ctx, "worker", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, ctx, "Machine worker", func() error { _, err := machines.Get(ctx, "worker", metav1.GetOptions{}); return err })
	waitHost(t, ctx, "worker-host", "released and available", func(h *metal3.BareMetalHost) bool {
		return h.Spec.ConsumerRef == nil && h.Status.Provisioning.State == metal3.StateAvailable
	})
	beforeDelete()
	for _, name := range []string{"host", "worker-host"} {
		if err := hosts.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"host", "worker-host"} {
		waitGone(t, ctx, "host "+name, func() error { _, err := hosts.Get(ctx, name, metav1.GetOptions{}); return err })
		if _, err := env.Metal3.Metal3V1alpha1().HardwareDatas(lifecycleNamespace).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("the HardwareData of %s outlived its host: %v", name, err)
		}
	}
}

func waitHost(t *testing.T, ctx context.Context, name, what string, ok func(*metal3.BareMetalHost) bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		h, err := env.Metal3.Metal3V1alpha1().BareMetalHosts(lifecycleNamespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && ok(h) {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("spec %+v status %+v", h.Spec, h.Status)
			}
			t.Fatalf("host %s did not become %s: %v", name, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitGone waits until get answers NotFound.
func waitGone(t *testing.T, ctx context.Context, what string, get func() error) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := get()
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("%s still exists after 3 minutes (%v)", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRepeatedEvent waits until an Event of "host" has a count above one: the recorder
// patched it.
func waitRepeatedEvent(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		list, err := env.Kube.CoreV1().Events(lifecycleNamespace).List(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "host").String()})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list.Items {
			if e.Count > 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Event of the host was repeated after powering it off and on twice: %d events", len(list.Items))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the test reads.
type auditEvent struct {
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	UserAgent string `json:"userAgent"`
	ObjectRef *struct {
		APIGroup    string `json:"apiGroup"`
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// readAudit returns the permissions the controller's ServiceAccount used (allowed requests),
// the requests the API server refused, and the non-resource URLs it asked for.
func readAudit(t *testing.T) (used map[string]bool, forbidden, nonResource []string) {
	t.Helper()
	time.Sleep(500 * time.Millisecond) // let the last events reach the log
	f, err := os.Open(auditLog)
	if err != nil {
		t.Fatalf("reading the audit log: %v", err)
	}
	defer f.Close()
	used = map[string]bool{}
	seenURL := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit log line: %v", err)
		}
		if e.User.Username != controllerUser || e.Stage != "ResponseComplete" {
			continue
		}
		if !strings.HasPrefix(e.UserAgent, "baremetal-controller") {
			t.Errorf("a request as the controller's ServiceAccount from user agent %q: %s %s", e.UserAgent, e.Verb, e.RequestURI)
		}
		if e.ObjectRef == nil {
			if !seenURL[e.RequestURI] {
				seenURL[e.RequestURI] = true
				nonResource = append(nonResource, e.Verb+" "+e.RequestURI)
			}
			continue
		}
		res := e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			res += "/" + e.ObjectRef.Subresource
		}
		p := permission(e.ObjectRef.APIGroup, res, e.Verb)
		if e.ResponseStatus != nil && e.ResponseStatus.Code == 403 {
			forbidden = append(forbidden, fmt.Sprintf("%s (%s)", p, e.RequestURI))
			continue
		}
		used[p] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(used) == 0 {
		t.Fatal("the audit log has no request of the controller's ServiceAccount")
	}
	return used, forbidden, nonResource
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
