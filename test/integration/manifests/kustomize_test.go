package manifests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// rendered is `kubectl kustomize manifests/`, decoded.
type rendered struct {
	docs        []map[string]any
	deployment  *appsv1.Deployment
	configMap   *corev1.ConfigMap
	clusterRole *rbacv1.ClusterRole
	// metricsReader is the ClusterRole a scraper of /metrics is bound to.
	metricsReader *rbacv1.ClusterRole
	roles         []*rbacv1.Role
	binding       *rbacv1.ClusterRoleBinding
}

var (
	renderOnce sync.Once
	renderOut  *rendered
	renderErr  error
)

// render runs kubectl's built-in kustomize on manifests/ once.
func render(t *testing.T) *rendered {
	t.Helper()
	renderOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var out string
		out, renderErr = env.Kubectl(ctx, "kustomize", filepath.Join(repo, "manifests"))
		if renderErr != nil {
			return
		}
		renderOut = &rendered{}
		for _, doc := range strings.Split(out, "\n---\n") {
			var m map[string]any
			if renderErr = yaml.Unmarshal([]byte(doc), &m); renderErr != nil {
				return
			}
			if len(m) == 0 {
				continue
			}
			renderOut.docs = append(renderOut.docs, m)
			var into any
			switch m["kind"] {
			case "Deployment":
				renderOut.deployment = &appsv1.Deployment{}
				into = renderOut.deployment
			case "ConfigMap":
				renderOut.configMap = &corev1.ConfigMap{}
				into = renderOut.configMap
			case "ClusterRole":
				role := &rbacv1.ClusterRole{}
				if md, _ := m["metadata"].(map[string]any); md["name"] == metricsReaderRole {
					renderOut.metricsReader = role
				} else {
					renderOut.clusterRole = role
				}
				into = role
			case "ClusterRoleBinding":
				renderOut.binding = &rbacv1.ClusterRoleBinding{}
				into = renderOut.binding
			case "Role":
				role := &rbacv1.Role{}
				renderOut.roles = append(renderOut.roles, role)
				into = role
			default:
				continue
			}
			if renderErr = runtime.DefaultUnstructuredConverter.FromUnstructured(m, into); renderErr != nil {
				return
			}
		}
	})
	if renderErr != nil {
		t.Fatalf("rendering manifests/: %v", renderErr)
	}
	if renderOut.deployment == nil || renderOut.configMap == nil || renderOut.clusterRole == nil || renderOut.binding == nil ||
		renderOut.metricsReader == nil {
		t.Fatalf("manifests/ must render a Deployment, a ConfigMap, the controller's ClusterRole and ClusterRoleBinding, and the ClusterRole %s",
			metricsReaderRole)
	}
	return renderOut
}

var (
	applyOnce sync.Once
	applyErr  error
)

// applyManifests runs `kubectl apply -k manifests/` for real, once, and waits until the CRDs
// are established.
func applyManifests(t *testing.T) {
	t.Helper()
	applyOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		var out string
		if out, applyErr = env.Kubectl(ctx, "apply", "-k", filepath.Join(repo, "manifests")); applyErr != nil {
			return
		}
		t.Logf("kubectl apply -k manifests/:\n%s", out)
		_, applyErr = env.Kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
	})
	if applyErr != nil {
		t.Fatalf("kubectl apply -k manifests/: %v", applyErr)
	}
}

func TestTheKustomizationListsEveryCRDFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo, "manifests", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"crds", "machine-api"} {
		if _, err := os.Stat(filepath.Join(repo, "manifests", dir, "kustomization.yaml")); err == nil && slices.Contains(k.Resources, dir) {
			continue // the directory is a kustomization of its own, listed as a whole
		}
		files, _ := filepath.Glob(filepath.Join(repo, "manifests", dir, "*.yaml"))
		for _, f := range files {
			rel := dir + "/" + filepath.Base(f)
			if !slices.Contains(k.Resources, rel) {
				t.Errorf("manifests/kustomization.yaml does not list %s", rel)
			}
		}
	}
}

// TestApplyInstallsEverythingAndReapplyingChangesNothing installs manifests/ for real on an
// empty API server (the CRDs must come from the kustomization: envtest installed none), then
// checks with a server-side dry run that applying again changes nothing.
func TestApplyInstallsEverythingAndReapplyingChangesNothing(t *testing.T) {
	r := render(t)
	applyManifests(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := env.Kubectl(ctx, "apply", "-k", filepath.Join(repo, "manifests"), "--dry-run=server")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(r.docs) {
		t.Errorf("server dry run answered for %d objects, the kustomization has %d:\n%s", len(lines), len(r.docs), out)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, " unchanged (server dry run)") {
			diff, _ := env.Kubectl(ctx, "diff", "-k", filepath.Join(repo, "manifests"))
			t.Errorf("re-applying is not a no-op: %q\n%s", l, diff)
		}
	}
	for _, d := range r.docs {
		md, _ := d["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		ns, _ := md["namespace"].(string)
		args := []string{"get", strings.ToLower(d["kind"].(string)), name, "-o", "name"}
		if ns != "" {
			args = append(args, "-n", ns)
		}
		if _, err := env.Kubectl(ctx, args...); err != nil {
			t.Errorf("%s %s is not on the server after apply: %v", d["kind"], name, err)
		}
	}
}

func TestEveryNamespacedObjectIsInBaremetalSystem(t *testing.T) {
	r := render(t)
	clusterScoped := map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true}
	for _, d := range r.docs {
		md, _ := d["metadata"].(map[string]any)
		ns, _ := md["namespace"].(string)
		if want := controllerNamespace; !clusterScoped[d["kind"].(string)] && ns != want {
			t.Errorf("%s %v is in namespace %q, want %q", d["kind"], md["name"], ns, want)
		}
	}
	want := rbacv1.Subject{Kind: "ServiceAccount", Name: controllerSA, Namespace: controllerNamespace}
	if len(r.binding.Subjects) != 1 || r.binding.Subjects[0] != want {
		t.Errorf("ClusterRoleBinding subjects = %+v, want only %+v", r.binding.Subjects, want)
	}
	if r.binding.RoleRef.Name != r.clusterRole.Name {
		t.Errorf("ClusterRoleBinding binds %q, the ClusterRole is %q", r.binding.RoleRef.Name, r.clusterRole.Name)
	}
	if sa := r.deployment.Spec.Template.Spec.ServiceAccountName; sa != controllerSA {
		t.Errorf("the Deployment runs as ServiceAccount %q, want %q", sa, controllerSA)
	}
}

// TestTheControllerRunsLockedDown checks the pod's security settings, resources, probes and the
// Ironic credentials mount.
func TestTheControllerRunsLockedDown(t *testing.T) {
	r := render(t)
	d := r.deployment
	pod := d.Spec.Template.Spec
	leaderElection := r.configMap.Data["LEADER_ELECT"] == "true" || slices.Contains(pod.Containers[0].Args, "--leader-elect=true")
	if !leaderElection && (d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType) {
		t.Errorf("without leader election the controller must run as exactly one replica with the Recreate strategy: replicas %v, strategy %q",
			d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if c := pod.Containers[0]; c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
		c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("the container needs a /healthz liveness probe and a /readyz readiness probe: %+v %+v", c.LivenessProbe, c.ReadinessProbe)
	}
	// With HTTPS metrics the probes must speak HTTPS too, or the pod never becomes ready.
	if c := pod.Containers[0]; r.configMap.Data["METRICS_SECURE"] == "true" && c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil &&
		c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil &&
		(c.LivenessProbe.HTTPGet.Scheme != corev1.URISchemeHTTPS || c.ReadinessProbe.HTTPGet.Scheme != corev1.URISchemeHTTPS) {
		t.Errorf("METRICS_SECURE is true but the probes use %q and %q, not HTTPS", c.LivenessProbe.HTTPGet.Scheme, c.ReadinessProbe.HTTPGet.Scheme)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil ||
		psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod securityContext must set runAsNonRoot, a non-zero runAsUser and the RuntimeDefault seccomp profile: %+v", psc)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("the container has no securityContext")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation must be false")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem must be true")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities must drop ALL and add none: %+v", sc.Capabilities)
	case sc.Privileged != nil && *sc.Privileged:
		t.Error("the container must not be privileged")
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("the container needs CPU and memory requests and a memory limit: %+v", c.Resources)
	}
	if !strings.Contains(c.Image, "baremetal-controller") {
		t.Errorf("image %q", c.Image)
	}

	// The Ironic credentials: IRONIC_AUTH_FILE must be a file of the mounted Secret.
	authFile := render(t).configMap.Data["IRONIC_AUTH_FILE"]
	var mounted bool
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil && m.ReadOnly && strings.HasPrefix(authFile, strings.TrimSuffix(m.MountPath, "/")+"/") {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("IRONIC_AUTH_FILE %q is not in a read-only Secret volume of the container", authFile)
	}
}

// TestTheDeploymentOnlyUsesSettingsTheControllerKnows compares the container's args and the
// ConfigMap's variables with what `baremetal-controller --help` lists, so a renamed flag
// breaks this test rather than the rollout.
func TestTheDeploymentOnlyUsesSettingsTheControllerKnows(t *testing.T) {
	r := render(t)
	help, _ := exec.Command(controllerBin, "--help").CombinedOutput()
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z0-9_-]+)`).FindAllStringSubmatch(string(help), -1) {
		flags[m[1]] = true
	}
	envs := map[string]bool{}
	for _, m := range regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindAllStringSubmatch(string(help), -1) {
		envs[m[1]] = true
	}
	if len(flags) == 0 || len(envs) == 0 {
		t.Fatalf("could not read flags and variables from --help:\n%s", help)
	}
	c := r.deployment.Spec.Template.Spec.Containers[0]
	for _, a := range append(slices.Clone(c.Command), c.Args...) {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && !flags[name] {
			t.Errorf("the Deployment passes %q, which baremetal-controller does not know", a)
		}
	}
	for k := range r.configMap.Data {
		if !envs[k] {
			t.Errorf("the ConfigMap sets %s, which no baremetal-controller flag reads", k)
		}
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil || ef.ConfigMapRef.Name != r.configMap.Name {
			t.Errorf("envFrom %+v is not the ConfigMap %s", ef, r.configMap.Name)
		}
	}
	if r.configMap.Data["IRONIC_ENDPOINT"] == "" {
		t.Error("the ConfigMap must set IRONIC_ENDPOINT: the controller does not start without it")
	}
}
