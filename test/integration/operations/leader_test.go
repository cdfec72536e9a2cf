package operations

import (
	"net/http"
	"testing"
	"time"
)

func TestOnlyTheLeaderActsAndAStandbyTakesOverWhenItDies(t *testing.T) {
	l := startLedger(t, ironic.URL)
	a := startReplica(t, "replica-a", l.URL)
	waitUntil(t, 60*time.Second, "replica-a to lead", a.leads)
	b := startReplica(t, "replica-b", l.URL)
	waitUntil(t, 30*time.Second, "replica-b to serve /readyz", func() bool {
		code, _ := get(t, b.metrics+"/readyz")
		return code == http.StatusOK
	})

	const hosts = 6
	createHosts(t, "failover", hosts)
	waitUntil(t, 90*time.Second, "a first host provisioned", func() bool { return provisioned(t, "failover") >= 1 })
	if b.leads() {
		t.Fatal("the standby claims leadership while the leader is alive")
	}
	if n := sum(b.scrape(t), "metal3_reconcile_total"); n != 0 {
		t.Errorf("the standby reconciled %v times while it did not lead", n)
	}
	if n := sum(a.scrape(t), "metal3_reconcile_total"); n == 0 {
		t.Error("the leader reports no reconciliations")
	}

	killed := time.Now()
	a.kill()
	waitUntil(t, leaseDuration+renewDeadline+15*time.Second, "replica-b to take over", b.leads)
	takeover := time.Since(killed)
	t.Logf("standby took over %s after the leader was killed (lease duration %s)", takeover.Round(100*time.Millisecond), leaseDuration)
	if takeover > leaseDuration+5*time.Second {
		t.Errorf("takeover took %s, more than the lease duration %s plus slack", takeover, leaseDuration)
	}

	waitUntil(t, 2*time.Minute, "every host provisioned after the failover", func() bool { return provisioned(t, "failover") == hosts })
	created := 0
	for _, n := range l.creations() {
		created += n
	}
	if created != hosts {
		t.Errorf("%d nodes created for %d hosts: registration was done twice", created, hosts)
	}
	deployed := 0
	for node, accepted := range l.snapshot() {
		if n := accepted[targetDeploy]; n != 1 {
			t.Errorf("node %s was deployed %d times", node, n)
		}
		deployed++
	}
	if deployed != hosts {
		t.Errorf("%d nodes deployed, want %d", deployed, hosts)
	}
}
