package ipmisim

import (
	"slices"
	"strings"
	"testing"
)

func start(t *testing.T, opts Options) *BMC {
	t.Helper()
	b, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Stop)
	return b
}

func ipmitool(t *testing.T, b *BMC, args ...string) string {
	t.Helper()
	out, err := b.IPMITool(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPowerAndBootRequestsReachTheMachine(t *testing.T) {
	b := start(t, Options{})
	if got := b.PowerState(); got != "off" {
		t.Fatalf("new machine is %q, want off", got)
	}
	if !strings.HasPrefix(b.Address(), "ipmi://127.0.0.1:") {
		t.Errorf("Address() = %q", b.Address())
	}

	ipmitool(t, b, "power", "on")
	if got := b.PowerState(); got != "on" {
		t.Errorf("after power on: %q", got)
	}
	if out := ipmitool(t, b, "power", "status"); !strings.Contains(out, "is on") {
		t.Errorf("power status after power on: %q", out)
	}
	ipmitool(t, b, "chassis", "bootdev", "pxe")
	if got := b.BootDevice(); got != "pxe" {
		t.Errorf("boot device %q, want pxe", got)
	}
	ipmitool(t, b, "power", "soft")
	if got := b.PowerState(); got != "off" {
		t.Errorf("after a graceful shutdown: %q, want off", got)
	}
	want := []string{"set power 1", "set boot pxe", "set shutdown 1"}
	if got := b.ChassisLog(); !slices.Equal(got, want) {
		t.Errorf("chassis log %q, want %q", got, want)
	}
}

func TestWrongCredentialsAreRefused(t *testing.T) {
	b := start(t, Options{Username: "root", Password: "calvin"})
	wrong := &BMC{host: b.host, port: b.port, user: "root", password: "wrong"}
	if _, err := wrong.IPMITool("power", "status"); err == nil {
		t.Error("the BMC accepted a wrong password")
	}
	ipmitool(t, b, "power", "status")
}

func TestSeveralBMCsRunAndStopIndependently(t *testing.T) {
	a := start(t, Options{})
	b := start(t, Options{Host: "127.0.0.2", PoweredOn: true})
	if a.Port() == b.Port() && a.Host() == b.Host() {
		t.Fatalf("both BMCs listen on %s", a.HostPort())
	}
	if a.PowerState() != "off" || b.PowerState() != "on" {
		t.Fatalf("power states %q and %q, want off and on", a.PowerState(), b.PowerState())
	}
	a.Stop()
	a.Stop()
	if a.Running() {
		t.Error("stopped BMC still running")
	}
	if !b.Running() {
		t.Fatal("stopping one BMC ended the other")
	}
	ipmitool(t, b, "power", "off")
	if got := b.PowerState(); got != "off" {
		t.Errorf("after power off: %q", got)
	}
}

func TestBadOptionsAreRejected(t *testing.T) {
	for name, opts := range map[string]Options{
		"a non-loopback host":    {Host: "192.0.2.1"},
		"a quote in a password":  {Username: "admin", Password: `pa"ss`},
		"an over-long user name": {Username: strings.Repeat("u", 17), Password: "x"},
	} {
		if b, err := Start(opts); err == nil {
			b.Stop()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}
