package bmc

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// The BareMetalHost CRD's admission rules (CEL) carry the scheme table as list literals; the
// policy derives the scheme of an address as the CRD does. These tests keep both in step with
// profiles, so that the API server never accepts a scheme the controller refuses, or the reverse.

const (
	crdFile    = "../../manifests/crds/metal3.io_baremetalhosts.yaml"
	policyFile = "../../manifests/policy/baremetalhost_admission_policy.yaml"
)

type celRule struct {
	Rule              string `json:"rule"`
	Message           string `json:"message"`
	MessageExpression string `json:"messageExpression"`
}

// specRules returns the x-kubernetes-validations of the CRD's spec.
func specRules(t *testing.T) []celRule {
	t.Helper()
	raw, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Properties struct {
							Spec struct {
								Rules []celRule `json:"x-kubernetes-validations"`
							} `json:"spec"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("want one version in %s, got %d", crdFile, len(crd.Spec.Versions))
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties.Spec.Rules
}

// ruleSaying returns the rule whose message (expression) contains text.
func ruleSaying(t *testing.T, rules []celRule, text string) celRule {
	t.Helper()
	for _, r := range rules {
		if strings.Contains(r.Message+r.MessageExpression, text) {
			return r
		}
	}
	t.Fatalf("no spec rule in %s says %q", crdFile, text)
	return celRule{}
}

var listLiteral = regexp.MustCompile(`in \[('[^\]]*')\]`)

// schemeLists returns the CEL list literals of scheme names in a rule, in order.
func schemeLists(t *testing.T, rule string) [][]string {
	t.Helper()
	var lists [][]string
	for _, m := range listLiteral.FindAllStringSubmatch(rule, -1) {
		var names []string
		for _, item := range strings.Split(m[1], ",") {
			names = append(names, strings.Trim(strings.TrimSpace(item), "'"))
		}
		sort.Strings(names)
		lists = append(lists, names)
	}
	return lists
}

func schemesWhere(keep func(SchemeInfo) bool) []string {
	var out []string
	for _, s := range Schemes() {
		if keep(s) {
			out = append(out, s.Scheme)
		}
	}
	return out
}

func TestTheCRDsSchemeListsAgreeWithTheDriverTable(t *testing.T) {
	rules := specRules(t)
	all := schemesWhere(func(SchemeInfo) bool { return true })
	netBoot := schemesWhere(func(s SchemeInfo) bool { return s.NeedsMAC })
	noSecureBoot := schemesWhere(func(s SchemeInfo) bool { return !s.SecureBoot })
	noFastInspection := schemesWhere(func(s SchemeInfo) bool { return !s.FastInspection })
	for _, tc := range []struct {
		rule string
		want [][]string
	}{
		{"unknown BMC scheme", [][]string{all}},
		{"requires a BootMACAddress value", [][]string{all, netBoot}},
		{"does not support secure boot", [][]string{noSecureBoot}},
		{"does not support fast (out-of-band) inspection", [][]string{noFastInspection}},
	} {
		got := schemeLists(t, ruleSaying(t, rules, tc.rule).Rule)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("the scheme lists of the rule saying %q differ from pkg/bmc's table (-table +CRD):\n%s", tc.rule, diff)
		}
	}
	msg := ruleSaying(t, rules, "unknown BMC scheme").MessageExpression
	if !strings.Contains(msg, "supported schemes are "+SupportedSchemes()+"'") {
		t.Errorf("the CRD's message %q does not list the supported schemes as pkg/bmc does: %s", msg, SupportedSchemes())
	}
}

var schemeOf = regexp.MustCompile(`matches\('([^']*)'\) && !\S+\.matches\('([^']*)'\) \?\s+\S+\.split\(':'\)\[0\]\.lowerAscii\(\) : 'ipmi'`)

func TestThePolicyReadsTheSchemeAsTheCRDDoes(t *testing.T) {
	raw, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	crd := schemeOf.FindStringSubmatch(ruleSaying(t, specRules(t), "unknown BMC scheme").Rule)
	policy := schemeOf.FindStringSubmatch(string(raw))
	if crd == nil || policy == nil {
		t.Fatalf("no scheme expression found (CRD: %v, policy: %v)", crd, policy)
	}
	if diff := cmp.Diff(crd[1:], policy[1:]); diff != "" {
		t.Errorf("the policy derives the scheme differently from the CRD (-CRD +policy):\n%s", diff)
	}
}

// The scheme the CRD's rules derive is the one Parse uses (for addresses Parse accepts).
func TestTheCRDsSchemeExpressionMatchesParse(t *testing.T) {
	m := schemeOf.FindStringSubmatch(ruleSaying(t, specRules(t), "unknown BMC scheme").Rule)
	if m == nil {
		t.Fatal("no scheme expression in the CRD")
	}
	hasScheme, portOnly := regexp.MustCompile(m[1]), regexp.MustCompile(m[2])
	for _, addr := range []string{
		"ipmi://10.0.0.1", "IPMI://10.0.0.1:623", "10.0.0.1", "10.0.0.1:623", "bmc.example.com:623",
		"[fd00::1]:623", "redfish+http://10.0.0.1/redfish/v1/Systems/1", "fake://", "libvirt://host?privilegelevel=USER",
	} {
		a, err := Parse(addr, false)
		if err != nil {
			t.Fatalf("Parse(%q): %v", addr, err)
		}
		got := "ipmi"
		if hasScheme.MatchString(addr) && !portOnly.MatchString(addr) {
			got = strings.ToLower(strings.Split(addr, ":")[0])
		}
		if got != a.Type() {
			t.Errorf("%q: the CRD reads scheme %q, Parse %q", addr, got, a.Type())
		}
	}
}
