package operations

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMetricsAndHealthMoveDuringALifecycle(t *testing.T) {
	r := startReplica(t, "metrics", startLedger(t, ironic.URL).URL)
	waitUntil(t, 60*time.Second, "leadership", r.leads)
	waitUntil(t, 30*time.Second, "/readyz", func() bool { code, _ := get(t, r.metrics+"/readyz"); return code == http.StatusOK })
	if code, body := get(t, r.metrics+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("/healthz answered %d %q", code, body)
	}
	before := r.scrape(t)
	const hosts = 3
	createHosts(t, "scraped", hosts)
	waitUntil(t, 2*time.Minute, "hosts provisioned", func() bool { return provisioned(t, "scraped") == hosts })
	waitUntil(t, 10*time.Second, "the provisioned gauge", func() bool {
		return sum(r.scrape(t), `metal3_host_provisioning_state{provisioning_state="provisioned"}`) >= hosts
	})
	after := r.scrape(t)

	for _, series := range [][]string{
		{"metalkube_reconcile_total", `result="success"`},
		{"metalkube_reconcile_duration_seconds_count"},
		{"metal3_reconcile_total", `host="scraped-0"`, `namespace="default"`},
		{"metal3_provisioning_state_change_total", `prev_state="provisioning"`, `new_state="provisioned"`},
		{`workqueue_adds_total{name="baremetalhost"}`},
		{`ironic_requests_total{`, `PUT /v1/nodes/{node}/states/provision`, `code="202"`},
		{`ironic_request_duration_seconds_count`},
		{"metal3_operation_provision_duration_seconds_count"},
		{"metal3_operation_register_duration_seconds_count"},
	} {
		if d := sum(after, series...) - sum(before, series...); d <= 0 {
			t.Errorf("series %s did not move (before %v, after %v)", strings.Join(series, " "), sum(before, series...), sum(after, series...))
		}
	}
	if v := sum(after, "process_resident_memory_bytes"); v == 0 {
		t.Error("no process metrics")
	}

	// /readyz follows Ironic: down while Ironic is down (after its cache expires), up again after.
	ironic.Kill()
	defer func() {
		if !ironic.Running() {
			_ = ironic.Restart()
		}
	}()
	waitUntil(t, 40*time.Second, "/readyz to fail without Ironic", func() bool {
		code, _ := get(t, r.metrics+"/readyz")
		return code == http.StatusServiceUnavailable
	})
	if err := ironic.Restart(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 40*time.Second, "/readyz to recover", func() bool { code, _ := get(t, r.metrics+"/readyz"); return code == http.StatusOK })
}
