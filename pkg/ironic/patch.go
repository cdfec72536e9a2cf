package ironic

import (
	"encoding/json"
	"reflect"
	"strings"
)

// patchOp is one JSON patch (RFC 6902) operation on a node. Unlike gophercloud's
// UpdateOperation it always sends the value of add and replace, also when it is false or "".
type patchOp struct {
	Op    string
	Path  string
	Value any
}

func (p patchOp) asMap() map[string]any {
	m := map[string]any{"op": p.Op, "path": p.Path}
	if p.Op != "remove" {
		m["value"] = p.Value
	}
	return m
}

// MarshalJSON writes the operation as the body of PATCH /v1/nodes/{id} takes it.
func (p patchOp) MarshalJSON() ([]byte, error) { return json.Marshal(p.asMap()) }

// add sets a member, replacing it if present (JSON patch "add" on an object member).
func add(value any, path ...string) patchOp {
	return patchOp{Op: "add", Path: pointer(path...), Value: value}
}

func replace(value any, path ...string) patchOp {
	return patchOp{Op: "replace", Path: pointer(path...), Value: value}
}

func remove(path ...string) patchOp { return patchOp{Op: "remove", Path: pointer(path...)} }

// pointer builds a JSON pointer (RFC 6901) from unescaped reference tokens.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// jsonEqual compares two values as JSON would: 623 equals 623.0, nil maps equal empty ones.
func jsonEqual(a, b any) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(data, &out) != nil {
		return v
	}
	if m, ok := out.(map[string]any); ok && len(m) == 0 {
		return nil
	}
	return out
}

// capability is one "key:value" entry of Ironic's comma-separated capabilities string.
type capability struct{ key, value string }

func parseCapabilities(s string) []capability {
	var out []capability
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, ":")
		out = append(out, capability{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out
}

func formatCapabilities(cs []capability) string {
	parts := make([]string, len(cs))
	for k, c := range cs {
		parts[k] = c.key + ":" + c.value
	}
	return strings.Join(parts, ",")
}

// mergeCapabilities sets (value != "") or removes (value == "") keys in a capabilities string,
// keeping the order and the other keys (inspection may have added some).
func mergeCapabilities(current string, set []capability) string {
	cs := parseCapabilities(current)
	for _, want := range set {
		found := false
		for k := 0; k < len(cs); k++ {
			if cs[k].key != want.key {
				continue
			}
			if want.value == "" {
				cs = append(cs[:k], cs[k+1:]...)
				k--
				continue
			}
			cs[k].value, found = want.value, true
		}
		if !found && want.value != "" {
			cs = append(cs, want)
		}
	}
	return formatCapabilities(cs)
}
