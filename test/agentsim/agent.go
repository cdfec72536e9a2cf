package agentsim

import (
	"context"
	"errors"
	"fmt"
	"github.com/metalkube/metalkube/test/agentsim/inventory"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Version is the ironic-python-agent version the simulated agent reports (the release that
// goes with Ironic 21.4, OpenStack 2023.1).
const Version = "9.4.1"

// Options configure Start.
type Options struct {
	// IronicURL is Ironic's API root without /v1 (required).
	IronicURL string
	// ListenAddress is where the agent API listens (default 127.0.0.1:0). Each node's
	// callback_url is this listener's URL with the node's UUID as path prefix.
	ListenAddress string
	// Drivers are the hardware types whose direct-deploy nodes the agent boots for when Ironic
	// waits for an agent (default fake-hardware). Only fake-hardware is tested: other types
	// also need a deploy ramdisk in their driver_info before Ironic gets that far.
	Drivers []string
	// PollInterval is how often Ironic's node list is read (default 1s).
	PollInterval time.Duration
	// HeartbeatInterval is how often a running agent heartbeats (default 2s). An agent also
	// heartbeats shortly after each asynchronous command finishes, as IPA does, so Ironic
	// moves on at once; the periodic heartbeat only matters when Ironic skipped one (the node
	// was locked). With many nodes waiting at once, a longer interval spares Ironic.
	HeartbeatInterval time.Duration
	// Workers is the number of goroutines doing lookups and heartbeats (default 8).
	Workers int
	// MaxDownloads bounds concurrent image downloads (default 16).
	MaxDownloads int
	// HTTPClient talks to Ironic and image servers (default: a keep-alive client, 60s timeout).
	HTTPClient *http.Client
	// InspectorURL is ironic-inspector's API root. When set, the agent also boots for in-band
	// inspection: a node of Drivers waiting in "inspect wait" with the inspector inspect
	// interface posts its inventory there, as IPA's inspection collector does.
	InspectorURL string
	// Systems holds the inventory each system reports (default: inventory.Default for the
	// i-th node inspected, with the node's port MAC).
	Systems *inventory.Systems
	// Logf, if set, receives one line per notable event.
	Logf func(format string, args ...any)
}

// Agent simulates the Ironic Python Agent ramdisk of many nodes at once: one HTTP listener,
// one poller of Ironic's node list, one heartbeat scheduler and a few workers, whatever the
// number of nodes.
type Agent struct {
	// URL is the agent API listener, e.g. http://127.0.0.1:40123.
	URL string

	opts    Options
	client  *http.Client
	server  *http.Server
	jobs    chan func()
	downSem chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started time.Time
	mu      sync.Mutex
	nodes   map[string]*simNode
	// systems numbers the nodes inspected, for their default inventory.
	systems int
}

// Start starts the agent simulator: its API listener, the node-list poller and the heartbeat
// scheduler.
func Start(opts Options) (*Agent, error) {
	if opts.IronicURL == "" {
		return nil, errors.New("agentsim: IronicURL is required")
	}
	opts.IronicURL = strings.TrimRight(opts.IronicURL, "/")
	if opts.ListenAddress == "" {
		opts.ListenAddress = "127.0.0.1:0"
	}
	if len(opts.Drivers) == 0 {
		opts.Drivers = []string{"fake-hardware"}
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 2 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.MaxDownloads <= 0 {
		opts.MaxDownloads = 16
	}
	if opts.Systems == nil {
		opts.Systems = &inventory.Systems{}
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	client := opts.HTTPClient
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		client = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	}
	ln, err := net.Listen("tcp", opts.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("agentsim: listening on %s: %w", opts.ListenAddress, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Agent{
		URL: "http://" + ln.Addr().String(), opts: opts, client: client,
		jobs: make(chan func(), 4096), downSem: make(chan struct{}, opts.MaxDownloads),
		ctx: ctx, cancel: cancel, started: time.Now(), nodes: map[string]*simNode{},
	}
	a.server = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.server.Serve(ln) }()
	for i := 0; i < opts.Workers; i++ {
		a.loop(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case job := <-a.jobs:
					job()
				}
			}
		})
	}
	a.loop(a.pollLoop)
	a.loop(a.heartbeatLoop)
	return a, nil
}

func (a *Agent) loop(f func()) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); f() }()
}

// Stop stops the agent: no more heartbeats, lookups or commands.
func (a *Agent) Stop() {
	a.cancel()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.server.Shutdown(shutdown)
	a.wg.Wait()
}

// submit queues a job for the workers (dropped once the agent stops).
func (a *Agent) submit(job func()) {
	select {
	case a.jobs <- job:
	case <-a.ctx.Done():
	}
}

// callbackURL is the callback_url a node's agent reports in its heartbeats.
func (a *Agent) callbackURL(uuid string) string { return a.URL + "/" + uuid }
