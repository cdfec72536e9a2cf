package ironictest

import (
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// configTemplate is the ironic.conf of a standalone test Ironic. Notes on the less obvious lines:
//   - ipxe/pxe boot refuse to load without an existing [deploy] http_root;
//   - [ipmi] min_command_interval=1: the default 5 s makes each power action take 15-25 s;
//   - [redfish] use_swift=false: virtual media images are served from http_root, not Swift;
//   - [service_catalog] endpoint_override: there is no Keystone to look the API up in;
//   - [redfish] connection_attempts/connection_retry_interval: sushy retries a BMC it cannot
//     reach (or whose certificate it rejects) 5 times, 4 s apart, by default; 2 tries 1 s apart
//     make a bad BMC fail in seconds;
//   - [inspector] (Options.Inspector): ironic-inspector on loopback without Keystone. Ironic
//     refuses a loopback callback URL for the ramdisks it boots itself (managed inspection),
//     so callback_endpoint_override names an unresolvable host; the test's ramdisk posts to
//     Inspector.ContinueURL. status_check_period=1: Ironic notices a finished inspection
//     within a second instead of a minute;
//   - idrac (Options.IDRAC): only the Redfish implementations; the WSMan ones need a real iDRAC
//     and the idrac-redfish-virtual-media boot needs Dell's sushy-oem-idrac, which Debian lacks;
//   - [agent] for direct deploy through an agent (test/agentsim): image_download_source=http
//     hands the agent the image URL itself (no conductor cache); post_deploy_get_power_state_retries=0
//     because fake power still reads "power on" after the agent's soft power off, which would
//     cost 6 polls 5 s apart before the hard power off; deploy logs of failed deploys go to
//     the state directory (the default /var/log/ironic/deploy is not writable);
//   - [deploy] erase_devices_priority=0, erase_devices_metadata_priority=10: automated cleaning
//     ("metadata" in metal3) runs the agent's erase_devices_metadata step only, as metal3's
//     ironic-image configures it; fast_track=false: every deploy and cleaning boots the
//     ramdisk and waits for the agent's lookup and heartbeats;
//   - [conductor] deploy_callback_timeout and clean_callback_timeout 600 s instead of 30 min:
//     a node whose agent never calls back fails within a benchmark's lifetime.
var configTemplate = template.Must(template.New("ironic.conf").Parse(`[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = {{.Host}}
my_ip = 127.0.0.1
state_path = {{.Dir}}
debug = {{.Debug}}
use_stderr = false
log_file = {{.Dir}}/ironic.log
enabled_hardware_types = fake-hardware,ipmi,redfish,manual-management{{if .IDRAC}},idrac{{end}}
enabled_bios_interfaces = no-bios,fake,redfish{{.IDRACIface}}
enabled_boot_interfaces = fake,ipxe,pxe,redfish-virtual-media{{if .IDRAC}},idrac-redfish-virtual-media{{end}}
enabled_console_interfaces = no-console,fake
enabled_deploy_interfaces = fake,direct,ramdisk,custom-agent
enabled_inspect_interfaces = no-inspect,fake,redfish{{.IDRACIface}}{{if .InspectorURL}},inspector{{end}}
enabled_management_interfaces = fake,ipmitool,redfish,noop{{.IDRACIface}}
enabled_network_interfaces = noop
enabled_power_interfaces = fake,ipmitool,redfish{{.IDRACIface}}
enabled_raid_interfaces = no-raid,fake,redfish,agent{{.IDRACIface}}
enabled_rescue_interfaces = no-rescue,fake
enabled_storage_interfaces = noop,fake
enabled_vendor_interfaces = no-vendor,fake,ipmitool,redfish{{.IDRACIface}}
default_network_interface = noop

[api]
host_ip = 127.0.0.1
port = {{.Port}}
api_workers = 1

[conductor]
automated_clean = {{.AutomatedClean}}
sync_power_state_interval = {{.PowerSyncInterval}}
node_history = false
check_provision_state_interval = 10
deploy_callback_timeout = 600
clean_callback_timeout = 600

[agent]
image_download_source = http
post_deploy_get_power_state_retries = 0
deploy_logs_local_path = {{.Dir}}/deploy-logs
command_wait_interval = 1

[database]
connection = sqlite:///{{.Dir}}/ironic.sqlite
sqlite_synchronous = false

[deploy]
http_root = {{.Dir}}/httpboot
http_url = http://127.0.0.1:{{.Port}}/httpboot
erase_devices_priority = 0
erase_devices_metadata_priority = 10
fast_track = false

[pxe]
tftp_root = {{.Dir}}/tftpboot
instance_master_path = {{.Dir}}/master_images

[dhcp]
dhcp_provider = none

[service_catalog]
endpoint_override = http://127.0.0.1:{{.Port}}

[ipmi]
min_command_interval = 1
command_retry_timeout = 15

[redfish]
use_swift = false
connection_attempts = 2
connection_retry_interval = 1

[fake]
power_delay = {{.FakeDelay}}
boot_delay = {{.FakeDelay}}
deploy_delay = {{.FakeDelay}}
inspect_delay = {{.FakeDelay}}

[oslo_concurrency]
lock_path = {{.Dir}}/locks
{{- if .InspectorURL}}

[inspector]
auth_type = none
endpoint_override = {{.InspectorURL}}
callback_endpoint_override = {{.InspectorCallbackURL}}
status_check_period = 1
{{- end}}
`))

type configValues struct {
	Host, Dir, FakeDelay string
	Port                 int
	Debug                bool
	AutomatedClean       bool
	PowerSyncInterval    int
	IDRAC                bool
	// InspectorURL is ironic-inspector's API root ("" without Options.Inspector);
	// InspectorCallbackURL what Ironic passes its ramdisks as the callback.
	InspectorURL, InspectorCallbackURL string
}

// IDRACIface is the ",idrac-redfish" appended to the interface lists when idrac is enabled.
func (v configValues) IDRACIface() string {
	if v.IDRAC {
		return ",idrac-redfish"
	}
	return ""
}

func writeConfig(path string, v configValues) error {
	for _, d := range []string{"httpboot", "tftpboot", "master_images", "locks", "deploy-logs"} {
		if err := os.MkdirAll(filepath.Join(v.Dir, d), 0o755); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := configTemplate.Execute(f, v); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
