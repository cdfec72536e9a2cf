// Package agent tests the in-band flows end to end: the host controller, a real kube-apiserver,
// a real Ironic and a real ironic-inspector, with fake-agent:// hosts (fake-hardware with the
// direct deploy interface) whose ramdisk is test/agentsim. Hosts are inspected in band (the
// agent posts its inventory to ironic-inspector), cleaned and deployed through the agent, which
// downloads the images these tests serve, checks their checksums and reads the config drive
// Ironic built.
package agent

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/metalkube/metalkube/test/agentsim"
	"github.com/metalkube/metalkube/test/framework"
	"github.com/metalkube/metalkube/test/ironictest"
)

var (
	sys   *framework.System
	agent *agentsim.Agent
)

func TestMain(m *testing.M) {
	var err error
	sys, err = framework.Start(framework.Options{Workers: 4, NodePollInterval: time.Second,
		Ironic: ironictest.Options{Inspector: true, DeployImages: true}})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the test system: %v\n", err)
		os.Exit(1)
	}
	agent, err = agentsim.Start(agentsim.Options{
		IronicURL: sys.Ironic.URL, InspectorURL: sys.Ironic.Inspector.URL, Logf: logf, PollInterval: 300 * time.Millisecond, HeartbeatInterval: time.Second,
	})
	if err != nil {
		sys.Stop()
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the agent simulator: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if code != 0 && os.Getenv("AGENT_KEEP_LOG") != "" {
		_ = exec.Command("cp", sys.Ironic.LogPath(), os.Getenv("AGENT_KEEP_LOG")).Run()
	}
	agent.Stop()
	sys.Stop()
	os.Exit(code)
}

// logf writes the agent's log lines when AGENT_LOG is set.
func logf(format string, args ...any) {
	if os.Getenv("AGENT_LOG") != "" {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}
}
