package ironictest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"text/template"
	"time"

	"github.com/metalkube/metalkube/test/envtest"
)

// Inspector is a standalone ironic-inspector started next to an Ironic (Options.Inspector):
// Debian's all-in-one `ironic-inspector` (API and conductor in one process), noauth, sqlite,
// no PXE filter, introspection data stored in its database, talking to the Ironic without
// Keystone.
type Inspector struct {
	// URL is the API root without /v1, e.g. http://127.0.0.1:40124.
	URL     string
	Port    int
	dir     string
	process *envtest.Process
	// ironicURL is the Ironic the running process talks to.
	ironicURL string
}

// inspectorConfig is the inspector.conf of a test ironic-inspector. Notes:
//   - standalone with transport_url fake://: the API and the conductor share one process and
//     talk in memory (the default transport is RabbitMQ, which makes every call hang);
//   - introspection_delay 0: the default waits 5 s between nodes whose boot it manages;
//   - [pxe_filter] driver noop: there is no dnsmasq or iptables to program;
//   - [processing] store_data database: GET /v1/introspection/{uuid}/data answers, and Ironic
//     copies the processed data into its own database (GET /v1/nodes/{id}/inventory);
//   - [ironic] auth_type none with endpoint_override: Ironic runs with noauth.
var inspectorConfig = template.Must(template.New("inspector.conf").Parse(`[DEFAULT]
auth_strategy = noauth
standalone = true
transport_url = fake://
listen_address = 127.0.0.1
listen_port = {{.Port}}
host = {{.Host}}
debug = {{.Debug}}
use_stderr = false
log_file = {{.Dir}}/inspector.log
introspection_delay = 0
rootwrap_config = /etc/ironic-inspector/rootwrap.conf

[database]
connection = sqlite:///{{.Dir}}/inspector.sqlite
sqlite_synchronous = false

[ironic]
auth_type = none
endpoint_override = {{.IronicURL}}

[pxe_filter]
driver = noop

[processing]
store_data = database
ramdisk_logs_dir = {{.Dir}}/ramdisk-logs

[oslo_concurrency]
lock_path = {{.Dir}}/locks
`))

type inspectorValues struct {
	Host, Dir, IronicURL string
	Port                 int
	Debug                bool
}

// newInspector reserves a port for an inspector living in dir/inspector.
func newInspector(ironicDir string) (*Inspector, error) {
	port, err := envtest.FreePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(ironicDir, "inspector")
	if err := os.MkdirAll(filepath.Join(dir, "locks"), 0o755); err != nil {
		return nil, err
	}
	return &Inspector{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, dir: dir}, nil
}

// callbackRoot is Ironic's [inspector] callback_endpoint_override (see configTemplate): never
// reachable. Ironic appends /v1/continue and passes it to the ramdisks it boots.
func (s *Inspector) callbackRoot() string {
	return fmt.Sprintf("http://ironic-inspector.invalid:%d", s.Port)
}

// ContinueURL is where a ramdisk posts its inspection data: POST /v1/continue.
func (s *Inspector) ContinueURL() string { return s.URL + "/v1/continue" }

// LogPath is the inspector's own log file.
func (s *Inspector) LogPath() string { return filepath.Join(s.dir, "inspector.log") }

func (s *Inspector) confPath() string { return filepath.Join(s.dir, "inspector.conf") }

// launch writes the config for the Ironic at ironicURL, creates the database and starts the
// process without waiting for it (see wait).
func (s *Inspector) launch(ironicURL string, debug bool) error {
	f, err := os.Create(s.confPath())
	if err != nil {
		return err
	}
	err = inspectorConfig.Execute(f, inspectorValues{
		Host: fmt.Sprintf("inspector-%d", s.Port), Dir: s.dir, IronicURL: ironicURL, Port: s.Port, Debug: debug,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", s.confPath(), err)
	}
	db := filepath.Join(s.dir, "inspector.sqlite")
	if _, err := os.Stat(db); os.IsNotExist(err) {
		// `ironic-inspector-dbsync upgrade` runs every migration: ~8 s. Once per version.
		template, err := cachedSchema("ironic-inspector-schema", "python3-ironic-inspector", s.confPath(), "inspector.sqlite",
			func(conf string) error {
				if out, err := exec.Command("ironic-inspector-dbsync", "--config-file", conf, "upgrade").CombinedOutput(); err != nil {
					return fmt.Errorf("ironic-inspector-dbsync upgrade: %w: %s", err, out)
				}
				return nil
			})
		if err != nil {
			return err
		}
		if err := copyFile(template, db); err != nil {
			return err
		}
	}
	p, err := envtest.StartProcess("ironic-inspector", s.dir, "env", "-u", "REQUESTS_CA_BUNDLE", "-u", "CURL_CA_BUNDLE",
		"ironic-inspector", "--config-file", s.confPath())
	if err != nil {
		return err
	}
	s.process, s.ironicURL = p, ironicURL
	return nil
}

// wait blocks until the API answers GET /v1/introspection.
func (s *Inspector) wait(timeout time.Duration) error {
	err := envtest.WaitFor(s.process, timeout, "ironic-inspector API", func() bool {
		resp, err := http.Get(s.URL + "/v1/introspection")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Introspection []json.RawMessage `json:"introspection"`
		}
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil
	})
	if err != nil {
		return fmt.Errorf("starting ironic-inspector: %w\ninspector.log:\n%s", err, tailFile(s.LogPath(), 3000))
	}
	return nil
}

func (s *Inspector) stop() {
	if s == nil || s.process == nil {
		return
	}
	s.process.Stop(5 * time.Second)
	s.process = nil
}

// Running reports whether the inspector process is alive.
func (s *Inspector) Running() bool { return s != nil && s.process != nil && !s.process.Exited() }

// IntrospectionData reads what the inspector stored for a node: GET
// /v1/introspection/{uuid}/data (processed data: inventory, root_disk, all_interfaces, ...).
func (s *Inspector) IntrospectionData(uuid string) (map[string]any, error) {
	resp, err := http.Get(s.URL + "/v1/introspection/" + uuid + "/data")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET introspection data of %s: HTTP %d", uuid, resp.StatusCode)
	}
	var data map[string]any
	return data, json.NewDecoder(resp.Body).Decode(&data)
}
