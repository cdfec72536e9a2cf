package ironictest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/metalkube/metalkube/test/envtest"
)

// MaxMicroversion is the newest API microversion of Debian bookworm's Ironic 21.4.
const MaxMicroversion = "1.82"

// Options configure Start.
type Options struct {
	// Dir holds the config, database and log. Default: a new temporary directory, removed by Stop.
	Dir string
	// FakeDelay is the fake-hardware delay in seconds for power, boot, deploy and inspect
	// ("2" or a range "1,3"); default "0".
	FakeDelay string
	// AutomatedClean enables automated cleaning (fake-hardware cleans instantly).
	AutomatedClean bool
	// PowerSyncInterval is Ironic's power-state sync period in seconds (default 60).
	PowerSyncInterval int
	// Debug turns on Ironic's debug logging.
	Debug bool
	// StartTimeout bounds the wait for the API and drivers (default 120s).
	StartTimeout time.Duration
	// IDRAC also enables the idrac hardware type with its Redfish interface implementations
	// ("idrac-redfish" for bios, inspect, management, power, RAID and vendor, and
	// "idrac-redfish-virtual-media" boot). Start then also waits for the idrac driver.
	IDRAC bool
	// Inspector also starts a standalone ironic-inspector (see Inspector), enables Ironic's
	// "inspector" inspect interface and points Ironic's [inspector] section at it. It starts
	// alongside Ironic, so it adds little to Start's time.
	Inspector bool
	// DeployImages serves stand-in deploy ramdisk files (Ironic.DeployImages).
	DeployImages bool
	// ExtraEnv holds "KEY=VALUE" entries added to Ironic's environment.
	//
	// Ironic inherits the test's environment except REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE
	// (set on CI machines like this one): python-requests lets them override the verify
	// setting of every request sushy sends, so with them a redfish node's
	// redfish_verify_ca=false (spec.bmc.disableCertificateVerification) is ignored, and so is
	// a CA file it names. Setting them here makes Ironic trust that bundle for every HTTPS BMC,
	// and verify every certificate.
	ExtraEnv []string
}

// Ironic is a running standalone Ironic.
type Ironic struct {
	Dir string
	// URL is the API root without /v1, e.g. http://127.0.0.1:40123.
	URL  string
	Port int
	// Inspector is the ironic-inspector next to this Ironic (nil without Options.Inspector).
	Inspector *Inspector
	// DeployImages are the stand-in deploy ramdisk files (nil without Options.DeployImages).
	DeployImages *DeployImages
	opts         Options
	process      *envtest.Process
	ownDir       bool
}

// Start writes a config, creates the database from a cached schema, starts `ironic` and
// waits until the conductor has registered the fake-hardware driver.
func Start(opts Options) (*Ironic, error) {
	if _, err := exec.LookPath("ironic"); err != nil {
		return nil, fmt.Errorf("ironic is not installed (run `make tools`, which runs hack/install-ironic.sh): %w", err)
	}
	if opts.FakeDelay == "" {
		opts.FakeDelay = "0"
	}
	if opts.PowerSyncInterval == 0 {
		opts.PowerSyncInterval = 60
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 120 * time.Second
	}
	i := &Ironic{Dir: opts.Dir, opts: opts}
	if i.Dir == "" {
		dir, err := os.MkdirTemp("", "metalkube-ironic-")
		if err != nil {
			return nil, err
		}
		i.Dir, i.ownDir = dir, true
	}
	if opts.Inspector {
		if _, err := exec.LookPath("ironic-inspector"); err != nil {
			i.Stop()
			return nil, fmt.Errorf("ironic-inspector is not installed (run `make tools`, which runs hack/install-ironic.sh): %w", err)
		}
		s, err := newInspector(i.Dir)
		if err != nil {
			i.Stop()
			return nil, err
		}
		i.Inspector = s
	}
	if opts.DeployImages {
		i.DeployImages = startDeployImages()
	}
	if err := i.start(); err != nil {
		i.Stop()
		return nil, err
	}
	return i, nil
}

func (i *Ironic) confPath() string { return filepath.Join(i.Dir, "ironic.conf") }
func (i *Ironic) dbPath() string   { return filepath.Join(i.Dir, "ironic.sqlite") }

func (i *Ironic) start() error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := i.Port
		if port == 0 || attempt > 0 {
			p, err := envtest.FreePort()
			if err != nil {
				return err
			}
			port = p
		}
		i.Port = port
		i.URL = fmt.Sprintf("http://127.0.0.1:%d", port)
		values := configValues{
			Host: fmt.Sprintf("ironic-%d", port), Dir: i.Dir, Port: port, FakeDelay: i.opts.FakeDelay,
			Debug: i.opts.Debug, AutomatedClean: i.opts.AutomatedClean, PowerSyncInterval: i.opts.PowerSyncInterval,
			IDRAC: i.opts.IDRAC,
		}
		if i.Inspector != nil {
			values.InspectorURL, values.InspectorCallbackURL = i.Inspector.URL, i.Inspector.callbackRoot()
		}
		err := writeConfig(i.confPath(), values)
		if err != nil {
			return err
		}
		if _, err := os.Stat(i.dbPath()); os.IsNotExist(err) {
			if err := createDatabase(i.confPath(), i.dbPath()); err != nil {
				return err
			}
		}
		env, err := i.envArgs()
		if err != nil {
			return err
		}
		// envtest.StartProcess passes on the test's environment; env(1) edits it and execs
		// ironic in place, so the process (group) to stop stays the same.
		args := append(env, "ironic", "--config-file", i.confPath())
		p, err := envtest.StartProcess("ironic", i.Dir, "env", args...)
		if err != nil {
			return err
		}
		if err := i.launchInspector(); err != nil {
			p.Stop(5 * time.Second)
			return err
		}
		if lastErr = envtest.WaitFor(p, i.opts.StartTimeout, "ironic drivers", i.driversListed); lastErr == nil {
			i.process = p
			if i.Inspector != nil {
				return i.Inspector.wait(i.opts.StartTimeout)
			}
			return nil
		}
		p.Stop(5 * time.Second)
		lastErr = fmt.Errorf("%w\nironic.log:\n%s", lastErr, tailFile(filepath.Join(i.Dir, "ironic.log"), 3000))
		if !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	return fmt.Errorf("starting ironic: %w", lastErr)
}

// launchInspector starts the inspector (Options.Inspector) for the Ironic on i.URL, in
// parallel with Ironic's own start-up; one started for another port is replaced.
func (i *Ironic) launchInspector() error {
	s := i.Inspector
	if s == nil || (s.Running() && s.ironicURL == i.URL) {
		return nil
	}
	s.stop()
	return s.launch(i.URL, i.opts.Debug)
}

// envArgs are env(1)'s arguments for Ironic's environment; see Options.ExtraEnv.
func (i *Ironic) envArgs() ([]string, error) {
	args := []string{"-u", "REQUESTS_CA_BUNDLE", "-u", "CURL_CA_BUNDLE"}
	for _, kv := range i.opts.ExtraEnv {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.HasPrefix(k, "-") {
			return nil, fmt.Errorf("ironictest: ExtraEnv entry %q is not KEY=VALUE", kv)
		}
		args = append(args, kv)
	}
	return args, nil
}

// driversListed reports whether GET /v1/drivers lists fake-hardware (and idrac when enabled):
// the API is up and the conductor has registered its hardware types.
func (i *Ironic) driversListed() bool {
	req, _ := http.NewRequest(http.MethodGet, i.URL+"/v1/drivers", nil)
	req.Header.Set("X-OpenStack-Ironic-API-Version", MaxMicroversion)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Drivers []struct{ Name string } `json:"drivers"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return false
	}
	want := map[string]bool{"fake-hardware": true}
	if i.opts.IDRAC {
		want["idrac"] = true
	}
	for _, d := range body.Drivers {
		delete(want, d.Name)
	}
	return len(want) == 0
}

// Endpoint is the URL gophercloud's noauth client wants: the API root with /v1.
func (i *Ironic) Endpoint() string { return i.URL + "/v1" }

// LogPath is Ironic's own log file.
func (i *Ironic) LogPath() string { return filepath.Join(i.Dir, "ironic.log") }

// Stop ends the Ironic process (and any ipmitool it spawned) and removes a temporary directory.
func (i *Ironic) Stop() {
	if i == nil {
		return
	}
	i.process.Stop(10 * time.Second)
	i.process = nil
	i.Inspector.stop()
	i.DeployImages.close()
	if i.ownDir {
		_ = os.RemoveAll(i.Dir)
	}
}

// Restart stops Ironic and starts it again on the same port with the same database.
func (i *Ironic) Restart() error {
	i.process.Stop(10 * time.Second)
	i.process = nil
	return i.start()
}

// RestartEmpty stops Ironic, deletes its database and starts it again on the same port: an
// Ironic that lost everything it knew.
func (i *Ironic) RestartEmpty() error {
	i.process.Stop(10 * time.Second)
	i.process = nil
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(i.dbPath() + suffix)
	}
	return i.start()
}

// Kill stops Ironic without a restart, as an outage.
func (i *Ironic) Kill() {
	i.process.Stop(10 * time.Second)
	i.process = nil
}

// Running reports whether the process is alive.
func (i *Ironic) Running() bool { return i.process != nil && !i.process.Exited() }

func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	data, _ := io.ReadAll(f)
	return string(data)
}
