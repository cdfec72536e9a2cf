package envtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
)

// Options configure Start.
type Options struct {
	// Dir holds data, certificates, logs and the kubeconfig. Default: a new temporary directory,
	// removed by Stop.
	Dir string
	// CRDDir is the directory of CRD YAML to install. Default: manifests/crds of the repository.
	// Set SkipCRDs to install none.
	CRDDir   string
	SkipCRDs bool
	// StartTimeout bounds the wait for each server. Default 90s (2 loaded cores can be slow).
	StartTimeout time.Duration
	// APIServerArgs are extra kube-apiserver flags.
	APIServerArgs []string
}

// Environment is a running etcd + kube-apiserver.
type Environment struct {
	Dir        string
	Kubeconfig string
	URL        string
	Config     *rest.Config
	Kube       kubernetes.Interface
	Metal3     versioned.Interface
	Dynamic    dynamic.Interface

	etcd, apiserver *Process
	etcdURL         string
	removeDir       bool
	// apiserverBin and apiserverArgs start kube-apiserver again (StartAPIServer).
	apiserverBin  string
	apiserverArgs []string
	certs         *pki
	startTimeout  time.Duration
}

// Start launches etcd and kube-apiserver on free loopback ports and waits until the API server
// is ready and the default namespace exists, then installs the CRDs.
func Start(opts Options) (env *Environment, err error) {
	etcdBin, err := ToolPath("etcd")
	if err != nil {
		return nil, err
	}
	apiserverBin, err := ToolPath("kube-apiserver")
	if err != nil {
		return nil, err
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 90 * time.Second
	}
	env = &Environment{Dir: opts.Dir}
	if env.Dir == "" {
		if env.Dir, err = os.MkdirTemp("", "metalkube-envtest-"); err != nil {
			return nil, err
		}
		env.removeDir = true
	}
	defer func() {
		if err != nil {
			env.Stop()
		}
	}()
	pkiDir := filepath.Join(env.Dir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, err
	}
	certs, err := writePKI(pkiDir)
	if err != nil {
		return nil, fmt.Errorf("creating certificates: %w", err)
	}
	if err := env.startEtcd(etcdBin, opts.StartTimeout); err != nil {
		return nil, err
	}
	if err := env.startAPIServer(apiserverBin, certs, opts); err != nil {
		return nil, err
	}
	if !opts.SkipCRDs {
		dir := opts.CRDDir
		if dir == "" {
			root, err := RepoRoot()
			if err != nil {
				return nil, err
			}
			dir = filepath.Join(root, "manifests", "crds")
		}
		if err := env.InstallCRDs(dir); err != nil {
			return nil, err
		}
	}
	return env, nil
}

func (e *Environment) startEtcd(bin string, timeout time.Duration) error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between probe and bind
		client, err := FreePort()
		if err != nil {
			return err
		}
		peer, err := FreePort()
		if err != nil {
			return err
		}
		clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
		peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
		dataDir := filepath.Join(e.Dir, "etcd")
		_ = os.RemoveAll(dataDir)
		p, err := StartProcess("etcd", e.Dir, bin,
			"--name=envtest", "--data-dir="+dataDir,
			"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
			"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
			"--initial-cluster=envtest="+peerURL,
			"--unsafe-no-fsync", "--quota-backend-bytes=2147483648", "--log-level=warn")
		if err != nil {
			return err
		}
		healthy := func() bool {
			resp, err := http.Get(clientURL + "/health")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}
		if lastErr = WaitFor(p, timeout, "etcd health", healthy); lastErr == nil {
			e.etcd = p
			e.etcdURL = clientURL
			return nil
		}
		p.Kill()
	}
	return fmt.Errorf("starting etcd: %w", lastErr)
}

func (e *Environment) startAPIServer(bin string, certs *pki, opts Options) error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			return err
		}
		e.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
		args := []string{
			"--etcd-servers=" + e.etcdURL,
			"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
			fmt.Sprintf("--secure-port=%d", port),
			// 1.37 refuses a loopback advertise address with the default lease reconciler.
			"--endpoint-reconciler-type=none",
			"--cert-dir=" + filepath.Join(e.Dir, "pki", "generated"),
			"--tls-cert-file=" + certs.serverCert, "--tls-private-key-file=" + certs.serverKey,
			"--client-ca-file=" + certs.caCert,
			"--service-account-issuer=" + e.URL,
			"--service-account-key-file=" + certs.saPub, "--service-account-signing-key-file=" + certs.saKey,
			"--service-cluster-ip-range=10.0.0.0/24",
			"--authorization-mode=RBAC",
			// No kube-controller-manager runs, so no default ServiceAccount would ever exist.
			"--disable-admission-plugins=ServiceAccount",
			"--enable-priority-and-fairness=false",
			"--allow-privileged=true", "--profiling=false", "--v=0",
		}
		args = append(args, opts.APIServerArgs...)
		p, err := StartProcess("kube-apiserver", e.Dir, bin, args...)
		if err != nil {
			return err
		}
		if lastErr = e.waitAPIServer(p, certs, opts.StartTimeout); lastErr == nil {
			e.apiserver = p
			e.apiserverBin, e.apiserverArgs, e.certs, e.startTimeout = bin, args, certs, opts.StartTimeout
			return nil
		}
		p.Kill()
	}
	return fmt.Errorf("starting kube-apiserver: %w", lastErr)
}

func (e *Environment) waitAPIServer(p *Process, certs *pki, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.caPEM)
	adminPair, err := tls.X509KeyPair(certs.adminCertPEM, certs.adminKeyPEM)
	if err != nil {
		return err
	}
	httpClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{adminPair}},
	}}
	defer httpClient.CloseIdleConnections()
	ready := func() bool {
		resp, err := httpClient.Get(e.URL + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	if err := WaitFor(p, timeout, "kube-apiserver /readyz", ready); err != nil {
		return err
	}
	e.Config = &rest.Config{
		Host: e.URL, QPS: 200, Burst: 400,
		TLSClientConfig: rest.TLSClientConfig{CAData: certs.caPEM, CertData: certs.adminCertPEM, KeyData: certs.adminKeyPEM},
	}
	if e.Kube, err = kubernetes.NewForConfig(e.Config); err != nil {
		return err
	}
	if e.Metal3, err = versioned.NewForConfig(e.Config); err != nil {
		return err
	}
	if e.Dynamic, err = dynamic.NewForConfig(e.Config); err != nil {
		return err
	}
	// /readyz can pass a moment before the bootstrap controller creates "default".
	defaultNS := func() bool {
		_, err := e.Kube.CoreV1().Namespaces().Get(context.Background(), "default", metav1.GetOptions{})
		return err == nil
	}
	if err := WaitFor(p, timeout, "namespace default", defaultNS); err != nil {
		return err
	}
	return e.writeKubeconfig(certs)
}

func (e *Environment) writeKubeconfig(certs *pki) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: e.URL, CertificateAuthorityData: certs.caPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: certs.adminCertPEM, ClientKeyData: certs.adminKeyPEM}
	cfg.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "envtest"
	e.Kubeconfig = filepath.Join(e.Dir, "kubeconfig")
	return clientcmd.WriteToFile(*cfg, e.Kubeconfig)
}

// Kubectl runs the pinned kubectl against the environment and returns its combined output.
func (e *Environment) Kubectl(ctx context.Context, args ...string) (string, error) {
	bin, err := ToolPath("kubectl")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", e.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// KubectlStdin runs kubectl with stdin (a manifest for "apply -f -") and returns its combined
// output.
func (e *Environment) KubectlStdin(ctx context.Context, stdin string, args ...string) (string, error) {
	bin, err := ToolPath("kubectl")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", e.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// StopAPIServer kills kube-apiserver, as in an outage: clients get connection errors until
// StartAPIServer; etcd keeps every object.
func (e *Environment) StopAPIServer() {
	e.apiserver.Kill()
}

// StartAPIServer starts kube-apiserver again after StopAPIServer, on the same address with the
// same flags and certificates, and waits until it is ready.
func (e *Environment) StartAPIServer() error {
	if e.apiserver != nil && !e.apiserver.Exited() {
		return errors.New("envtest: kube-apiserver is running")
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the port may linger a moment after the kill
		p, err := StartProcess("kube-apiserver", e.Dir, e.apiserverBin, e.apiserverArgs...)
		if err != nil {
			return err
		}
		if lastErr = e.waitAPIServer(p, e.certs, e.startTimeout); lastErr == nil {
			e.apiserver = p
			return nil
		}
		p.Kill()
		time.Sleep(time.Second)
	}
	return fmt.Errorf("restarting kube-apiserver: %w", lastErr)
}

// Stop ends kube-apiserver and etcd and removes the temporary directory Start created.
func (e *Environment) Stop() {
	if e == nil {
		return
	}
	e.apiserver.Stop(10 * time.Second)
	e.etcd.Stop(10 * time.Second)
	if e.removeDir {
		_ = os.RemoveAll(e.Dir)
	}
}

// ErrNotStarted is returned by helpers used before Start succeeded.
var ErrNotStarted = errors.New("envtest: environment not started")
