package redfishsim

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Simulator. The zero value is a single system served
// over plain HTTP on a random loopback port without authentication.
type Options struct {
	// Systems is the number of ComputerSystems, with ids "sys-0" ..
	// "sys-<Systems-1>". Zero means 1.
	Systems int
	// Username and Password are the credentials accepted for Basic auth
	// and for creating sessions. An empty Username disables authentication.
	Username, Password string
	// TLS serves HTTPS with a freshly generated self-signed ECDSA
	// certificate valid for 127.0.0.1, ::1 and localhost; see CACertPEM.
	TLS bool
	// Addr is the listen address. Empty means "127.0.0.1:0".
	Addr string
	// PowerDelay postpones the effect of a ComputerSystem.Reset (the power
	// state change and the boot it may cause). Zero applies it at once.
	PowerDelay time.Duration
	// Logf, if set, receives one line per request served.
	Logf func(format string, args ...any)
}

// Simulator is a running Redfish service. Create it with Start and stop it
// with Close.
type Simulator struct {
	opts     Options
	scheme   string
	listener net.Listener
	server   *http.Server
	mux      *http.ServeMux
	caPEM    []byte
	requests atomic.Int64
	served   chan struct{} // closed when Serve returns

	mu       sync.Mutex // guards everything below
	systems  map[string]*system
	ids      []string
	sessions sessionStore
	closed   bool
}

// Start creates the simulated systems and starts serving on opts.Addr.
func Start(opts Options) (*Simulator, error) {
	if opts.Systems < 0 {
		return nil, fmt.Errorf("redfishsim: negative number of systems %d", opts.Systems)
	}
	if opts.Systems == 0 {
		opts.Systems = 1
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.PowerDelay < 0 {
		return nil, fmt.Errorf("redfishsim: negative PowerDelay %v", opts.PowerDelay)
	}

	s := &Simulator{
		opts:     opts,
		scheme:   "http",
		systems:  make(map[string]*system, opts.Systems),
		sessions: newSessionStore(),
		served:   make(chan struct{}),
	}
	for i := range opts.Systems {
		sys := newSystem(i)
		s.systems[sys.id] = sys
		s.ids = append(s.ids, sys.id)
	}
	s.mux = s.routes()

	var tlsConfig *tls.Config
	if opts.TLS {
		cert, certPEM, err := selfSignedCertificate()
		if err != nil {
			return nil, fmt.Errorf("redfishsim: generating certificate: %w", err)
		}
		s.scheme = "https"
		s.caPEM = certPEM
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("redfishsim: %w", err)
	}
	s.listener = ln
	s.server = &http.Server{
		Handler:           s,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		// Clients that reject the certificate or hang up produce server
		// errors that are noise for tests.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.served)
		if opts.TLS {
			_ = s.server.ServeTLS(ln, "", "")
		} else {
			_ = s.server.Serve(ln)
		}
	}()
	return s, nil
}

// URL is the base URL of the service, e.g. "https://127.0.0.1:43211", to be
// used as Ironic's redfish_address.
func (s *Simulator) URL() string { return s.scheme + "://" + s.Host() }

// Host is the host:port the service listens on. An unspecified listen IP
// (0.0.0.0 or ::) is reported as the loopback address.
func (s *Simulator) Host() string {
	addr, ok := s.listener.Addr().(*net.TCPAddr)
	if !ok {
		return s.listener.Addr().String()
	}
	ip := addr.IP
	if ip.IsUnspecified() {
		if ip.To4() != nil {
			ip = net.IPv4(127, 0, 0, 1)
		} else {
			ip = net.IPv6loopback
		}
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(addr.Port))
}

// SystemIDs returns the ids of the simulated systems in order.
func (s *Simulator) SystemIDs() []string { return slices.Clone(s.ids) }

// SystemPath returns the path of a ComputerSystem, to be used as Ironic's
// redfish_system_id.
func (s *Simulator) SystemPath(id string) string { return systemsPath + "/" + id }

// CACertPEM returns the PEM-encoded self-signed certificate the service
// uses, to be trusted as a CA by clients; nil without TLS.
func (s *Simulator) CACertPEM() []byte { return slices.Clone(s.caPEM) }

// Requests returns the total number of HTTP requests served, including
// rejected ones.
func (s *Simulator) Requests() int { return int(s.requests.Load()) }

// Close stops the server, closing open connections, and drops pending
// delayed power changes. It is safe to call more than once.
func (s *Simulator) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, sys := range s.systems {
		sys.cancelPendingPower()
	}
	s.mu.Unlock()

	err := s.server.Close()
	<-s.served
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// PowerState returns "On" or "Off" for a system, or "" for an unknown id.
func (s *Simulator) PowerState(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sys := s.systems[id]; sys != nil {
		return sys.power
	}
	return ""
}

// SetPowerState sets a system's power state ("On" or "Off") directly, as if
// someone pressed the button, without recording a reset or causing a boot.
// It cancels a pending delayed reset. It panics on an unknown id or state.
func (s *Simulator) SetPowerState(id, state string) {
	if state != powerOn && state != powerOff {
		panic(fmt.Sprintf("redfishsim: SetPowerState(%q, %q): state must be On or Off", id, state))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sys := s.mustSystem(id)
	sys.cancelPendingPower()
	sys.power = state
}

// ResetHistory returns the ResetType values of the accepted
// ComputerSystem.Reset requests for a system, oldest first.
func (s *Simulator) ResetHistory(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sys := s.systems[id]; sys != nil {
		return slices.Clone(sys.resetHistory)
	}
	return nil
}

// BootOverride returns a system's BootSourceOverrideTarget,
// BootSourceOverrideEnabled and BootSourceOverrideMode.
func (s *Simulator) BootOverride(id string) (target, enabled, mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sys := s.systems[id]; sys != nil {
		return sys.bootTarget, sys.bootEnabled, sys.bootMode
	}
	return "", "", ""
}

// VirtualMedia returns the image URL of the "Cd" device of the manager of a
// system and whether it is inserted.
func (s *Simulator) VirtualMedia(id string) (image string, inserted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sys := s.systems[id]; sys != nil {
		return sys.media.image, sys.media.inserted
	}
	return "", false
}

// SetMACs replaces the EthernetInterfaces of a system, one interface
// ("NIC0", "NIC1", ...) per MAC address. By default each system has one
// interface with MAC 52:54:00:XX:XX:XX holding the system's index (sys-5
// has 52:54:00:00:00:05). It panics on an unknown id.
func (s *Simulator) SetMACs(id string, macs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustSystem(id).macs = slices.Clone(macs)
}

// MACs returns the MAC addresses of a system's EthernetInterfaces, or nil
// for an unknown id.
func (s *Simulator) MACs(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sys := s.systems[id]; sys != nil {
		return slices.Clone(sys.macs)
	}
	return nil
}

func (s *Simulator) mustSystem(id string) *system {
	sys := s.systems[id]
	if sys == nil {
		panic(fmt.Sprintf("redfishsim: unknown system %q", id))
	}
	return sys
}
