package bmc

import (
	"fmt"
	"slices"
	"testing"
	"time"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// TestAnIPMIHostsPowerFollowsOnlineThroughIPMISim drives an ipmi:// host's power through
// spec.online and an Ironic-level reboot, and checks each change on the machine behind
// ipmi_sim and in status.poweredOn.
func TestAnIPMIHostsPowerFollowsOnlineThroughIPMISim(t *testing.T) {
	t.Parallel()
	const name = "ipmi-power"
	b := startIPMI(t)
	start := time.Now()
	createHost(t, name, b.Address(), bootMAC(), b.Username(), b.Password())
	h := sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
	elapsed(t, "created to available", start)
	if h.Status.PoweredOn || b.PowerState() != "off" {
		t.Fatalf("offline host: status.poweredOn %v, machine %q", h.Status.PoweredOn, b.PowerState())
	}
	if h.Status.GoodCredentials.Reference == nil {
		t.Errorf("available host without good credentials: %+v", h.Status.GoodCredentials)
	}

	step := time.Now()
	setOnline(t, name, true)
	waitPoweredOn(t, name, true)
	if got := b.PowerState(); got != "on" {
		t.Errorf("status.poweredOn is true, but the machine is %q", got)
	}
	elapsed(t, "online=true to poweredOn", step)

	step = time.Now()
	setOnline(t, name, false)
	waitPoweredOn(t, name, false)
	if got := b.PowerState(); got != "off" {
		t.Errorf("status.poweredOn is false, but the machine is %q", got)
	}
	// The controller asks for a soft power off: ipmitool "power soft", an ACPI shutdown.
	if log := b.ChassisLog(); !slices.Contains(log, "set shutdown 1") {
		t.Errorf("power off did not reach the machine as a graceful shutdown; chassis log %q", log)
	}
	elapsed(t, "online=false to powered off", step)

	setOnline(t, name, true)
	h = waitPoweredOn(t, name, true)
	waitNodeStable(t, h)

	// An Ironic-level reboot: ipmitool powers the machine off, then on.
	step = time.Now()
	before := len(b.ChassisLog())
	reboot(t, h)
	eventually(t, powerTimeout, "the reboot to reach the machine", func() (bool, string) {
		log := b.ChassisLog()[before:]
		off := slices.Index(log, "set power 0")
		return off >= 0 && slices.Contains(log[off:], "set power 1") && b.PowerState() == "on",
			fmt.Sprintf("chassis log since the reboot %q, machine %q", log, b.PowerState())
	})
	n := waitNodeStable(t, h)
	if n.PowerState != "power on" || n.LastError != "" {
		t.Errorf("after the reboot Ironic reports %q, last error %q", n.PowerState, n.LastError)
	}
	waitPoweredOn(t, name, true)
	elapsed(t, "reboot", step)
}

// TestARedfishHostsPowerFollowsOnlineThroughTheSimulator does the same for a redfish host: the
// resets Ironic sends show in the simulator's reset history.
func TestARedfishHostsPowerFollowsOnlineThroughTheSimulator(t *testing.T) {
	t.Parallel()
	const name = "redfish-power"
	sim := redfishHTTPS
	id, macs := redfishSystem(t, sim)
	start := time.Now()
	createHost(t, name, redfishAddress("redfish", sim, id), macs[0], redfishUser, redfishPassword, skipVerification)
	h := sys.WaitForState(t, name, metal3.StateAvailable, registerTimeout)
	elapsed(t, "created to available (with inspection)", start)
	if h.Status.PoweredOn || sim.PowerState(id) != "Off" {
		t.Fatalf("offline host: status.poweredOn %v, system %q", h.Status.PoweredOn, sim.PowerState(id))
	}

	step := time.Now()
	setOnline(t, name, true)
	waitPoweredOn(t, name, true)
	if got := sim.PowerState(id); got != "On" {
		t.Errorf("status.poweredOn is true, but the system is %q", got)
	}
	elapsed(t, "online=true to poweredOn", step)

	step = time.Now()
	setOnline(t, name, false)
	waitPoweredOn(t, name, false)
	if got := sim.PowerState(id); got != "Off" {
		t.Errorf("status.poweredOn is false, but the system is %q", got)
	}
	if got := sim.ResetHistory(id); !slices.Contains(got, "GracefulShutdown") {
		t.Errorf("the soft power off did not reach the system as GracefulShutdown; resets %q", got)
	}
	elapsed(t, "online=false to powered off", step)

	setOnline(t, name, true)
	h = waitPoweredOn(t, name, true)
	waitNodeStable(t, h)

	// Ironic 21.4's redfish hard reboot of a powered-on system is two resets, ForceOff then
	// On, not one ForceRestart.
	step = time.Now()
	before := len(sim.ResetHistory(id))
	reboot(t, h)
	eventually(t, powerTimeout, "the reboot to reach the system", func() (bool, string) {
		resets := sim.ResetHistory(id)[before:]
		off := slices.Index(resets, "ForceOff")
		return off >= 0 && slices.Contains(resets[off:], "On"), fmt.Sprintf("resets since the reboot %q", resets)
	})
	n := waitNodeStable(t, h)
	if n.PowerState != "power on" || n.LastError != "" || sim.PowerState(id) != "On" {
		t.Errorf("after the reboot Ironic reports %q (last error %q), the system %q", n.PowerState, n.LastError, sim.PowerState(id))
	}
	waitPoweredOn(t, name, true)
	elapsed(t, "reboot", step)
}
