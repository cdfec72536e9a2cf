package ironic

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/httpbasic"
	"github.com/gophercloud/gophercloud/v2/openstack/baremetal/noauth"
	"k8s.io/klog/v2"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

// DefaultTimeout bounds one request to Ironic when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says how to reach Ironic.
type Config struct {
	// Endpoint is Ironic's API root, with or without the trailing /v1
	// (http://127.0.0.1:6385 or http://127.0.0.1:6385/v1). It must not contain credentials.
	Endpoint string
	// Username and Password turn on HTTP basic authentication; without them no
	// authentication is sent (Ironic's noauth strategy).
	Username, Password string
	// CACertPEM is added to the system roots to verify Ironic's TLS certificate.
	CACertPEM []byte
	// Insecure skips verification of Ironic's TLS certificate.
	Insecure bool
	// WrapTransport, when set, wraps the transport after TLS is configured (metrics).
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// HTTPClient, when set, sends the requests (tests use it to count them). Its transport
	// must be an *http.Transport (or nil) if CACertPEM or Insecure is set.
	HTTPClient *http.Client
	// Timeout bounds one request (DefaultTimeout when zero).
	Timeout time.Duration
	// Inspector says Ironic has ironic-inspector (the "inspector" inspect interface enabled):
	// nodes are inspected in band unless their host's inspectionMode is fast. Without it every
	// node keeps its BMC driver's out-of-band inspect interface.
	Inspector bool
	// InspectorURL is ironic-inspector's API root (e.g. http://ironic-inspector:5050); it
	// implies Inspector. The hardware details of a node it inspected are then read from it
	// (GET /v1/introspection/{id}/data) rather than from Ironic, whose inventory API fails
	// once a node was inspected in band twice. Requests carry Ironic's credentials and TLS
	// settings.
	InspectorURL string
	// DeployRamdisk is written into each node's driver_info at registration (none when empty).
	DeployRamdisk DeployRamdisk
}

// Ironic is a provisioner.Provisioner backed by Ironic. It is safe for concurrent use.
type Ironic struct {
	// endpoint is the API root as shown in messages: no credentials, no /v1.
	endpoint string
	// base is the v1 client without a microversion; every call works on a copy carrying the
	// negotiated microversion.
	base *gophercloud.ServiceClient
	// password is scrubbed from Ironic's error messages.
	password string
	// defaults are what every node gets from the configuration.
	defaults nodeDefaults
	// inspectorEndpoint is Config.InspectorURL's v1 root with a trailing slash ("": none).
	inspectorEndpoint string

	// negotiating admits one version negotiation at a time.
	negotiating chan struct{}

	mu      sync.Mutex
	version microversion        // zero until negotiated, and again after an outage
	nodes   map[string]*nodeDoc // last node document seen per node UUID
}

var _ provisioner.Provisioner = (*Ironic)(nil)

// New returns a provisioner for the Ironic at cfg.Endpoint. It does not contact Ironic: the
// API version is negotiated on first use.
func New(cfg Config) (*Ironic, error) {
	root, shown, err := apiRoot(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := cfg.DeployRamdisk.Validate(); err != nil {
		return nil, fmt.Errorf("ironic: %w", err)
	}
	inspectorEndpoint := ""
	if cfg.InspectorURL != "" {
		inspectorRoot, _, err := apiRoot(cfg.InspectorURL)
		if err != nil {
			return nil, fmt.Errorf("ironic-inspector URL: %w", err)
		}
		inspectorEndpoint = inspectorRoot + "/v1/"
		cfg.Inspector = true
	}
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	v1 := root + "/v1/"
	var sc *gophercloud.ServiceClient
	switch {
	case cfg.Username == "" && cfg.Password == "":
		sc, err = noauth.NewBareMetalNoAuth(noauth.EndpointOpts{IronicEndpoint: v1})
	case cfg.Username == "" || cfg.Password == "":
		return nil, errors.New("ironic: HTTP basic authentication needs both a username and a password")
	default:
		sc, err = httpbasic.NewBareMetalHTTPBasic(httpbasic.EndpointOpts{
			IronicEndpoint: v1, IronicUser: cfg.Username, IronicUserPassword: cfg.Password,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("ironic: %w", err)
	}
	sc.ProviderClient.HTTPClient = *httpClient
	sc.ProviderClient.UserAgent.Prepend("metalkube")
	return &Ironic{
		endpoint: shown,
		base:     sc,
		password: cfg.Password,
		defaults: nodeDefaults{inspector: cfg.Inspector, deployRamdisk: cfg.DeployRamdisk},

		inspectorEndpoint: inspectorEndpoint,
		negotiating:       make(chan struct{}, 1),
		nodes:             map[string]*nodeDoc{},
	}, nil
}

// apiRoot returns the API root URL (without /v1 and without a trailing slash).
func apiRoot(endpoint string) (root, shown string, err error) {
	u, err := url.Parse(strings.TrimSpace(endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("ironic: endpoint %q is not an http(s) URL", redactURL(endpoint))
	}
	if u.User != nil {
		return "", "", errors.New("ironic: the endpoint must not contain credentials; use Config.Username and Config.Password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("ironic: endpoint %q must not have a query or fragment", u.Redacted())
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1")
	u.RawPath = ""
	root = strings.TrimRight(u.String(), "/")
	return root, root, nil
}

// redactURL hides whatever could be a password in an unparsable endpoint.
func redactURL(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "<redacted>@" + s[at+1:]
		}
		return "<redacted>@" + s[at+1:]
	}
	return s
}

func newHTTPClient(cfg Config) (*http.Client, error) {
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	}
	switch {
	case cfg.Timeout > 0:
		c.Timeout = cfg.Timeout
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	}
	next := c.Transport
	if len(cfg.CACertPEM) > 0 || cfg.Insecure {
		var t *http.Transport
		switch tt := next.(type) {
		case nil:
			t = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			t = tt.Clone()
		default:
			return nil, fmt.Errorf("ironic: CACertPEM and Insecure need an *http.Transport, the HTTP client has a %T", next)
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if t.TLSClientConfig != nil {
			tc = t.TLSClientConfig.Clone()
		}
		if len(cfg.CACertPEM) > 0 {
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(cfg.CACertPEM) {
				return nil, errors.New("ironic: CACertPEM holds no PEM certificate")
			}
			tc.RootCAs = pool
		}
		tc.InsecureSkipVerify = cfg.Insecure
		t.TLSClientConfig = tc
		next = t
	}
	if next == nil {
		next = http.DefaultTransport
	}
	if cfg.WrapTransport != nil {
		next = cfg.WrapTransport(next)
	}
	c.Transport = &logTransport{next: next}
	return &c, nil
}

// logTransport logs every request at V(2) with the logger of the request's context: method,
// path and query, status and duration. Never headers (basic auth) or bodies (passwords,
// config drives).
type logTransport struct{ next http.RoundTripper }

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if log := klog.FromContext(req.Context()).V(2); log.Enabled() {
		kv := []any{"method", req.Method, "path", req.URL.RequestURI(), "duration", time.Since(start).Round(time.Millisecond)}
		if err != nil {
			log.Info("Ironic request failed", append(kv, "err", err.Error())...)
		} else {
			log.Info("Ironic request", append(kv, "status", resp.StatusCode)...)
		}
	}
	return resp, err
}

// client returns a v1 client carrying the negotiated microversion, negotiating first if needed.
func (i *Ironic) client(ctx context.Context) (*gophercloud.ServiceClient, microversion, error) {
	v, err := i.negotiated(ctx)
	if err != nil {
		return nil, microversion{}, err
	}
	c := *i.base
	c.Microversion = v.String()
	return &c, v, nil
}

// remember caches the latest document of a node; Register, Provide and Deploy diff against it
// so that unchanged fields cost no request.
func (i *Ironic) remember(n *nodeDoc) {
	if n == nil || n.UUID == "" {
		return
	}
	i.mu.Lock()
	i.nodes[n.UUID] = n
	i.mu.Unlock()
}

func (i *Ironic) forgetNode(id string) {
	i.mu.Lock()
	delete(i.nodes, id)
	i.mu.Unlock()
}

func (i *Ironic) cached(id string) *nodeDoc {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.nodes[id]
}
