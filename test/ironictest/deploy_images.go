package ironictest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
)

// DeployImages serves small stand-ins for the deploy ramdisk (ironic-python-agent) over HTTP on
// loopback (Options.DeployImages): Ironic downloads them when it boots a node's ramdisk through
// iPXE; nothing ever runs them.
type DeployImages struct {
	KernelURL, RamdiskURL, ISOURL string
	server                        *httptest.Server
}

// The stand-in files' names and contents.
var deployImageFiles = map[string]string{
	"/images/ironic-python-agent.kernel":    "stand-in ironic-python-agent kernel\n",
	"/images/ironic-python-agent.initramfs": "stand-in ironic-python-agent initramfs\n",
	"/images/ironic-python-agent.iso":       "stand-in ironic-python-agent ISO\n",
}

func startDeployImages() *DeployImages {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := deployImageFiles[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// Ironic checks the size with HEAD before it downloads.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte(body))
		}
	}))
	return &DeployImages{
		KernelURL:  srv.URL + "/images/ironic-python-agent.kernel",
		RamdiskURL: srv.URL + "/images/ironic-python-agent.initramfs",
		ISOURL:     srv.URL + "/images/ironic-python-agent.iso",
		server:     srv,
	}
}

func (d *DeployImages) close() {
	if d != nil {
		d.server.Close()
	}
}
