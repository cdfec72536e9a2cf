package bench

import (
	"net/url"
	"sort"
	"strings"
)

// Pattern names an Ironic request by method and path with the parts that differ per node
// replaced: node UUIDs and node names (which hold "~") by {id}, and the query by its sorted
// parameter names, e.g. "GET /v1/nodes?fields,limit" or "PUT /v1/nodes/{id}/states/power".
func Pattern(method string, u *url.URL) string {
	parts := strings.Split(u.Path, "/")
	for i, p := range parts {
		if isUUID(p) || strings.Contains(p, "~") || strings.Contains(p, "%7E") || strings.Contains(p, "%7e") {
			parts[i] = "{id}"
		}
	}
	out := method + " " + strings.Join(parts, "/")
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err == nil && len(q) > 0 {
			keys := make([]string, 0, len(q))
			for k := range q {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out += "?" + strings.Join(keys, ",")
		}
	}
	return out
}

// isUUID reports whether s looks like a UUID (8-4-4-4-12 hex digits).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
