package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// AuditPolicy logs the metadata of every request except watches and the API server's own
// health checks: enough to count writes by verb, resource and user agent, with no bodies
// (no Secret data).
const AuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    verbs: ["watch"]
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
`

// AuditArgs returns the kube-apiserver flags that write the audit log.
func AuditArgs(policyPath, logPath string) []string {
	return []string{
		"--audit-policy-file=" + policyPath, "--audit-log-path=" + logPath, "--audit-log-format=json",
		// The log backend writes each event as it completes; no batching to lose at the end.
		"--audit-log-mode=blocking", "--audit-log-maxsize=0",
	}
}

// AuditEvent is the part of an audit.k8s.io/v1 Event the harness reads.
type AuditEvent struct {
	Stage          string    `json:"stage"`
	Verb           string    `json:"verb"`
	UserAgent      string    `json:"userAgent"`
	StageTimestamp time.Time `json:"stageTimestamp"`
	ObjectRef      *struct {
		APIGroup    string `json:"apiGroup"`
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// IsWrite reports whether the event is a write.
func (e *AuditEvent) IsWrite() bool {
	switch e.Verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// Key names the request as "verb resource[/subresource]", e.g. "update baremetalhosts/status".
func (e *AuditEvent) Key() string {
	if e.ObjectRef == nil {
		return e.Verb + " (non-resource)"
	}
	r := e.ObjectRef.Resource
	if e.ObjectRef.Subresource != "" {
		r += "/" + e.ObjectRef.Subresource
	}
	return e.Verb + " " + r
}

// ReadAudit reads the completed requests of the audit log made by clients whose user agent
// starts with agentPrefix.
func ReadAudit(path, agentPrefix string) ([]AuditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit log line: %w", err)
		}
		if e.Stage != "ResponseComplete" || !strings.HasPrefix(e.UserAgent, agentPrefix) {
			continue
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// CountAudit counts the events completed in [from, to) by key; writesOnly keeps writes only.
func CountAudit(events []AuditEvent, from, to time.Time, writesOnly bool) Counts {
	c := Counts{}
	for i := range events {
		e := &events[i]
		if writesOnly && !e.IsWrite() {
			continue
		}
		if e.StageTimestamp.Before(from) || (!to.IsZero() && !e.StageTimestamp.Before(to)) {
			continue
		}
		key := e.Key()
		if e.ResponseStatus != nil && e.ResponseStatus.Code >= 400 {
			key += fmt.Sprintf(" (%d)", e.ResponseStatus.Code)
		}
		c[key]++
	}
	return c
}
