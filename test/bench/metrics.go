package bench

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ScrapeMetrics reads a Prometheus text exposition into "name{labels}" → value.
func ScrapeMetrics(url string) (map[string]float64, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseMetrics(bufio.NewScanner(resp.Body))
}

func parseMetrics(sc *bufio.Scanner) (map[string]float64, error) {
	out := map[string]float64{}
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// QueueFigures describe the controller's host workqueue, from its /metrics.
type QueueFigures struct {
	// DepthSamples is workqueue_depth{name="baremetalhost"} at each sample.
	DepthSamples []float64 `json:"depth_samples"`
	MaxDepth     float64   `json:"max_depth"`
	// MeanWaitSeconds is the mean time a key waited in the queue before a worker took it.
	MeanWaitSeconds float64 `json:"mean_wait_s"`
	// MeanWorkSeconds is the mean duration of one sync.
	MeanWorkSeconds float64 `json:"mean_work_s"`
	Adds            float64 `json:"adds"`
	// Reconciles by result.
	Reconciles map[string]float64 `json:"reconciles"`
}

const hostQueue = `{name="baremetalhost"}`

// queueFigures fills the totals from a final scrape.
func queueFigures(m map[string]float64, q *QueueFigures) {
	ratio := func(base string) float64 {
		count := m[base+"_count"+hostQueue]
		if count == 0 {
			return 0
		}
		return round(m[base+"_sum"+hostQueue]/count, 4)
	}
	q.MeanWaitSeconds = ratio("workqueue_queue_duration_seconds")
	q.MeanWorkSeconds = ratio("workqueue_work_duration_seconds")
	q.Adds = m["workqueue_adds_total"+hostQueue]
	q.Reconciles = map[string]float64{}
	for k, v := range m {
		if strings.HasPrefix(k, "metalkube_reconcile_total{") && strings.Contains(k, `"baremetalhost"`) {
			if i := strings.Index(k, `result="`); i >= 0 {
				res := k[i+len(`result="`):]
				q.Reconciles[res[:strings.IndexByte(res, '"')]] += v
			}
		}
	}
}

// Latency summarizes how long Ironic took to answer one kind of request.
type Latency struct {
	Count int     `json:"count"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	// SumSeconds is the total time requests of this kind were in flight.
	SumSeconds float64 `json:"sum_s"`
}

// LatencyByPattern summarizes the answer times of requests by pattern.
func LatencyByPattern(rs []Request) map[string]Latency {
	by := map[string][]time.Duration{}
	for _, r := range rs {
		by[r.Pattern] = append(by[r.Pattern], r.Duration)
	}
	out := make(map[string]Latency, len(by))
	for k, ds := range by {
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		out[k] = Latency{Count: len(ds), P50ms: round(Percentile(ds, 50).Seconds()*1000, 1),
			P99ms: round(Percentile(ds, 99).Seconds()*1000, 1), SumSeconds: round(sum.Seconds(), 2)}
	}
	return out
}
