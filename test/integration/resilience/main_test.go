// Package resilience tests what the host controller costs and survives over time, end to end
// against a real kube-apiserver and a real Ironic (fake-hardware): an Ironic that comes back
// with an empty database, and the Ironic requests of hosts that have nothing to do.
//
// The tests share one system and run one after the other, because both measure: the recovery
// time of a set of hosts, and the requests per minute of idle ones. The database test deletes
// its hosts; the idle test, the last, leaves its 100 to the system's Stop.
package resilience

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/metalkube/metalkube/test/framework"
)

// nodePollInterval is the shared node poll's period: long enough that an idle minute holds
// only a few polls, short enough that a lost database is noticed within the test's time.
const nodePollInterval = 15 * time.Second

var sys *framework.System

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 8, NodePollInterval: nodePollInterval})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	sys.Stop()
	os.Exit(code)
}
