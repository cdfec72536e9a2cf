package redfishsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Resource paths.
const (
	redfishPath      = "/redfish"
	rootPath         = "/redfish/v1"
	systemsPath      = rootPath + "/Systems"
	managersPath     = rootPath + "/Managers"
	chassisPath      = rootPath + "/Chassis"
	sessionSvcPath   = rootPath + "/SessionService"
	sessionsPath     = sessionSvcPath + "/Sessions"
	maxRequestBody   = 1 << 20
	systemPattern    = systemsPath + "/{id}"
	managerPattern   = managersPath + "/{id}"
	chassisPattern   = chassisPath + "/{id}"
	virtualCDPattern = managerPattern + "/VirtualMedia/Cd"
)

// request is what a resource handler sees. Handlers run with Simulator.mu
// held, so they may read and change any state.
type request struct {
	*http.Request
	body []byte
	sys  *system // the system named by {id}, for per-system routes
}

// response is what a resource handler returns; body is encoded as JSON
// unless nil.
type response struct {
	status int
	body   any
	header http.Header
}

// resourceFunc handles one method of one resource.
type resourceFunc func(rq *request) response

// methods maps an HTTP method to its handler. GET handlers also serve HEAD.
type methods map[string]resourceFunc

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	s.routeRoot(mux)
	s.routeSessions(mux)
	s.routeSystems(mux)
	s.routeInventory(mux)
	s.routeBIOS(mux)
	s.routeManagers(mux)
	s.routeChassis(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeResponse(w, r, encode(notFound(r.URL.Path)))
	})
	return mux
}

// ServeHTTP counts and logs the request, normalizes a trailing slash,
// enforces authentication and dispatches to the resource.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Logf != nil {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		w = rec
		defer func() { s.opts.Logf("%s %s -> %d", r.Method, r.URL.RequestURI(), rec.status) }()
	}
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
		r.URL.RawPath = ""
	}
	if !isPublic(r) && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="redfishsim"`)
		writeResponse(w, r, encode(apiErrorf(http.StatusUnauthorized, "NoValidSession",
			"There is no valid session established with the implementation.").response()))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// handle registers a resource. For patterns with {id} the system is looked
// up first (404 if unknown), then the method is checked (405).
func (s *Simulator) handle(mux *http.ServeMux, pattern string, ms methods) {
	allow := allowHeader(ms)
	perSystem := strings.Contains(pattern, "{id}")
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		var sys *system
		if perSystem {
			// The set of systems never changes after Start: no lock needed.
			if sys = s.systems[r.PathValue("id")]; sys == nil {
				writeResponse(w, r, encode(notFound(r.URL.Path)))
				return
			}
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		fn := ms[method]
		if fn == nil {
			w.Header().Set("Allow", allow)
			writeResponse(w, r, encode(apiErrorf(http.StatusMethodNotAllowed, "OperationNotAllowed",
				"The HTTP method %s is not allowed on %s.", r.Method, r.URL.Path).response()))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
		if err != nil {
			status := http.StatusBadRequest
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			writeResponse(w, r, encode(apiErrorf(status, "GeneralError", "Reading the request body failed: %v", err).response()))
			return
		}

		s.mu.Lock()
		resp := fn(&request{Request: r, body: body, sys: sys})
		// Encode while holding the lock: bodies may share maps with the state.
		enc := encode(resp)
		s.mu.Unlock()

		if method == http.MethodGet && resp.status == http.StatusOK {
			w.Header().Set("Allow", allow)
		}
		writeResponse(w, r, enc)
	})
}

func allowHeader(ms methods) string {
	var list []string
	for m := range ms {
		list = append(list, m)
		if m == http.MethodGet {
			list = append(list, http.MethodHead)
		}
	}
	slices.Sort(list)
	return strings.Join(list, ", ")
}

// encoded is a response ready to be written.
type encoded struct {
	status int
	header http.Header
	body   []byte
}

func encode(resp response) encoded {
	e := encoded{status: resp.status, header: resp.header}
	if e.status == 0 {
		e.status = http.StatusOK
	}
	if resp.body != nil {
		b, err := json.Marshal(resp.body)
		if err != nil {
			return encode(apiErrorf(http.StatusInternalServerError, "InternalError",
				"Encoding the response failed: %v", err).response())
		}
		e.body = append(b, '\n')
	}
	return e
}

func writeResponse(w http.ResponseWriter, r *http.Request, e encoded) {
	h := w.Header()
	for k, v := range e.header {
		h[k] = v
	}
	h.Set("OData-Version", "4.0")
	h.Set("Cache-Control", "no-cache")
	if e.body != nil {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(e.status)
	if e.body != nil && r.Method != http.MethodHead {
		_, _ = w.Write(e.body)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
