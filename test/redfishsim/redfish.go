package redfishsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// obj is a JSON object.
type obj = map[string]any

// link is a Redfish reference to another resource.
func link(path string) obj { return obj{"@odata.id": path} }

func links(paths ...string) []obj {
	out := make([]obj, 0, len(paths))
	for _, p := range paths {
		out = append(out, link(p))
	}
	return out
}

// resource starts a resource body with the mandatory OData annotations and
// the Id and Name properties.
func resource(odataType, path, id, name string) obj {
	return obj{"@odata.type": odataType, "@odata.id": path, "Id": id, "Name": name}
}

// collection returns a resource collection; typeName is e.g.
// "ComputerSystemCollection".
func collection(typeName, path, name string, members []string) obj {
	return obj{
		"@odata.type":         "#" + typeName + "." + typeName,
		"@odata.id":           path,
		"Name":                name,
		"Members":             links(members...),
		"Members@odata.count": len(members),
	}
}

func statusOK() obj { return obj{"State": "Enabled", "Health": "OK"} }

func ok(body any) response { return response{status: http.StatusOK, body: body} }

func noContent() response { return response{status: http.StatusNoContent} }

// apiError is a Redfish error: an HTTP status and a message from the Base
// message registry.
type apiError struct {
	status    int
	messageID string // without the registry prefix, e.g. "PropertyUnknown"
	message   string
}

const baseRegistry = "Base.1.8."

func apiErrorf(status int, messageID, format string, args ...any) *apiError {
	return &apiError{status: status, messageID: messageID, message: fmt.Sprintf(format, args...)}
}

func (e *apiError) Error() string { return e.message }

// response renders the error in the Redfish format (DSP0266 "Error
// responses"), which sushy turns into its HTTPError messages.
func (e *apiError) response() response {
	id := baseRegistry + e.messageID
	severity := "Warning"
	if e.status >= 500 {
		severity = "Critical"
	}
	return response{status: e.status, body: obj{"error": obj{
		"code":    id,
		"message": e.message,
		"@Message.ExtendedInfo": []obj{{
			"@odata.type": "#Message.v1_1_1.Message",
			"MessageId":   id,
			"Message":     e.message,
			"Severity":    severity,
			"Resolution":  "Correct the request and resubmit it if the operation failed.",
		}},
	}}}
}

// fail converts an error from a validator into a response.
func fail(err error) response {
	var e *apiError
	if errors.As(err, &e) {
		return e.response()
	}
	return apiErrorf(http.StatusInternalServerError, "InternalError", "%v", err).response()
}

func notFound(path string) response {
	return apiErrorf(http.StatusNotFound, "ResourceMissingAtURI",
		"The resource at the URI %s was not found.", path).response()
}

// decodeObject parses a request body as a JSON object. An empty body is an
// empty object.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	if len(strings.TrimSpace(string(body))) == 0 {
		return doc, nil
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, apiErrorf(http.StatusBadRequest, "MalformedJSON",
			"The request body submitted was malformed JSON and could not be parsed by the receiving service.")
	}
	return doc, nil
}

// fieldKind says whether a field is a resource property (PATCH) or an
// action parameter (POST to an action), for error messages.
type fieldKind bool

const (
	property  fieldKind = false
	parameter fieldKind = true
)

// checkKnown rejects members of doc whose names are not in known. Names
// starting with "@" (annotations such as @Redfish.SettingsApplyTime) are
// allowed.
func checkKnown(doc map[string]json.RawMessage, kind fieldKind, known ...string) error {
	for name := range doc {
		if strings.HasPrefix(name, "@") || slices.Contains(known, name) {
			continue
		}
		if kind == parameter {
			return apiErrorf(http.StatusBadRequest, "ActionParameterUnknown",
				"The action was submitted with the invalid parameter %s.", name)
		}
		return apiErrorf(http.StatusBadRequest, "PropertyUnknown",
			"The property %s is not in the list of valid properties for the resource.", name)
	}
	return nil
}

// stringField decodes a string member. With allowed values, others are
// rejected.
func stringField(name string, raw json.RawMessage, kind fieldKind, allowed ...string) (string, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", typeError(name, raw, kind)
	}
	if len(allowed) > 0 && !slices.Contains(allowed, v) {
		if kind == parameter {
			return "", apiErrorf(http.StatusBadRequest, "ActionParameterValueNotInList",
				"The value %q for the parameter %s is not in the list of acceptable values (%s).",
				v, name, strings.Join(allowed, ", "))
		}
		return "", apiErrorf(http.StatusBadRequest, "PropertyValueNotInList",
			"The value %q for the property %s is not in the list of acceptable values (%s).",
			v, name, strings.Join(allowed, ", "))
	}
	return v, nil
}

func boolField(name string, raw json.RawMessage, kind fieldKind) (bool, error) {
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, typeError(name, raw, kind)
	}
	return v, nil
}

func typeError(name string, raw json.RawMessage, kind fieldKind) error {
	if kind == parameter {
		return apiErrorf(http.StatusBadRequest, "ActionParameterValueTypeError",
			"The value %s for the parameter %s is of a different type than the parameter can accept.", raw, name)
	}
	return apiErrorf(http.StatusBadRequest, "PropertyValueTypeError",
		"The value %s for the property %s is of a different type than the property can accept.", raw, name)
}

// requireParameter returns the raw value of a mandatory action parameter.
func requireParameter(doc map[string]json.RawMessage, name string) (json.RawMessage, error) {
	raw, present := doc[name]
	if !present {
		return nil, apiErrorf(http.StatusBadRequest, "ActionParameterMissing",
			"The action requires the parameter %s to be present in the request body.", name)
	}
	return raw, nil
}

// nullable returns nil for an empty string so it is encoded as JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// noOperation is the error for a PATCH without any property to change.
func noOperation() response {
	return apiErrorf(http.StatusBadRequest, "NoOperation",
		"The request body submitted contained no data to act upon and no changes to the resource took place.").response()
}
