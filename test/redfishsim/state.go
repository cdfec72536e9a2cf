package redfishsim

import (
	"crypto/sha1"
	"fmt"
	"maps"
	"time"
)

const (
	powerOn  = "On"
	powerOff = "Off"
)

// Hardware every simulated system reports.
const (
	manufacturer   = "MetalKube"
	model          = "Redfish Simulator"
	memoryGiB      = 16
	cpuCores       = 4
	cpuThreads     = 8
	cpuSpeedMHz    = 3000
	cpuModel       = "Simulated x86-64 CPU"
	diskBytes      = 100 << 30
	diskBlockBytes = 512
)

// defaultBIOS is the factory BIOS configuration (see Bios.ResetBios).
var defaultBIOS = map[string]any{
	"BootMode":           "Uefi",
	"ProcVirtualization": "Enabled",
	"ProcHyperthreading": "Enabled",
	"EmbeddedSata":       "Ahci",
	"NicBoot1":           "NetworkBoot",
	"SerialConsole":      "Disabled",
	"PowerOnDelaySec":    0,
}

// system is the state of one ComputerSystem together with its Manager
// (virtual media) and Chassis. It is guarded by Simulator.mu.
type system struct {
	index        int
	id           string
	uuid         string
	serial       string
	power        string
	resetHistory []string
	pending      *pendingPower

	bootTarget  string
	bootEnabled string
	bootMode    string
	systemLED   string
	chassisLED  string

	macs []string

	bios        map[string]any // current attributes
	biosPending map[string]any // applied at the next boot

	secureBootEnable  bool // requested
	secureBootCurrent bool // in effect since the last boot

	media virtualMedia // the manager's "Cd" device
}

// virtualMedia is the state of a VirtualMedia device.
type virtualMedia struct {
	image            string
	inserted         bool
	writeProtected   bool
	transferMethod   string
	transferProtocol string
	userName         string
}

// pendingPower is a reset whose effect waits for Options.PowerDelay.
type pendingPower struct {
	timer *time.Timer
	state string
	boots bool
}

func newSystem(index int) *system {
	id := fmt.Sprintf("sys-%d", index)
	return &system{
		index:       index,
		id:          id,
		uuid:        nameUUID("system/" + id),
		serial:      fmt.Sprintf("RFSIM%05d", index),
		power:       powerOff,
		bootTarget:  "None",
		bootEnabled: "Disabled",
		bootMode:    "UEFI",
		systemLED:   "Off",
		chassisLED:  "Off",
		macs:        []string{defaultMAC(index)},
		bios:        maps.Clone(defaultBIOS),
		biosPending: map[string]any{},
		media:       virtualMedia{writeProtected: true},
	}
}

// defaultMAC returns 52:54:00 followed by the 24-bit index.
func defaultMAC(index int) string {
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", (index>>16)&0xff, (index>>8)&0xff, index&0xff)
}

// nameUUID returns a stable, RFC 4122 version 5 style UUID for a name.
func nameUUID(name string) string {
	h := sha1.Sum([]byte("metalkube-redfishsim/" + name))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// Reset types, as advertised in ResetType@Redfish.AllowableValues.
var resetTypes = []string{
	"On", "ForceOff", "GracefulShutdown", "GracefulRestart",
	"ForceRestart", "Nmi", "ForceOn", "PushPowerButton",
}

// resetOutcome returns the power state a reset leads to from the current
// state, and whether the system boots (powers on or restarts).
func resetOutcome(current, resetType string) (state string, boots bool) {
	switch resetType {
	case "On", "ForceOn":
		return powerOn, current != powerOn
	case "ForceOff", "GracefulShutdown":
		return powerOff, false
	case "ForceRestart", "GracefulRestart":
		return powerOn, true
	case "PushPowerButton":
		if current == powerOn {
			return powerOff, false
		}
		return powerOn, true
	default: // Nmi
		return current, false
	}
}

// eventualPower is the power state once a pending reset has taken effect.
func (sys *system) eventualPower() string {
	if sys.pending != nil {
		return sys.pending.state
	}
	return sys.power
}

func (sys *system) cancelPendingPower() {
	if sys.pending != nil {
		sys.pending.timer.Stop()
		sys.pending = nil
	}
}

func (sys *system) applyPower(state string, boots bool) {
	sys.power = state
	if boots {
		sys.boot()
	}
}

// boot applies what a real system does when it starts: a one-time boot
// override is consumed, pending BIOS settings and the secure boot setting
// take effect.
func (sys *system) boot() {
	if sys.bootEnabled == "Once" {
		sys.bootEnabled = "Disabled"
	}
	maps.Copy(sys.bios, sys.biosPending)
	clear(sys.biosPending)
	sys.secureBootCurrent = sys.secureBootEnable
}
