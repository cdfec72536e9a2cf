package bench

import (
	"bufio"
	"image/color"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPatternReplacesWhatDiffersPerNode(t *testing.T) {
	for _, c := range []struct{ method, url, want string }{
		{"GET", "/v1/nodes/0b7c2c4e-4c58-4b1e-9a59-6b0f5b4e7d11", "GET /v1/nodes/{id}"},
		{"GET", "/v1/nodes/bench~bench-00001", "GET /v1/nodes/{id}"},
		{"GET", "/v1/nodes/bench%7Ebench-00001", "GET /v1/nodes/{id}"},
		{"PUT", "/v1/nodes/0b7c2c4e-4c58-4b1e-9a59-6b0f5b4e7d11/states/power", "PUT /v1/nodes/{id}/states/power"},
		{"GET", "/v1/nodes?limit=1000&fields=uuid,name", "GET /v1/nodes?fields,limit"},
		{"GET", "/v1/ports?address=52:54:00:00:00:01&fields=node_uuid", "GET /v1/ports?address,fields"},
		{"POST", "/v1/nodes", "POST /v1/nodes"},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := Pattern(c.method, u); got != c.want {
			t.Errorf("Pattern(%s %s) = %q, want %q", c.method, c.url, got, c.want)
		}
	}
}

func TestPercentileUsesTheNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Second)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Second, 99: 99 * time.Second, 100: 100 * time.Second, 0: time.Second} {
		if got := Percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %v", got)
	}
}

func TestNiceStepRoundsUpToOneTwoOrFive(t *testing.T) {
	for raw, want := range map[float64]float64{0.7: 1, 1: 1, 1.2: 2, 3: 5, 7: 10, 23: 50, 180: 200} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
}

func TestEveryGlyphFitsFiveColumns(t *testing.T) {
	for r, g := range glyphs {
		for row, bits := range g {
			if bits > 0x1F {
				t.Errorf("glyph %q row %d is wider than 5 pixels: %#x", r, row, bits)
			}
		}
	}
	for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-_()/%=+" {
		if _, ok := glyphs[r]; !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
}

func TestThePlotStacksEachStateInItsColour(t *testing.T) {
	p := &Plot{Title: "test", States: []string{"provisioned", "registering"}, Samples: []Sample{
		{T: 0, Counts: map[string]int{"registering": 10}},
		{T: 5, Counts: map[string]int{"registering": 5, "provisioned": 5}},
		{T: 10, Counts: map[string]int{"provisioned": 10}},
	}, Markers: []Marker{{10, "all provisioned"}}}
	img := p.Render()
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 640 {
		t.Fatalf("size %v", b)
	}
	count := map[color.RGBA]int{}
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			count[img.RGBAAt(x, y)]++
		}
	}
	// provisioned is drawn in palette[0], registering in palette[1]; both cover a large area.
	if count[palette[0]] < 10000 || count[palette[1]] < 10000 {
		t.Errorf("the states' areas are missing: %d and %d pixels", count[palette[0]], count[palette[1]])
	}
	path := filepath.Join(t.TempDir(), "plot.png")
	if err := p.WritePNG(path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no PNG written: %v", err)
	}
}

func TestReadProcReadsThisProcess(t *testing.T) {
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSBytes <= 0 || s.PeakRSSBytes < s.RSSBytes || s.CPUSeconds < 0 {
		t.Errorf("implausible: %+v", s)
	}
}

func TestAuditCountsTheControllersWritesInAWindow(t *testing.T) {
	log := strings.Join([]string{
		`{"stage":"ResponseComplete","verb":"update","userAgent":"baremetal-controller","stageTimestamp":"2026-01-01T00:00:01.000000Z","objectRef":{"resource":"baremetalhosts","subresource":"status"},"responseStatus":{"code":200}}`,
		`{"stage":"ResponseComplete","verb":"update","userAgent":"baremetal-controller","stageTimestamp":"2026-01-01T00:00:02.000000Z","objectRef":{"resource":"baremetalhosts","subresource":"status"},"responseStatus":{"code":409}}`,
		`{"stage":"ResponseComplete","verb":"create","userAgent":"baremetal-controller","stageTimestamp":"2026-01-01T00:00:03.000000Z","objectRef":{"resource":"events"},"responseStatus":{"code":201}}`,
		`{"stage":"ResponseComplete","verb":"get","userAgent":"baremetal-controller","stageTimestamp":"2026-01-01T00:00:03.000000Z","objectRef":{"resource":"secrets"},"responseStatus":{"code":200}}`,
		`{"stage":"ResponseComplete","verb":"create","userAgent":"metalkube-bench","stageTimestamp":"2026-01-01T00:00:03.000000Z","objectRef":{"resource":"baremetalhosts"},"responseStatus":{"code":201}}`,
		`{"stage":"ResponseComplete","verb":"patch","userAgent":"baremetal-controller","stageTimestamp":"2026-01-01T00:00:09.000000Z","objectRef":{"resource":"baremetalhosts"},"responseStatus":{"code":200}}`,
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	events, err := ReadAudit(path, ControllerUserAgent)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := CountAudit(events, from, from.Add(5*time.Second), true)
	want := Counts{"update baremetalhosts/status": 1, "update baremetalhosts/status (409)": 1, "create events": 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("writes (-want +got):\n%s", d)
	}
}

func TestParseHelpFindsFlagsAndTheirVariables(t *testing.T) {
	h := parseHelp(`Usage of baremetal-controller:
  -enable-machine-actuator
    	run the Machine actuator (env ENABLE_MACHINE_ACTUATOR) (default true)
  -host-workers int
    	number of hosts reconciled at once (env HOST_WORKERS) (default 8)
  -v value
    	number for the log level verbosity
`)
	for _, f := range []string{"enable-machine-actuator", "host-workers", "v"} {
		if !h.Flags[f] {
			t.Errorf("flag %s not found in %v", f, h.Flags)
		}
	}
	if d := cmp.Diff([]string{"ENABLE_MACHINE_ACTUATOR", "HOST_WORKERS"}, h.Env); d != "" {
		t.Errorf("env (-want +got):\n%s", d)
	}
}

func TestHostsHaveUniqueMACs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 5000; i++ {
		m := MAC(i)
		if seen[m] {
			t.Fatalf("MAC %s repeats at host %d", m, i)
		}
		seen[m] = true
	}
}

func TestParseMetricsReadsTheHostQueue(t *testing.T) {
	text := `# HELP workqueue_depth Current depth of the workqueue.
# TYPE workqueue_depth gauge
workqueue_depth{name="baremetalhost"} 42
workqueue_queue_duration_seconds_sum{name="baremetalhost"} 10
workqueue_queue_duration_seconds_count{name="baremetalhost"} 4
metalkube_reconcile_total{controller="baremetalhost",result="success"} 7
metalkube_reconcile_total{controller="baremetalhost",result="error"} 1
`
	m, err := parseMetrics(bufio.NewScanner(strings.NewReader(text)))
	if err != nil {
		t.Fatal(err)
	}
	if got := m[`workqueue_depth{name="baremetalhost"}`]; got != 42 {
		t.Errorf("depth %v", got)
	}
	var q QueueFigures
	queueFigures(m, &q)
	if q.MeanWaitSeconds != 2.5 || q.Reconciles["success"] != 7 || q.Reconciles["error"] != 1 {
		t.Errorf("queue figures %+v", q)
	}
}
