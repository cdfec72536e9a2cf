package lifecycle

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

func TestTwentyHostsCreatedAtOnceAllReachProvisioned(t *testing.T) {
	const count = 20
	before, countsBefore := sys.Transport.Total(), sys.Transport.Counts()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < count; i++ {
		name := fmt.Sprintf("many-%02d", i)
		sys.Credentials(t, name+"-bmc", "admin", "pw")
		h := framework.FakeHost(name, fmt.Sprintf("52:54:00:60:00:%02x", i))
		h.Spec.Image = framework.TestImage()
		sys.CreateHost(t, h)
	}
	durations := make([]time.Duration, count)
	for i := 0; i < count; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sys.WaitForState(t, fmt.Sprintf("many-%02d", i), metal3.StateProvisioned, 3*time.Minute)
			durations[i] = time.Since(start)
		}(i)
	}
	wg.Wait()
	t.Logf("%d hosts: all provisioned %s after creation; %d Ironic requests (%.1f per host): %v",
		count, time.Since(start).Round(10*time.Millisecond), sys.Transport.Total()-before, float64(sys.Transport.Total()-before)/count, sys.Transport.Counts())
	// Each node is written twice on the way: once when its boot port exists (extra
	// metalkube_boot_mac, see ironic.Register) and once with instance_info for the deploy.
	// Registration is not repeated because labelling the credentials Secret changed its
	// resourceVersion.
	const nodePatch = "PATCH /v1/nodes/{id}"
	if patches := sys.Transport.Counts()[nodePatch] - countsBefore[nodePatch]; patches > 2*count {
		t.Errorf("%d %s for %d hosts to provisioned, want at most two each", patches, nodePatch, count)
	}
	// Hosts waiting on their nodes learn that the nodes moved from the node feed (one list of
	// the nodes changed last, for all hosts), not by reading each node: without the feed each
	// host reads its node about 13 times on the way.
	const nodeRead = "GET /v1/nodes/{id}"
	if reads := sys.Transport.Counts()[nodeRead] - countsBefore[nodeRead]; reads > 4*count {
		t.Errorf("%d %s for %d hosts to provisioned, want at most 4 each (the node feed tells hosts their node moved)", reads, nodeRead, count)
	}
	for i := 0; i < count; i++ {
		_ = sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), fmt.Sprintf("many-%02d", i), metav1.DeleteOptions{})
	}
	for i := 0; i < count; i++ {
		sys.WaitForGone(t, fmt.Sprintf("many-%02d", i), 2*time.Minute)
	}
	t.Logf("%d hosts: provisioned, deprovisioned and deleted %s after creation", count, time.Since(start).Round(10*time.Millisecond))
}
