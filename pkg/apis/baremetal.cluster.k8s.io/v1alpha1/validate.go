package v1alpha1

import (
	"sort"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	checksumTypes = []string{"md5", "sha256", "sha512", "auto"}
	diskFormats   = []string{"raw", "qcow2", "vdi", "vmdk", "live-iso"}
)

// operators maps the accepted operator spellings to label selector operators.
var operators = map[string]selection.Operator{
	"In": selection.In, "NotIn": selection.NotIn, "Exists": selection.Exists, "DoesNotExist": selection.DoesNotExist,
	string(selection.In): selection.In, string(selection.NotIn): selection.NotIn,
	string(selection.Exists): selection.Exists, string(selection.DoesNotExist): selection.DoesNotExist,
}

// Validate checks the spec field by field; each error names its field below SpecPath.
func (s *BareMetalMachineProviderSpec) Validate() field.ErrorList {
	var errs field.ErrorList
	if s.APIVersion != SchemeGroupVersion.String() {
		errs = append(errs, field.Invalid(SpecPath.Child("apiVersion"), s.APIVersion, "must be "+SchemeGroupVersion.String()))
	}
	if s.Kind != ProviderSpecKind {
		errs = append(errs, field.Invalid(SpecPath.Child("kind"), s.Kind, "must be "+ProviderSpecKind))
	}
	errs = append(errs, s.validateImage()...)
	if s.UserData != nil && s.UserData.Name == "" {
		errs = append(errs, field.Required(SpecPath.Child("userData", "name"), "the user data Secret needs a name"))
	}
	if s.CustomDeploy != nil && s.CustomDeploy.Method == "" {
		errs = append(errs, field.Required(SpecPath.Child("customDeploy", "method"), "a custom deploy needs a method"))
	}
	_, selErrs := s.HostSelector.selector(SpecPath.Child("hostSelector"))
	return append(errs, selErrs...)
}

func (s *BareMetalMachineProviderSpec) validateImage() field.ErrorList {
	var errs field.ErrorList
	p := SpecPath.Child("image")
	img := s.Image
	custom := s.CustomDeploy != nil
	switch {
	case img.URL == "" && !custom:
		errs = append(errs, field.Required(p.Child("url"), "an image URL is required unless customDeploy is set"))
	case img.URL == "" && img.Checksum != "":
		errs = append(errs, field.Required(p.Child("url"), "a checksum is set, but no image URL"))
	case img.URL != "" && img.Checksum == "" && !img.isLiveISO():
		errs = append(errs, field.Required(p.Child("checksum"), "a checksum is required unless the format is live-iso"))
	}
	if img.ChecksumType != "" && !contains(checksumTypes, img.ChecksumType) {
		errs = append(errs, field.NotSupported(p.Child("checksumType"), img.ChecksumType, checksumTypes))
	}
	if img.DiskFormat != nil && !contains(diskFormats, *img.DiskFormat) {
		errs = append(errs, field.NotSupported(p.Child("format"), *img.DiskFormat, diskFormats))
	}
	return errs
}

func (i Image) isLiveISO() bool { return i.DiskFormat != nil && *i.DiskFormat == "live-iso" }

// Selector returns the label selector of the host selector; an empty one selects every host.
func (h HostSelector) Selector() (labels.Selector, error) {
	sel, errs := h.selector(SpecPath.Child("hostSelector"))
	if len(errs) > 0 {
		return nil, &InvalidSpecError{errs}
	}
	return sel, nil
}

func (h HostSelector) selector(p *field.Path) (labels.Selector, field.ErrorList) {
	var errs field.ErrorList
	sel := labels.NewSelector()
	keys := make([]string, 0, len(h.MatchLabels))
	for k := range h.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r, err := labels.NewRequirement(k, selection.Equals, []string{h.MatchLabels[k]})
		if err != nil {
			errs = append(errs, field.Invalid(p.Child("matchLabels").Key(k), h.MatchLabels[k], requirementMessage(err)))
			continue
		}
		sel = sel.Add(*r)
	}
	for i, e := range h.MatchExpressions {
		ep := p.Child("matchExpressions").Index(i)
		op, ok := operators[e.Operator]
		if !ok {
			errs = append(errs, field.NotSupported(ep.Child("operator"), e.Operator, []string{"In", "NotIn", "Exists", "DoesNotExist"}))
			continue
		}
		r, err := labels.NewRequirement(e.Key, op, e.Values, field.WithPath(ep))
		if err != nil {
			errs = append(errs, fieldErrors(err)...)
			continue
		}
		sel = sel.Add(*r)
	}
	return sel, errs
}

// fieldErrors unpacks the field errors of labels.NewRequirement.
func fieldErrors(err error) field.ErrorList {
	var out field.ErrorList
	if agg, ok := err.(utilerrors.Aggregate); ok {
		for _, e := range agg.Errors() {
			if fe, ok := e.(*field.Error); ok {
				out = append(out, fe)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, field.Invalid(SpecPath.Child("hostSelector"), "", err.Error()))
	}
	return out
}

// requirementMessage is the detail of the first error of labels.NewRequirement.
func requirementMessage(err error) string {
	if errs := fieldErrors(err); len(errs) > 0 && errs[0].Detail != "" {
		return errs[0].Detail
	}
	return err.Error()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
