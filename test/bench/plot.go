package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"sort"
	"strconv"
)

// Sample is the number of hosts (or nodes) in each state at one moment.
type Sample struct {
	// T is the time in seconds since the start of the run.
	T      float64        `json:"t"`
	Counts map[string]int `json:"counts"`
}

// Marker is a labelled moment drawn as a vertical line.
type Marker struct {
	T     float64
	Label string
}

// Plot is a stacked area chart of counts per state over time.
type Plot struct {
	Title string
	// States are drawn bottom to top in this order; states of the samples not listed are
	// added after them in name order.
	States  []string
	Samples []Sample
	Markers []Marker
	// XName and YName name the axes (default "seconds" and "hosts").
	XName, YName string
	// Width and Height of the image (default 1200 x 640).
	Width, Height int
}

// palette holds distinct colours, assigned to states in order.
var palette = []color.RGBA{
	{0x9e, 0x9e, 0x9e, 0xff}, // grey
	{0x43, 0xa0, 0x47, 0xff}, // green
	{0x8e, 0x24, 0xaa, 0xff}, // purple
	{0x1e, 0x88, 0xe5, 0xff}, // blue
	{0x00, 0xac, 0xc1, 0xff}, // cyan
	{0xf4, 0x51, 0x1e, 0xff}, // deep orange
	{0xff, 0xb3, 0x00, 0xff}, // amber
	{0xd8, 0x1b, 0x60, 0xff}, // pink
	{0x6d, 0x4c, 0x41, 0xff}, // brown
	{0x3f, 0x51, 0xb5, 0xff}, // indigo
	{0xc0, 0xca, 0x33, 0xff}, // lime
	{0x54, 0x6e, 0x7a, 0xff}, // blue grey
	{0xe5, 0x39, 0x35, 0xff}, // red
	{0x00, 0x89, 0x7b, 0xff}, // teal
}

var (
	black = color.RGBA{0, 0, 0, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
	grid  = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
)

// states returns every state to draw, in order.
func (p *Plot) states() []string {
	out := append([]string(nil), p.States...)
	known := map[string]bool{}
	for _, s := range out {
		known[s] = true
	}
	var extra []string
	for _, s := range p.Samples {
		for k := range s.Counts {
			if !known[k] {
				known[k] = true
				extra = append(extra, k)
			}
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// Render draws the plot.
func (p *Plot) Render() *image.RGBA {
	w, h := p.Width, p.Height
	if w == 0 {
		w = 1200
	}
	if h == 0 {
		h = 640
	}
	const scale = 2
	states := p.states()
	legendW := 0
	for _, s := range states {
		legendW = max(legendW, textWidth(s, scale))
	}
	left, right, top, bottom := 80, legendW+70, 60, 60
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)
	plotW, plotH := w-left-right, h-top-bottom
	if plotW < 10 || plotH < 10 {
		return img
	}

	tMax, yMax := 1.0, 1.0
	for _, s := range p.Samples {
		tMax = math.Max(tMax, s.T)
		total := 0
		for _, c := range s.Counts {
			total += c
		}
		yMax = math.Max(yMax, float64(total))
	}
	xStep, yStep := niceStep(tMax/10), niceStep(yMax/5)
	yMax = math.Ceil(yMax/yStep) * yStep
	toX := func(t float64) int { return left + int(math.Round(t/tMax*float64(plotW))) }
	toY := func(v float64) int { return top + plotH - int(math.Round(v/yMax*float64(plotH))) }

	// Grid and tick labels.
	for v := 0.0; v <= yMax+yStep/2; v += yStep {
		y := toY(v)
		hline(img, left, left+plotW, y, grid)
		label := formatTick(v)
		drawText(img, left-8-textWidth(label, scale), y-textHeight(scale)/2, label, black, scale)
	}
	for t := 0.0; t <= tMax+xStep/100; t += xStep {
		x := toX(t)
		vline(img, x, top, top+plotH, grid)
		label := formatTick(t)
		drawText(img, x-textWidth(label, scale)/2, top+plotH+8, label, black, scale)
	}

	// Stacked areas, one pixel column at a time, each column showing the latest sample.
	colors := map[string]color.RGBA{}
	for i, s := range states {
		colors[s] = palette[i%len(palette)]
	}
	for x := left; x <= left+plotW; x++ {
		t := float64(x-left) / float64(plotW) * tMax
		i := sort.Search(len(p.Samples), func(i int) bool { return p.Samples[i].T > t }) - 1
		if i < 0 {
			continue
		}
		cum := 0
		for _, s := range states {
			c := p.Samples[i].Counts[s]
			if c == 0 {
				continue
			}
			y0, y1 := toY(float64(cum)), toY(float64(cum+c))
			vline(img, x, y1, y0, colors[s])
			cum += c
		}
	}

	// Markers, dashed, labelled at the top; labels that would overlap go one line down.
	lastEnd, row := -1<<30, 0
	for _, m := range p.Markers {
		x := toX(m.T)
		for y := top; y < top+plotH; y += 6 {
			vline(img, x, y, min(y+3, top+plotH), black)
		}
		lx := x + 4
		if lx+textWidth(m.Label, scale) > left+plotW {
			lx = x - 4 - textWidth(m.Label, scale) // no room on the right of the line
		}
		if lx < lastEnd+8 {
			row++
		} else {
			row = 0
		}
		drawText(img, lx, top+4+row*(textHeight(scale)+4), m.Label, black, scale)
		lastEnd = lx + textWidth(m.Label, scale)
	}

	// Axes, title, axis names, legend.
	hline(img, left, left+plotW, top+plotH, black)
	vline(img, left, top, top+plotH, black)
	drawText(img, left, 14, p.Title, black, scale)
	xName := p.XName
	if xName == "" {
		xName = "seconds"
	}
	drawText(img, left+plotW/2-textWidth(xName, scale)/2, h-24, xName, black, scale)
	yName := p.YName
	if yName == "" {
		yName = "hosts"
	}
	drawText(img, 8, top-textHeight(scale)-16, yName, black, scale)
	ly := top
	for i := len(states) - 1; i >= 0; i-- { // top of the legend = top of the stack
		s := states[i]
		fillRect(img, left+plotW+20, ly, 14, 14, colors[s])
		drawText(img, left+plotW+40, ly, s, black, scale)
		ly += 22
	}
	return img
}

// WritePNG renders the plot into a PNG file.
func (p *Plot) WritePNG(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, p.Render()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*exp {
			return m * exp
		}
	}
	return 10 * exp
}

func formatTick(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return fmt.Sprintf("%g", v)
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) {
	for x := x0; x <= x1; x++ {
		img.Set(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.Color) {
	for y := y0; y <= y1; y++ {
		img.Set(x, y, c)
	}
}

func fillRect(img *image.RGBA, x, y, w, h int, c color.Color) {
	draw.Draw(img, image.Rect(x, y, x+w, y+h), &image.Uniform{c}, image.Point{}, draw.Src)
}
