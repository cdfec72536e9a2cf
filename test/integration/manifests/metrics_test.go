package manifests

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// freeAddress is a loopback address with a port free right now.
func freeAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// checkMetricsEndpoint scrapes the controller the manifests configured, after the lifecycle:
// over HTTPS, /healthz and /readyz answer anyone; /metrics answers 401 without a valid token,
// 403 to a ServiceAccount not bound to the metrics-reader ClusterRole, and 200 to one bound to
// it, with metal3's series and labels from the lifecycle.
func checkMetricsEndpoint(t *testing.T, ctx context.Context, r *rendered, base string) {
	if r.configMap.Data["METRICS_SECURE"] != "true" || !strings.HasPrefix(base, "https://") {
		t.Fatalf("the manifests must serve metrics over HTTPS with METRICS_SECURE=true, not %q at %s", r.configMap.Data["METRICS_SECURE"], base)
	}
	want := []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}
	if !slices.EqualFunc(r.metricsReader.Rules, want, func(a, b rbacv1.PolicyRule) bool {
		return slices.Equal(a.NonResourceURLs, b.NonResourceURLs) && slices.Equal(a.Verbs, b.Verbs) && len(a.Resources) == 0
	}) {
		t.Errorf("%s rules %+v, want only get on /metrics", metricsReaderRole, r.metricsReader.Rules)
	}
	// The certificate is self-signed, generated at start.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(p, ""); code != http.StatusOK {
			t.Errorf("%s without a token: %d %s", p, code, body)
		}
	}

	reader := scraperToken(t, ctx, "metrics-scraper", true)
	stranger := scraperToken(t, ctx, "not-a-scraper", false)
	for _, tc := range []struct {
		who, token string
		code       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"an invalid token", "not-a-token", http.StatusUnauthorized},
		{"a ServiceAccount without the role", stranger, http.StatusForbidden},
		{"a ServiceAccount bound to " + metricsReaderRole, reader, http.StatusOK},
		{"the same again (a cached decision)", reader, http.StatusOK},
	} {
		if code, _ := get("/metrics", tc.token); code != tc.code {
			t.Errorf("/metrics for %s: %d, want %d", tc.who, code, tc.code)
		}
	}

	_, body := get("/metrics", reader)
	series := parseExposition(body)
	ns := `namespace="` + lifecycleNamespace + `"`
	for _, c := range []struct {
		name string
		min  float64
	}{
		{`metal3_reconcile_total{host="host",` + ns + `}`, 1},
		{`metal3_reconcile_total{host="worker-host",` + ns + `}`, 1},
		{`metal3_provisioning_state_change_total{new_state="registering",prev_state=""}`, 2},
		{`metal3_provisioning_state_change_total{new_state="provisioned",prev_state="provisioning"}`, 2},
		{`metal3_provisioning_state_change_total{new_state="available",prev_state="deprovisioning"}`, 1},
		{`metal3_operation_power_change_total{host="host",` + ns + `,on_off="off"}`, 2},
		{`metal3_operation_power_change_total{host="host",` + ns + `,on_off="on"}`, 2},
		{`metal3_operation_register_duration_seconds_count{host="host",` + ns + `}`, 1},
		{`metal3_operation_inspect_duration_seconds_count{host="host",` + ns + `}`, 1},
		{`metal3_operation_provision_duration_seconds_count{host="worker-host",` + ns + `}`, 1},
		{`metal3_operation_deprovision_duration_seconds_count{host="worker-host",` + ns + `}`, 1},
		{`metal3_operation_inspect_duration_seconds_bucket{host="host",` + ns + `,le="+Inf"}`, 1},
		{`metal3_host_registration_required_total`, 2},
		{`metal3_credentials_updated_total`, 2},
		{`metalkube_reconcile_total{controller="baremetalhost",result="success"}`, 1},
	} {
		if v, ok := series[c.name]; !ok || v < c.min {
			t.Errorf("%s = %v (present %v), want at least %v", c.name, v, ok, c.min)
		}
	}
	// metal3's slow-operation buckets.
	if _, ok := series[`metal3_operation_inspect_duration_seconds_bucket{host="host",`+ns+`,le="1440"}`]; !ok {
		t.Error("metal3_operation_inspect_duration_seconds lacks metal3's 1440 s bucket")
	}
	// Counters without labels exist from the start, as in metal3.
	for _, name := range []string{"metal3_reconcile_error_total", "metal3_credentials_missing_total", "metal3_credentials_invalid_total",
		"metal3_credentials_unhandled_error_total", "metal3_credentials_no_management_access_total", "metal3_host_unmanaged_total",
		"metal3_delete_without_deprovisioning_total", "metal3_provisioner_not_ready_total", "metal3_delete_delayed_for_detached_total"} {
		if _, ok := series[name]; !ok {
			t.Errorf("no series %s", name)
		}
	}
	if t.Failed() {
		t.Logf("scraped:\n%s", tail(body, 8000))
	}
}

// scraperToken creates a ServiceAccount (bound to the metrics-reader ClusterRole when bound is
// true) and returns a token of it from the TokenRequest API.
func scraperToken(t *testing.T, ctx context.Context, name string, bound bool) string {
	t.Helper()
	const ns = "default"
	if _, err := env.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if bound {
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: metricsReaderRole},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}},
		}
		if _, err := env.Kube.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := env.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Status.Token
}

// parseExposition maps `name{labels}` (as the text format writes them) to the value.
func parseExposition(body string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// checkDeletedHostsSeriesGone scrapes again once both hosts are deleted: their per-host series
// (labelled namespace and host) are gone, while the series without a host stay.
func checkDeletedHostsSeriesGone(t *testing.T, ctx context.Context, base string) {
	reader := scraperToken(t, ctx, "metrics-scraper-after-delete", true)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+reader)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, raw)
	}
	ns := `namespace="` + lifecycleNamespace + `"`
	for name := range parseExposition(string(raw)) {
		if strings.HasPrefix(name, "metal3_") && strings.Contains(name, ns) {
			t.Errorf("a deleted host's series is still served: %s", name)
		}
	}
	if v := parseExposition(string(raw))[`metal3_provisioning_state_change_total{new_state="provisioned",prev_state="provisioning"}`]; v < 2 {
		t.Errorf("the state change series without a host lost its count: %v", v)
	}
}
