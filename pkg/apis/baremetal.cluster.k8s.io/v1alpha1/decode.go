package v1alpha1

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/json"
)

// SpecPath is where the provider spec sits in a Machine; error messages name fields below it.
var SpecPath = field.NewPath("spec", "providerSpec", "value")

// InvalidSpecError lists what is wrong with a provider spec, one entry per field.
//
// +k8s:deepcopy-gen=false
type InvalidSpecError struct {
	Errs field.ErrorList
}

func (e *InvalidSpecError) Error() string { return e.Errs.ToAggregate().Error() }

// Decode parses a provider spec strictly: unknown fields, duplicate fields and fields whose
// case differs from the spelling here are errors, and so is anything Validate rejects. The
// error is an *InvalidSpecError whose entries name the fields.
func Decode(raw []byte) (*BareMetalMachineProviderSpec, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, &InvalidSpecError{field.ErrorList{field.Required(SpecPath, "a "+ProviderSpecKind+" is required")}}
	}
	spec := &BareMetalMachineProviderSpec{}
	strict, err := json.UnmarshalStrict(raw, spec)
	if err != nil {
		return nil, &InvalidSpecError{field.ErrorList{decodeError(err)}}
	}
	var errs field.ErrorList
	for _, e := range strict {
		path := SpecPath
		if fe, ok := e.(json.FieldError); ok && fe.FieldPath() != "" {
			path = field.NewPath(SpecPath.String() + "." + fe.FieldPath())
		}
		what := "unknown field"
		if strings.Contains(e.Error(), "duplicate field") {
			what = "duplicate field"
		}
		errs = append(errs, field.Forbidden(path, what))
	}
	errs = append(errs, spec.Validate()...)
	if len(errs) > 0 {
		return nil, &InvalidSpecError{errs}
	}
	return spec, nil
}

// decodeError names the field of a JSON type error ("json: cannot unmarshal number into Go
// struct field Image.image.url of type string") where it can.
func decodeError(err error) *field.Error {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	const into, ofType = " into Go struct field ", " of type "
	i, j := strings.Index(msg, into), strings.LastIndex(msg, ofType)
	if i < 0 || j < i {
		return field.Invalid(SpecPath, "", msg)
	}
	got := strings.TrimPrefix(msg[:i], "cannot unmarshal ")
	path := msg[i+len(into) : j]
	if dot := strings.Index(path, "."); dot >= 0 {
		path = path[dot+1:] // drop the Go type name
	}
	return field.TypeInvalid(field.NewPath(SpecPath.String()+"."+path), got, "must be a "+msg[j+len(ofType):])
}
