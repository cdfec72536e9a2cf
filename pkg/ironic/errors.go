package ironic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/metalkube/metalkube/pkg/provisioner"
	"github.com/metalkube/metalkube/pkg/redact"
)

// APIError is an HTTP error answer from Ironic. It wraps provisioner.ErrLocked (409 Conflict, e.g.
// NodeLocked), provisioner.ErrNotFound (404) or provisioner.ErrUnavailable (502, 503, 504), so
// errors.Is tells the kinds apart; other statuses wrap nothing.
type APIError struct {
	// What the caller was doing, e.g. "deploying node 1be26c0b-...".
	Doing string
	// Method and Path (with query) of the request.
	Method, Path string
	StatusCode   int
	// Message is Ironic's faultstring, or a short excerpt of the body.
	Message string
	kind    error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ironic: %s: %s %s returned %d %s: %s",
		e.Doing, e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

func (e *APIError) Unwrap() error { return e.kind }

// UnavailableError says that Ironic could not be reached (connection refused, timeout, DNS,
// TLS). It wraps provisioner.ErrUnavailable and the transport error.
type UnavailableError struct {
	Endpoint string
	Doing    string
	Err      error
}

func (e *UnavailableError) Error() string {
	if e.Doing == "" {
		return fmt.Sprintf("ironic at %s is unavailable: %v", e.Endpoint, e.Err)
	}
	return fmt.Sprintf("ironic at %s is unavailable (%s): %v", e.Endpoint, e.Doing, e.Err)
}

func (e *UnavailableError) Unwrap() []error { return []error{provisioner.ErrUnavailable, e.Err} }

// wrap turns an error from gophercloud into one of the provisioner error kinds. Ironic being
// unreachable also makes the next call negotiate the API version again.
func (i *Ironic) wrap(ctx context.Context, err error, doing string) error {
	if err == nil {
		return nil
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &code) {
		var pcode *gophercloud.ErrUnexpectedResponseCode
		if errors.As(err, &pcode) && pcode != nil {
			code = *pcode
		} else {
			return i.transportError(ctx, err, doing)
		}
	}
	e := &APIError{
		Doing:      doing,
		Method:     code.Method,
		Path:       requestPath(code.URL),
		StatusCode: code.Actual,
		Message:    i.scrub(faultString(code.Body, code.Actual)),
	}
	switch code.Actual {
	case http.StatusConflict:
		e.kind = provisioner.ErrLocked
	case http.StatusNotFound:
		e.kind = provisioner.ErrNotFound
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.kind = provisioner.ErrUnavailable
		i.forgetVersion()
	case http.StatusNotAcceptable:
		// The microversion is not (or no longer) supported: negotiate again next time.
		i.forgetVersion()
	}
	return e
}

// unavailable makes any error of the negotiation or of Ready an ErrUnavailable: a 404 on the API
// root must not read as "node not found".
func (i *Ironic) unavailable(err error, doing string) error {
	if err == nil || errors.Is(err, provisioner.ErrUnavailable) {
		return err
	}
	var e *APIError
	if errors.As(err, &e) {
		e.kind = nil
		doing = "" // the APIError says it
	}
	return &UnavailableError{Endpoint: i.endpoint, Doing: doing, Err: err}
}

func (i *Ironic) transportError(ctx context.Context, err error, doing string) error {
	if ctx.Err() == context.Canceled {
		return fmt.Errorf("ironic: %s: %w", doing, ctx.Err())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) || ctx.Err() != nil || isNetError(err) {
		i.forgetVersion()
		return &UnavailableError{Endpoint: i.endpoint, Doing: doing, Err: err}
	}
	// Not a transport problem (e.g. a response that is not JSON).
	return fmt.Errorf("ironic: %s: %w", doing, err)
}

func isNetError(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if _, ok := err.(interface{ Timeout() bool }); ok {
			return true
		}
	}
	return false
}

func requestPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.RequestURI()
}

// maxMessage bounds how much of an unexpected error body is quoted.
const maxMessage = 300

// faultString extracts Ironic's error message. Ironic answers
// {"error_message": "{\"faultstring\": \"...\", \"faultcode\": \"Client\", \"debuginfo\": null}"}
// (a JSON document inside a JSON string); newer versions may send the inner document as an
// object. Anything else is quoted briefly.
func faultString(body []byte, status int) string {
	var outer struct {
		ErrorMessage json.RawMessage `json:"error_message"`
	}
	if json.Unmarshal(body, &outer) == nil && len(outer.ErrorMessage) > 0 {
		var inner struct {
			FaultString string `json:"faultstring"`
		}
		var s string
		if json.Unmarshal(outer.ErrorMessage, &s) == nil {
			if json.Unmarshal([]byte(s), &inner) == nil && inner.FaultString != "" {
				return oneLine(inner.FaultString)
			}
			if s != "" {
				return oneLine(s)
			}
		} else if json.Unmarshal(outer.ErrorMessage, &inner) == nil && inner.FaultString != "" {
			return oneLine(inner.FaultString)
		}
	}
	if s := oneLine(string(body)); s != "" {
		return s
	}
	return http.StatusText(status)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		s = s[:maxMessage] + "..."
	}
	return s
}

// scrub hides the configured password (and any other secret given), and the user information
// of URLs (an image URL with a password), in Ironic's messages.
func (i *Ironic) scrub(msg string, secrets ...string) string {
	msg = redact.URLs(msg)
	for _, s := range append(secrets, i.password) {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "******")
		}
	}
	return msg
}

// scrubError hides secrets in an APIError's message (e.g. the BMC password just sent).
func scrubError(err error, secrets ...string) error {
	var e *APIError
	if errors.As(err, &e) {
		// Longest first: a secret containing another is hidden whole.
		secrets = slices.Clone(secrets)
		slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
		for _, s := range secrets {
			if len(s) >= 3 {
				e.Message = strings.ReplaceAll(e.Message, s, "******")
			}
		}
	}
	return err
}

// isStatus reports whether err is an Ironic answer with one of the given statuses.
func isStatus(err error, statuses ...int) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range statuses {
		if e.StatusCode == s {
			return true
		}
	}
	return false
}
