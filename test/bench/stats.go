package bench

import (
	"math"
	"sort"
	"time"
)

// Percentile returns the p-th percentile (0-100) of ds by the nearest-rank method, or 0.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// seconds is a duration in seconds, rounded to milliseconds, for JSON.
func seconds(d time.Duration) float64 { return round(d.Seconds(), 3) }

func round(v float64, digits int) float64 {
	m := math.Pow(10, float64(digits))
	return math.Round(v*m) / m
}

// Distribution summarizes per-host durations.
type Distribution struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_s"`
	P90   float64 `json:"p90_s"`
	P99   float64 `json:"p99_s"`
	Max   float64 `json:"max_s"`
}

// Distribute summarizes ds.
func Distribute(ds []time.Duration) Distribution {
	return Distribution{Count: len(ds), P50: seconds(Percentile(ds, 50)), P90: seconds(Percentile(ds, 90)),
		P99: seconds(Percentile(ds, 99)), Max: seconds(Percentile(ds, 100))}
}
