// Package ironicprov tests pkg/ironic against a real Ironic (Debian bookworm's 21.4, API 1.82)
// started by test/ironictest: the fake-hardware lifecycle from registration to deletion, an
// ipmi registration, and an Ironic outage.
package ironicprov

import (
	"fmt"
	"os"
	"testing"

	"github.com/metalkube/metalkube/test/ironictest"
)

var ironic *ironictest.Ironic

func TestMain(m *testing.M) {
	var err error
	ironic, err = ironictest.Start(ironictest.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start Ironic: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "Ironic's log: %s\n", ironic.LogPath())
	}
	ironic.Stop()
	os.Exit(code)
}
