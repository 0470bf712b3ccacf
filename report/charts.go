package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"

	"github.com/go-analyze/charts"
)

// The report's colours, shared by the charts and the page's CSS.
const (
	colorQuestions = "#3b6fb6"
	colorAskers    = "#8fb3e0"
	colorVoters    = "#e0873a"
	colorVotes     = "#c4452b"
	colorAnswered  = "#3f9d5a"
	colorOnAir     = "#f2c230"
	colorText      = "#333333"
	colorGrid      = "#e3e6ec"
)

// chartWidth is the width of every chart's viewBox, in CSS pixels: the
// width of an A4 page's text block, so that charts print at about their
// size.
const chartWidth = 720

// barTheme is the go-analyze/charts theme of the bar charts.
var barTheme = charts.MakeTheme(charts.ThemeOption{
	BackgroundColor:    charts.ColorWhite,
	TextColor:          charts.ParseColor(colorText),
	AxisStrokeColor:    charts.ParseColor("#9aa0ab"),
	AxisSplitLineColor: charts.ParseColor(colorGrid),
	SeriesColors: []charts.Color{
		charts.ParseColor(colorQuestions), charts.ParseColor(colorAskers), charts.ParseColor(colorVoters),
	},
})

// answeredTheme colours the label chart: questions, then answered.
var answeredTheme = charts.MakeTheme(charts.ThemeOption{
	BackgroundColor:    charts.ColorWhite,
	TextColor:          charts.ParseColor(colorText),
	AxisStrokeColor:    charts.ParseColor("#9aa0ab"),
	AxisSplitLineColor: charts.ParseColor(colorGrid),
	SeriesColors:       []charts.Color{charts.ParseColor(colorQuestions), charts.ParseColor(colorAnswered)},
})

// maxChartLabels bounds the labels the label chart shows; the table lists
// them all.
const maxChartLabels = 20

// barChart draws a horizontal bar chart with go-analyze/charts: one group
// of bars per category (top to bottom in the order given), one bar per
// series. Its SVG escapes the labels it writes.
func barChart(theme charts.ColorPalette, categories []string, names []string, series [][]float64) (template.HTML, error) {
	// The library draws the first category at the bottom.
	n := len(categories)
	cats := make([]string, n)
	values := make([][]float64, len(series))
	for k := range series {
		values[k] = make([]float64, n)
	}
	for i := range categories {
		cats[n-1-i] = categories[i]
		for k := range series {
			values[k][n-1-i] = series[k][i]
		}
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = true
	opt.Theme = theme
	opt.CategoryAxis.Labels = cats
	opt.Legend.SeriesNames = names
	opt.Legend.Offset = charts.OffsetStr{Left: charts.PositionRight}
	opt.Padding = charts.NewBox(12, 12, 36, 8)
	opt.ValueFormatter = func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
	// Whole numbers on the value axis: its own steps would print 0.75
	// as "1" beside a true 1.
	biggest := 0.0
	for _, vs := range values {
		for _, v := range vs {
			biggest = max(biggest, v)
		}
	}
	top, step := niceScale(int(biggest))
	opt.ValueAxis = []charts.ValueAxisOption{{
		Min: charts.Ptr(0.0), Max: charts.Ptr(float64(top)), LabelCount: top/step + 1,
		PreferNiceIntervals: charts.Ptr(false), ValueFormatter: opt.ValueFormatter,
	}}
	opt.SeriesLabelPosition = charts.PositionRight
	for k := range opt.SeriesList {
		opt.SeriesList[k].Label.Show = charts.Ptr(true)
		opt.SeriesList[k].Label.ValueFormatter = opt.ValueFormatter
	}
	height := 70 + n*22*max(len(series), 1) + n*10
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: height})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("report: bar chart: %w", err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("report: bar chart: %w", err)
	}
	// go-analyze/charts writes its labels XML-escaped (checked by the
	// tests with markup in a label), so its SVG goes into the page as is.
	return template.HTML(svg), nil
}

// activityChart is the chart of questions and votes per bucket, with the
// on-air spans on the same time axis. It is drawn here rather than by
// go-analyze/charts: that library lays its category axis out inside a
// plot area it does not expose and has no band or mark-area feature, so
// spans of seconds could not be placed on its axis; here the time axis is
// continuous and shared by bars, line and spans.
type activityChart struct {
	Width, Height            int
	Left, Top, Right, Bottom float64 // the plot area
	Lane                     float64 // top of the on-air lane, above the plot
	TickEnd, LegendY         float64
	Bars                     []chartRect
	Spans                    []chartSpan
	Line                     string // the votes' polyline points
	Points                   []chartPoint
	QTicks, VTicks, XTicks   []chartTick
	Empty                    bool
}

type chartRect struct{ X, Y, W, H string }

type chartSpan struct {
	chartRect
	LaneY, LaneH string
	Label        string // "#12" when it fits
	LabelX       string
	Title        string
}

type chartPoint struct {
	X, Y  string
	Title string
}

type chartTick struct {
	Pos   string // x or y
	Label string
}

func px(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// newActivityChart lays out the activity chart of a.
func newActivityChart(a *Analysis, l *lang) activityChart {
	c := activityChart{Width: chartWidth, Height: 290, Left: 48, Right: chartWidth - 52, Top: 34, Bottom: 290 - 48}
	c.Lane = 14
	c.TickEnd, c.LegendY = c.Bottom+4, float64(c.Height)-6
	act := a.Activity
	if len(act.Buckets) == 0 {
		c.Empty = true
		return c
	}
	t0 := act.Buckets[0].Start
	t1 := act.Buckets[len(act.Buckets)-1].Start.Add(act.Width)
	span := float64(t1.Sub(t0))
	x := func(t time.Time) float64 {
		return c.Left + (c.Right-c.Left)*float64(t.Sub(t0))/span
	}
	maxQ, maxV := 0, 0
	for _, b := range act.Buckets {
		maxQ, maxV = max(maxQ, b.Questions), max(maxV, b.Votes)
	}
	qTop, qStep := niceScale(maxQ)
	vTop, vStep := niceScale(maxV)
	h := c.Bottom - c.Top
	yq := func(n int) float64 { return c.Bottom - h*float64(n)/float64(qTop) }
	yv := func(n int) float64 { return c.Bottom - h*float64(n)/float64(vTop) }
	for n := 0; n <= qTop; n += qStep {
		c.QTicks = append(c.QTicks, chartTick{Pos: px(yq(n)), Label: l.num(n)})
	}
	for n := 0; n <= vTop; n += vStep {
		c.VTicks = append(c.VTicks, chartTick{Pos: px(yv(n)), Label: l.num(n)})
	}
	bw := (c.Right - c.Left) / float64(len(act.Buckets))
	gap := min(2, bw/5)
	var line []byte
	for k, b := range act.Buckets {
		bx := c.Left + float64(k)*bw
		if b.Questions > 0 {
			c.Bars = append(c.Bars, chartRect{X: px(bx + gap/2), Y: px(yq(b.Questions)), W: px(bw - gap), H: px(c.Bottom - yq(b.Questions))})
		}
		cx, cy := px(bx+bw/2), px(yv(b.Votes))
		if k > 0 {
			line = append(line, ' ')
		}
		line = append(line, cx+","+cy...)
		c.Points = append(c.Points, chartPoint{X: cx, Y: cy,
			Title: fmt.Sprintf("%s: %s %s, %s %s", l.minute(b.Start), l.num(b.Questions), l.t("questions"), l.num(b.Votes), l.t("votes"))})
	}
	c.Line = string(line)
	for _, s := range a.OnAir {
		x0, x1 := x(s.Start), x(s.End)
		w := max(x1-x0, 1) // a span of a second still shows
		sp := chartSpan{
			chartRect: chartRect{X: px(x0), Y: px(c.Top), W: px(w), H: px(c.Bottom - c.Top)},
			LaneY:     px(c.Lane), LaneH: px(c.Top - c.Lane - 4),
			Title: fmt.Sprintf("#%d %s %s–%s (%s)", s.Question, l.t("onair-legend"), l.clock(s.Start), l.clock(s.End), l.dur(s.Duration())),
		}
		label := "#" + strconv.Itoa(s.Question)
		if w >= float64(7*len(label)+4) {
			sp.Label, sp.LabelX = label, px(x0+w/2)
		}
		c.Spans = append(c.Spans, sp)
	}
	// Time labels every few minutes, at most about eight of them.
	step := time.Minute
	for _, st := range []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute,
		30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		step = st
		if time.Duration(span)/st <= 8 {
			break
		}
	}
	for t := t0.Truncate(step); !t.After(t1); t = t.Add(step) {
		if t.Before(t0) {
			continue
		}
		c.XTicks = append(c.XTicks, chartTick{Pos: px(x(t)), Label: l.minute(t)})
	}
	return c
}

// niceScale returns the top of an axis for values up to n, and its step:
// 1, 2 or 5 times a power of ten, four or five steps in all.
func niceScale(n int) (top, step int) {
	if n <= 4 {
		return max(n, 1), 1
	}
	step = 1
	for {
		for _, m := range []int{1, 2, 5} {
			if s := step * m; (n+s-1)/s <= 5 {
				return (n + s - 1) / s * s, s
			}
		}
		step *= 10
	}
}
