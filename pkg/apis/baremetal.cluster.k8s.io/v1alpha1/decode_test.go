package v1alpha1

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const header = `"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "BareMetalMachineProviderSpec"`

func TestDecodeAcceptsWhatOpenShiftWrites(t *testing.T) {
	raw := `{` + header + `,
		"metadata": {"creationTimestamp": null},
		"image": {"url": "http://example.test/os.qcow2", "checksum": "d41d8cd98f00b204e9800998ecf8427e", "checksumType": "md5", "format": "qcow2"},
		"userData": {"name": "worker-user-data"},
		"hostSelector": {"matchLabels": {"rack": "r1"}, "matchExpressions": [{"key": "size", "operator": "In", "values": ["large"]}]}
	}`
	spec, err := Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	qcow2 := "qcow2"
	want := Image{URL: "http://example.test/os.qcow2", Checksum: "d41d8cd98f00b204e9800998ecf8427e", ChecksumType: "md5", DiskFormat: &qcow2}
	if diff := cmp.Diff(want, spec.Image); diff != "" {
		t.Errorf("image (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&corev1.SecretReference{Name: "worker-user-data"}, spec.UserData); diff != "" {
		t.Errorf("userData (-want +got):\n%s", diff)
	}
}

func TestDecodeAcceptsACustomDeployWithoutImage(t *testing.T) {
	// What current OpenShift releases write: an empty image and the install_coreos step.
	raw := `{` + header + `, "metadata": {"creationTimestamp": null}, "customDeploy": {"method": "install_coreos"},
		"hostSelector": {}, "image": {"checksum": "", "url": ""}, "userData": {"name": "worker-user-data-managed"}}`
	spec, err := Decode([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if spec.CustomDeploy == nil || spec.CustomDeploy.Method != "install_coreos" {
		t.Errorf("customDeploy %+v", spec.CustomDeploy)
	}
}

func TestDecodeRejectsBadSpecsNamingTheField(t *testing.T) {
	image := `"image": {"url": "http://example.test/os.qcow2", "checksum": "d41d8cd98f00b204e9800998ecf8427e"}`
	cases := []struct {
		name, raw string
		want      []string // substrings of the error, each naming a field
	}{
		{"an empty value", ``, []string{"spec.providerSpec.value: Required value"}},
		{"an unknown top-level field", `{` + header + `, ` + image + `, "imag": {}}`, []string{`spec.providerSpec.value.imag: Forbidden: unknown field`}},
		{"an unknown nested field", `{` + header + `, "image": {"url": "http://x.test/a", "checksum": "d41d8cd98f00b204e9800998ecf8427e", "sha": "1"}}`,
			[]string{`spec.providerSpec.value.image.sha: Forbidden: unknown field`}},
		{"a field in the wrong case", `{` + header + `, "image": {"URL": "http://x.test/a", "checksum": "d41d8cd98f00b204e9800998ecf8427e"}}`,
			[]string{`spec.providerSpec.value.image.URL: Forbidden: unknown field`}},
		{"a duplicate field", `{` + header + `, ` + image + `, ` + image + `}`, []string{`spec.providerSpec.value.image: Forbidden: duplicate field`}},
		{"a wrong type", `{` + header + `, "image": {"url": 7}}`, []string{`spec.providerSpec.value.image.url: Invalid value: "number": must be a string`}},
		{"a wrong kind", `{"apiVersion": "baremetal.cluster.k8s.io/v1alpha1", "kind": "AWSMachineProviderConfig", ` + image + `}`,
			[]string{`spec.providerSpec.value.kind: Invalid value: "AWSMachineProviderConfig"`}},
		{"a missing apiVersion", `{"kind": "BareMetalMachineProviderSpec", ` + image + `}`, []string{`spec.providerSpec.value.apiVersion: Invalid value: ""`}},
		{"no image", `{` + header + `}`, []string{`spec.providerSpec.value.image.url: Required value`}},
		{"no checksum", `{` + header + `, "image": {"url": "http://x.test/a"}}`, []string{`spec.providerSpec.value.image.checksum: Required value`}},
		{"an unknown checksum type", `{` + header + `, "image": {"url": "http://x.test/a", "checksum": "abc", "checksumType": "crc32"}}`,
			[]string{`spec.providerSpec.value.image.checksumType: Unsupported value: "crc32"`}},
		{"an unknown format", `{` + header + `, "image": {"url": "http://x.test/a", "checksum": "abc", "format": "iso"}}`,
			[]string{`spec.providerSpec.value.image.format: Unsupported value: "iso"`}},
		{"user data without a name", `{` + header + `, ` + image + `, "userData": {"namespace": "x"}}`, []string{`spec.providerSpec.value.userData.name: Required value`}},
		{"a custom deploy without a method", `{` + header + `, "customDeploy": {"method": ""}}`, []string{`spec.providerSpec.value.customDeploy.method: Required value`}},
		{"an unknown operator", `{` + header + `, ` + image + `, "hostSelector": {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}}`,
			[]string{`spec.providerSpec.value.hostSelector.matchExpressions[0].operator: Unsupported value: "Gt"`}},
		{"In without values", `{` + header + `, ` + image + `, "hostSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}`,
			[]string{`spec.providerSpec.value.hostSelector.matchExpressions[0].values: Invalid value`}},
		{"Exists with values", `{` + header + `, ` + image + `, "hostSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}}`,
			[]string{`spec.providerSpec.value.hostSelector.matchExpressions[0].values: Invalid value`}},
		{"a bad label key", `{` + header + `, ` + image + `, "hostSelector": {"matchLabels": {"a b": "c"}}}`,
			[]string{`spec.providerSpec.value.hostSelector.matchLabels[a b]: Invalid value: "c"`}},
		{"a bad label value", `{` + header + `, ` + image + `, "hostSelector": {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["not valid!"]}]}}`,
			[]string{`spec.providerSpec.value.hostSelector.matchExpressions[0].values[0]`, `"not valid!"`}},
		{"several problems at once", `{"kind": "BareMetalMachineProviderSpec", "image": {"url": "http://x.test/a"}, "extra": 1}`,
			[]string{`spec.providerSpec.value.extra: Forbidden: unknown field`, `spec.providerSpec.value.apiVersion`, `spec.providerSpec.value.image.checksum`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.raw))
			if err == nil {
				t.Fatal("decoded without error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestHostSelectorMatchesAsLabelSelectorsDo(t *testing.T) {
	hosts := map[string]labels.Set{
		"large-r1": {"size": "large", "rack": "r1"},
		"small-r2": {"size": "small", "rack": "r2"},
		"gpu":      {"size": "large", "rack": "r3", "gpu": "yes"},
		"norack":   {"size": "medium"},
		"bare":     {},
	}
	cases := []struct {
		name string
		sel  HostSelector
		want []string
	}{
		{"an empty selector matches every host", HostSelector{}, []string{"bare", "gpu", "large-r1", "norack", "small-r2"}},
		{"matchLabels needs every label", HostSelector{MatchLabels: map[string]string{"size": "large", "rack": "r1"}}, []string{"large-r1"}},
		{"In", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "rack", Operator: "In", Values: []string{"r1", "r2"}}}}, []string{"large-r1", "small-r2"}},
		{"in (selection spelling)", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "rack", Operator: "in", Values: []string{"r2"}}}}, []string{"small-r2"}},
		{"NotIn matches hosts without the label too", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "size", Operator: "NotIn", Values: []string{"large"}}}}, []string{"bare", "norack", "small-r2"}},
		{"Exists", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "gpu", Operator: "Exists"}}}, []string{"gpu"}},
		{"DoesNotExist", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "rack", Operator: "DoesNotExist"}}}, []string{"bare", "norack"}},
		{"! (selection spelling of DoesNotExist)", HostSelector{MatchExpressions: []HostSelectorRequirement{{Key: "size", Operator: "!"}}}, []string{"bare"}},
		{"labels and expressions together", HostSelector{MatchLabels: map[string]string{"size": "large"}, MatchExpressions: []HostSelectorRequirement{{Key: "gpu", Operator: "DoesNotExist"}}}, []string{"large-r1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := tc.sel.Selector()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range []string{"bare", "gpu", "large-r1", "norack", "small-r2"} {
				if sel.Matches(hosts[name]) {
					got = append(got, name)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("matched hosts (-want +got):\n%s", diff)
			}
		})
	}
}
