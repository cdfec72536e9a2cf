package ipmisim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/metalkube/metalkube/test/envtest"
)

// Options configure Start.
type Options struct {
	// Host is the loopback IPv4 address to listen on; default 127.0.0.1. Ironic spaces the IPMI
	// commands it sends to one address ([ipmi] min_command_interval) whatever the port, so BMCs
	// whose hosts should not wait for each other listen on different addresses (127.0.0.2, ...;
	// all of 127.0.0.0/8 is loopback on Linux).
	Host string
	// Username and Password are the one administrator account; default admin / password.
	Username, Password string
	// PoweredOn starts the machine powered on (default off).
	PoweredOn bool
	// Dir holds the configuration, the machine's state and ipmi_sim's log. Default: a new
	// temporary directory, removed by Stop.
	Dir string
	// StartTimeout bounds the wait for the BMC to answer (default 30 s).
	StartTimeout time.Duration
}

// BMC is a running ipmi_sim.
type BMC struct {
	host     string
	port     int
	user     string
	password string
	dir      string
	ownDir   bool
	process  *envtest.Process
}

// Start starts ipmi_sim on a free UDP port and waits until it answers "power status".
func Start(opts Options) (*BMC, error) {
	for _, tool := range []string{"ipmi_sim", "ipmitool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("ipmisim: %s is not installed (run `make tools`, which installs openipmi and ipmitool): %w", tool, err)
		}
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if addr, err := netip.ParseAddr(opts.Host); err != nil || !addr.Is4() || !addr.IsLoopback() {
		return nil, fmt.Errorf("ipmisim: Host %q is not a loopback IPv4 address", opts.Host)
	}
	if opts.Username == "" && opts.Password == "" {
		opts.Username, opts.Password = "admin", "password"
	}
	if err := checkCredential("username", opts.Username, 16); err != nil {
		return nil, err
	}
	if err := checkCredential("password", opts.Password, 20); err != nil {
		return nil, err
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	b := &BMC{host: opts.Host, user: opts.Username, password: opts.Password, dir: opts.Dir}
	if b.dir == "" {
		dir, err := os.MkdirTemp("", "metalkube-ipmisim-")
		if err != nil {
			return nil, err
		}
		b.dir, b.ownDir = dir, true
	}
	if strings.ContainsAny(b.dir, " \t\"\\") {
		b.Stop()
		return nil, fmt.Errorf("ipmisim: directory %q must not contain blanks, quotes or backslashes (ipmi_sim's config syntax)", b.dir)
	}
	if err := b.start(opts); err != nil {
		b.Stop()
		return nil, err
	}
	return b, nil
}

func checkCredential(what, s string, maxLen int) error {
	if s == "" || len(s) > maxLen {
		return fmt.Errorf("ipmisim: the %s must have 1 to %d characters", what, maxLen)
	}
	for _, c := range s {
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return fmt.Errorf("ipmisim: the %s may only hold printable ASCII without blanks, quotes or backslashes", what)
		}
	}
	return nil
}

func (b *BMC) machineDir() string { return filepath.Join(b.dir, "machine") }

func (b *BMC) start(opts Options) error {
	if err := os.MkdirAll(b.machineDir(), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(b.dir, "state"), 0o755); err != nil {
		return err
	}
	power := "0"
	if opts.PoweredOn {
		power = "1"
	}
	files := map[string]string{
		filepath.Join(b.machineDir(), "power"):       power + "\n",
		filepath.Join(b.machineDir(), "boot"):        "default\n",
		filepath.Join(b.machineDir(), "chassis.log"): "",
		filepath.Join(b.dir, "bmc.emu"):              emuCommands,
	}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(b.scriptPath(), []byte(chassisScript), 0o755); err != nil {
		return err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freeUDPPort(b.host)
		if err != nil {
			return err
		}
		b.port = port
		if err := os.WriteFile(b.confPath(), []byte(b.lanConf()), 0o644); err != nil {
			return err
		}
		p, err := envtest.StartProcess("ipmi_sim", b.dir, "ipmi_sim",
			"-c", b.confPath(), "-f", filepath.Join(b.dir, "bmc.emu"), "-s", filepath.Join(b.dir, "state"), "-n")
		if err != nil {
			return err
		}
		lastErr = envtest.WaitFor(p, opts.StartTimeout, fmt.Sprintf("ipmi_sim on udp %s", b.HostPort()), b.answers)
		if lastErr == nil {
			b.process = p
			return nil
		}
		p.Stop(2 * time.Second)
		if !p.Exited() {
			break
		}
		// Most likely another process took the port between the probe and the bind.
	}
	return fmt.Errorf("ipmisim: %w", lastErr)
}

func (b *BMC) scriptPath() string { return filepath.Join(b.dir, "chassis.sh") }
func (b *BMC) confPath() string   { return filepath.Join(b.dir, "lan.conf") }

// lanConf is ipmi_sim's configuration: one LAN channel on the BMC's address and one
// administrator, with chassis control delegated to the script.
func (b *BMC) lanConf() string {
	guid := make([]byte, 16)
	_, _ = rand.Read(guid)
	return fmt.Sprintf(`name "metalkube"
set_working_mc 0x20
  startlan 1
    addr %s %d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid %s
  endlan
  chassis_control "%s %s"
  user 2 true "%s" "%s" admin 10 none md2 md5 straight
`, b.host, b.port, hex.EncodeToString(guid), b.scriptPath(), b.machineDir(), b.user, b.password)
}

// emuCommands define the BMC's management controller (as in OpenIPMI's examples).
const emuCommands = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`

// chassisScript is ipmi_sim's chassis_control program. ipmi_sim runs it as
// "<script> <machine-dir> get power boot" (answering "power:1", "boot:pxe") and
// "<script> <machine-dir> set power 1 [boot pxe ...]". Values are replaced with mv so that a
// reader never sees a half-written file.
const chassisScript = `#!/bin/sh
dir=$1
op=$2
shift 2
put() { echo "$2" >"$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1"; }
case $op in
get)
	for p in "$@"; do
		case $p in
		power) echo "power:$(cat "$dir/power")" ;;
		boot) echo "boot:$(cat "$dir/boot")" ;;
		*) echo "Invalid parameter: $p" >&2; exit 1 ;;
		esac
	done ;;
set)
	while [ $# -ge 2 ]; do
		p=$1 v=$2
		shift 2
		case $p in
		power) put power "$v" ;;
		boot) put boot "$v" ;;
		shutdown) [ "$v" = 1 ] && put power 0 ;;
		reset) ;;
		identify) [ $# -gt 0 ] && shift ;;
		*) echo "Invalid parameter: $p" >&2; exit 1 ;;
		esac
		echo "set $p $v" >>"$dir/chassis.log"
	done ;;
*) exit 1 ;;
esac
`

func freeUDPPort(host string) (int, error) {
	c, err := net.ListenPacket("udp4", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("ipmisim: finding a free UDP port on %s: %w", host, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// answers reports whether the BMC answers "power status".
func (b *BMC) answers() bool {
	_, err := b.IPMITool("power", "status")
	return err == nil
}

// IPMITool runs ipmitool against the BMC (lanplus, cipher suite 3, one try with a 1 s timeout)
// and returns its output. The password reaches ipmitool through its environment.
func (b *BMC) IPMITool(args ...string) (string, error) {
	base := []string{"-I", "lanplus", "-C", "3", "-H", b.host, "-p", strconv.Itoa(b.port),
		"-U", b.user, "-E", "-L", "ADMINISTRATOR", "-R", "1", "-N", "1"}
	cmd := exec.Command("ipmitool", append(base, args...)...)
	cmd.Env = append(os.Environ(), "IPMI_PASSWORD="+b.password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ipmitool %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Host is the address the BMC listens on.
func (b *BMC) Host() string { return b.host }

// Port is the BMC's UDP port.
func (b *BMC) Port() int { return b.port }

// HostPort is "host:port", which is also a BMC address (a bare address means ipmi).
func (b *BMC) HostPort() string { return net.JoinHostPort(b.host, strconv.Itoa(b.port)) }

// Address is the BMC address "ipmi://host:port".
func (b *BMC) Address() string { return "ipmi://" + b.HostPort() }

// Username is the administrator's name.
func (b *BMC) Username() string { return b.user }

// Password is the administrator's password.
func (b *BMC) Password() string { return b.password }

// Dir holds the BMC's files; LogPath is ipmi_sim's own output.
func (b *BMC) Dir() string     { return b.dir }
func (b *BMC) LogPath() string { return filepath.Join(b.dir, "ipmi_sim.log") }

// PowerState is the simulated machine's power: "on" or "off" ("" if the state file cannot be
// read).
func (b *BMC) PowerState() string {
	switch b.readState("power") {
	case "1":
		return "on"
	case "0":
		return "off"
	}
	return ""
}

// BootDevice is the boot device the last request set, as ipmi_sim names it: "default" (no
// override, or disk), "pxe", "cdrom" or "bios".
func (b *BMC) BootDevice() string { return b.readState("boot") }

// ChassisLog is every chassis control request so far, oldest first, such as "set power 1",
// "set boot pxe" or "set shutdown 1".
func (b *BMC) ChassisLog() []string {
	data, err := os.ReadFile(filepath.Join(b.machineDir(), "chassis.log"))
	if err != nil {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func (b *BMC) readState(name string) string {
	data, err := os.ReadFile(filepath.Join(b.machineDir(), name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// Stop ends this BMC's ipmi_sim (and only it) and removes a temporary directory. It is safe to
// call more than once.
func (b *BMC) Stop() {
	if b == nil {
		return
	}
	if b.process != nil {
		b.process.Stop(5 * time.Second)
		b.process = nil
	}
	if b.ownDir && b.dir != "" {
		_ = os.RemoveAll(b.dir)
		b.dir = ""
	}
}

// Running reports whether ipmi_sim is still running.
func (b *BMC) Running() bool { return b.process != nil && !b.process.Exited() }
