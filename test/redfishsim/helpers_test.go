package redfishsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startSim starts a simulator that is closed when the test ends.
func startSim(t *testing.T, opts Options) *Simulator {
	t.Helper()
	sim, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return sim
}

// client talks to a simulator with optional Basic credentials or token.
type client struct {
	t          *testing.T
	base       string
	hc         *http.Client
	user, pass string
	token      string
}

func newClient(t *testing.T, sim *Simulator) *client {
	return &client{t: t, base: sim.URL(), hc: &http.Client{Timeout: 10 * time.Second}}
}

func (c *client) withBasic(user, pass string) *client {
	cc := *c
	cc.user, cc.pass = user, pass
	return &cc
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   map[string]any
}

// do sends a request; body may be nil, a string (sent as is) or a value
// encoded as JSON. It fails the test on transport errors.
func (c *client) do(method, path string, body any) reply {
	c.t.Helper()
	r, err := c.send(method, path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// send is do without failing the test, for use off the test goroutine.
func (c *client) send(method, path string, body any) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &r.body); err != nil {
			return r, fmt.Errorf("%s %s: body is not a JSON object: %w\n%s", method, path, err, data)
		}
	}
	return r, nil
}

// get fetches a resource and requires 200.
func (c *client) get(path string) map[string]any {
	c.t.Helper()
	r := c.do(http.MethodGet, path, nil)
	if r.status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, body %v", path, r.status, r.body)
	}
	return r.body
}

// expect requires a status code.
func (c *client) expect(status int, method, path string, body any) reply {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body %v", method, path, r.status, status, r.body)
	}
	return r
}

// at walks a decoded JSON document: keys for objects, ints for arrays.
func at(doc any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, isObj := doc.(map[string]any)
			if !isObj {
				return nil
			}
			doc = m[k]
		case int:
			a, isArr := doc.([]any)
			if !isArr || k >= len(a) {
				return nil
			}
			doc = a[k]
		}
	}
	return doc
}

// errorID returns the MessageId of a Redfish error body, checking its shape.
func errorID(t *testing.T, r reply) string {
	t.Helper()
	code, _ := at(r.body, "error", "code").(string)
	msg, _ := at(r.body, "error", "message").(string)
	info, _ := at(r.body, "error", "@Message.ExtendedInfo", 0, "MessageId").(string)
	if code == "" || msg == "" || info != code {
		t.Fatalf("status %d: not a Redfish error body: %v", r.status, r.body)
	}
	return code
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
