package report_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// render writes the report of m in lang and parses it.
func render(t *testing.T, m *meeting, lang string) (*html.Node, string) {
	t.Helper()
	var buf bytes.Buffer
	err := report.Write(context.Background(), &buf, m.state, report.Options{Lang: lang, Now: m.end, Location: time.UTC})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("parse the report: %v", err)
	}
	return doc, buf.String()
}

// classes returns the classes of n.
func classes(n *html.Node) []string {
	for _, a := range n.Attr {
		if a.Key == "class" {
			return strings.Fields(a.Val)
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// all returns the elements under n (n included) named tag ("" for any)
// that have class ("" for any).
func all(n *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (tag == "" || n.Data == tag) && (class == "" || slices.Contains(classes(n), class)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// one returns the single element under n named tag with class.
func one(t *testing.T, n *html.Node, tag, class string) *html.Node {
	t.Helper()
	found := all(n, tag, class)
	if len(found) != 1 {
		t.Fatalf("%d <%s class=%q>, want 1", len(found), tag, class)
	}
	return found[0]
}

// text returns the text under n.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// rows returns the cells' texts of the body rows of table.
func rows(table *html.Node) [][]string {
	var out [][]string
	for _, tb := range all(table, "tbody", "") {
		for _, tr := range all(tb, "tr", "") {
			var cells []string
			for _, td := range all(tr, "td", "") {
				cells = append(cells, text(td))
			}
			out = append(out, cells)
		}
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return v
}

func TestHTMLActivityChart(t *testing.T) {
	m := playMeeting(t)
	doc, _ := render(t, m, "en")
	svg := one(t, doc, "svg", "activity")
	a := report.Analyze(m.state, report.Options{Now: m.end})

	nonEmpty := 0
	for _, b := range a.Activity.Buckets {
		if b.Questions > 0 {
			nonEmpty++
		}
	}
	if got := len(all(svg, "rect", "bar-questions")) - 1; got != nonEmpty { // one is the legend's
		t.Errorf("%d question bars, want %d (the minutes with questions)", got, nonEmpty)
	}
	if got := len(all(one(t, svg, "g", "points"), "circle", "point-votes")); got != len(a.Activity.Buckets) {
		t.Errorf("%d vote points, want %d (one per minute)", got, len(a.Activity.Buckets))
	}
	spans := all(svg, "rect", "onair-band")
	if len(spans) != len(a.OnAir) {
		t.Fatalf("%d on-air spans drawn, want %d", len(spans), len(a.OnAir))
	}

	// The spans are on the time axis of the bars: the axis labels give
	// the scale, and each span starts and lasts where its times say.
	ticks := map[string]float64{}
	for _, tx := range all(one(t, svg, "g", "axis-time"), "text", "") {
		ticks[text(tx)] = num(t, attr(tx, "x"))
	}
	x5, x10 := ticks["18:05"], ticks["18:10"]
	if x10 <= x5 {
		t.Fatalf("time axis labels %v: want 18:05 left of 18:10", ticks)
	}
	perMinute := (x10 - x5) / 5
	for i, s := range a.OnAir {
		wantX := x5 + perMinute*s.Start.Sub(at(5, 0)).Minutes()
		wantW := max(perMinute*s.Duration().Minutes(), 1)
		gotX, gotW := num(t, attr(spans[i], "x")), num(t, attr(spans[i], "width"))
		if math.Abs(gotX-wantX) > 0.15 || math.Abs(gotW-wantW) > 0.15 {
			t.Errorf("span of #%d at x=%.1f width %.1f, want x=%.1f width %.1f", s.Question, gotX, gotW, wantX, wantW)
		}
	}
	// A minute's bar stands in the middle of its minute, as tall as its
	// questions on the questions' axis.
	yAt := map[string]float64{}
	for _, tx := range all(one(t, svg, "g", "axis-questions"), "text", "") {
		yAt[text(tx)] = num(t, attr(tx, "y"))
	}
	perQuestion := yAt["0"] - yAt["1"]
	if perQuestion <= 0 {
		t.Fatalf("questions axis labels %v: want 1 above 0", yAt)
	}
	bars := all(one(t, svg, "g", "bars"), "rect", "bar-questions")
	k := 0
	for _, b := range a.Activity.Buckets {
		if b.Questions == 0 {
			continue
		}
		bar := bars[k]
		k++
		mid := num(t, attr(bar, "x")) + num(t, attr(bar, "width"))/2
		if want := x5 + perMinute*(b.Start.Sub(at(5, 0)).Minutes()+0.5); math.Abs(mid-want) > 0.15 {
			t.Errorf("bar of %v centred at x=%.1f, want %.1f", b.Start, mid, want)
		}
		if h := num(t, attr(bar, "height")); math.Abs(h-perQuestion*float64(b.Questions)) > 0.15 {
			t.Errorf("bar of %v is %.1f high for %d questions (%.1f a question)", b.Start, h, b.Questions, perQuestion)
		}
	}
}

// libraryBars returns the bars go-analyze/charts drew in fill colour rgb,
// top to bottom, as their widths; the first path of a colour is its
// legend's swatch.
func libraryBars(t *testing.T, fig *html.Node, rgb string) []float64 {
	t.Helper()
	corner := regexp.MustCompile(`^M (\d+) (\d+)\s+L (\d+) (\d+)\s+L (\d+) (\d+)\s+L (\d+) (\d+)\s+L \d+ \d+$`)
	type bar struct{ y, w float64 }
	var bars []bar
	for i, p := range all(fig, "path", "") {
		if !strings.Contains(attr(p, "style"), "fill:"+rgb) {
			continue
		}
		c := corner.FindStringSubmatch(attr(p, "d"))
		if c == nil {
			t.Fatalf("path %d of fill %s is not a rectangle: %q", i, rgb, attr(p, "d"))
		}
		bars = append(bars, bar{y: num(t, c[2]), w: num(t, c[3]) - num(t, c[1])})
	}
	if len(bars) == 0 {
		return nil
	}
	bars = bars[1:] // the legend
	slices.SortFunc(bars, func(x, y bar) int { return int(x.y - y.y) })
	var w []float64
	for _, b := range bars {
		w = append(w, b.w)
	}
	return w
}

// proportional reports whether widths are values to one scale, within
// the library's whole pixels.
func proportional(widths []float64, values []int) bool {
	if len(widths) != len(values) {
		return false
	}
	scale := 0.0
	for i, v := range values {
		if v > 0 {
			scale = max(scale, widths[i]/float64(v))
		}
	}
	for i, v := range values {
		if math.Abs(widths[i]-scale*float64(v)) > 1.5 {
			return false
		}
	}
	return true
}

func TestHTMLSourceAndLabelCharts(t *testing.T) {
	m := playMeeting(t)
	doc, page := render(t, m, "en")
	a := report.Analyze(m.state, report.Options{Now: m.end})

	sources := one(t, doc, "figure", "chart-sources")
	if len(all(sources, "svg", "")) != 1 {
		t.Fatal("no SVG in the chart by source")
	}
	var questions, askers, voters []int
	for _, s := range a.Sources {
		questions, askers, voters = append(questions, s.Questions), append(askers, s.Askers), append(voters, s.Voters)
	}
	for _, series := range []struct {
		name, rgb string
		values    []int
	}{
		{"questions", "rgb(59,111,182)", questions},
		{"askers", "rgb(143,179,224)", askers},
		{"voters", "rgb(224,135,58)", voters},
	} {
		if w := libraryBars(t, sources, series.rgb); !proportional(w, series.values) {
			t.Errorf("%s bars %v, want one per source in proportion to %v", series.name, w, series.values)
		}
	}
	for _, s := range a.Sources {
		if !slices.ContainsFunc(all(sources, "text", ""), func(n *html.Node) bool { return text(n) == s.Source }) {
			t.Errorf("the chart by source does not name %s", s.Source)
		}
	}

	labels := one(t, doc, "figure", "chart-labels")
	var perLabel []int
	for _, l := range a.Labels {
		perLabel = append(perLabel, l.Questions)
	}
	if w := libraryBars(t, labels, "rgb(59,111,182)"); !proportional(w, perLabel) {
		t.Errorf("label bars %v, want one per label in proportion to %v", w, perLabel)
	}
	if got := len(rows(one(t, doc, "table", "tally-labels"))); got != len(a.Labels) {
		t.Errorf("%d label rows, want %d", got, len(a.Labels))
	}

	t.Run("NoLabels", func(t *testing.T) {
		st := m.state
		st.Questions = slices.Clone(st.Questions)
		for i := range st.Questions {
			st.Questions[i].Label = ""
		}
		var buf bytes.Buffer
		if err := report.Write(context.Background(), &buf, st, report.Options{Now: m.end}); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(all(doc, "section", "labels")) + len(all(doc, "figure", "chart-labels")); n != 0 {
			t.Errorf("a meeting without labels has a label section or chart")
		}
	})
	if strings.Contains(page, "<script") {
		t.Error("the report carries a script element")
	}
}

func TestHTMLTables(t *testing.T) {
	m := playMeeting(t)
	doc, _ := render(t, m, "en")

	figures := map[string]string{}
	for _, li := range all(one(t, doc, "section", "figures"), "li", "figure") {
		figures[classes(li)[1]] = text(one(t, li, "span", "value"))
	}
	for class, want := range map[string]string{
		"figure-questions": "11", "figure-askers": "9", "figure-voters": "6", "figure-votes": "8", "figure-answered": "2",
	} {
		if figures[class] != want {
			t.Errorf("%s = %q, want %q", class, figures[class], want)
		}
	}
	if got := rows(one(t, doc, "table", "tally-sources")); len(got) != 3 || !slices.Equal(got[0], []string{"twitch", "6", "5", "3", "4", "1"}) {
		t.Errorf("sources table %v", got)
	}
	if got := len(rows(one(t, doc, "table", "tally-channels"))); got != 4 {
		t.Errorf("%d channel rows, want 4", got)
	}

	timeline := rows(one(t, doc, "table", "questions-timeline"))
	if len(timeline) != len(m.asked) {
		t.Fatalf("%d timeline rows, want one per question (%d)", len(timeline), len(m.asked))
	}
	// #, question, votes, status, asked, approved, on air, answered, waited, on air for
	if r := timeline[3]; !slices.Equal(r[2:], []string{"3", "answered", "18:02:00", "18:02:32", "18:09:00", "18:12:30", "7\u00a0min 00\u00a0s", "2\u00a0min 00\u00a0s (2 times on air)"}) {
		t.Errorf("timeline of #4: %q", r)
	}
	if r := timeline[6]; r[3] != "merged → #5" {
		t.Errorf("status of #7 = %q, want merged → #5", r[3])
	}
	if r := timeline[8]; !slices.Equal(r[3:8], []string{"pending", "18:15:00", "", "", ""}) {
		t.Errorf("timeline of #9 (rejected, undone) = %q", r)
	}

	var top []string
	for _, r := range rows(one(t, doc, "table", "questions-top")) {
		top = append(top, r[1])
	}
	if !slices.Equal(top, []string{"1", "4", "10"}) {
		t.Errorf("top questions %v, want #1 #4 #10", top)
	}

	for class, n := range map[string]int{
		"decisions-rejected": 1, "decisions-hidden-reports": 2, "decisions-hidden-platform": 1,
		"decisions-merged": 1, "decisions-banned": 2, "decisions-undone": 1,
	} {
		if got := len(rows(one(t, doc, "table", class))); got != n {
			t.Errorf("%s: %d rows, want %d", class, got, n)
		}
	}
	merged := rows(one(t, doc, "table", "decisions-merged"))[0]
	if merged[2] != "#7 into #5" {
		t.Errorf("merge row %q, want #7 into #5", merged)
	}
	banned := rows(one(t, doc, "table", "decisions-banned"))
	if banned[1][1] != "youtube" || !strings.Contains(banned[1][2], "youtube:UCeve") || !strings.Contains(banned[1][2], "#3") {
		t.Errorf("platform ban row %q", banned[1])
	}
	if hidden := rows(one(t, doc, "table", "decisions-hidden-reports")); hidden[0][1] != "viewers" || !strings.Contains(hidden[0][2], "3 reports") {
		t.Errorf("hidden by reports row %q", hidden[0])
	}
}

func TestHTMLChatTextIsText(t *testing.T) {
	m := playMeeting(t)
	doc, page := render(t, m, "en")
	if n := len(all(doc, "script", "")) + len(all(doc, "b", "")); n != 0 {
		t.Errorf("%d script or b elements: chat markup became markup", n)
	}
	timeline := all(one(t, doc, "table", "questions-timeline"), "span", "text")
	if got := text(timeline[2]); got != hostileText {
		t.Errorf("question #3 reads %q, want the text as asked, %q", got, hostileText)
	}
	if h1 := text(one(t, doc, "h1", "")); h1 != "Town hall <December>" {
		t.Errorf("title %q", h1)
	}
	// An anonymous question's author is nowhere in the report.
	if strings.Contains(page, hal.DisplayName) {
		t.Errorf("the report names %q, who asked anonymously", hal.DisplayName)
	}
	if got := text(all(timeline[9].Parent, "span", "author")[0]); got != "anonymous" {
		t.Errorf("author of #10 shown as %q, want anonymous", got)
	}

	// Labels and channels are drawn by go-analyze/charts too: its SVG,
	// which the page takes as it is, must keep them text.
	t.Run("InTheCharts", func(t *testing.T) {
		const label, channel = `<b onclick="x()">lbl</b>`, `<i>chan</i>`
		st := m.state
		st.Questions = slices.Clone(st.Questions)
		st.Questions[0].Label = label
		st.Questions[0].Channel = channel
		var buf bytes.Buffer
		if err := report.Write(context.Background(), &buf, st, report.Options{Now: m.end}); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(all(doc, "b", "")) + len(all(doc, "i", "")); n != 0 {
			t.Errorf("%d b or i elements: a label or channel became markup", n)
		}
		fig := one(t, doc, "figure", "chart-labels")
		if !slices.ContainsFunc(all(fig, "text", ""), func(n *html.Node) bool { return text(n) == label }) {
			t.Errorf("the label chart does not show the label %q as text", label)
		}
		if !strings.Contains(text(one(t, doc, "table", "tally-channels")), channel) {
			t.Errorf("the channel table does not show %q as text", channel)
		}
	})
}

func TestHTMLFrench(t *testing.T) {
	m := playMeeting(t)
	doc, _ := render(t, m, "fr")
	if lang := attr(one(t, doc, "html", ""), "lang"); lang != "fr" {
		t.Errorf("lang=%q", lang)
	}
	var heads []string
	for _, h := range all(doc, "h2", "") {
		heads = append(heads, text(h))
	}
	want := []string{"Chiffres clés", "Questions et votes par minute", "Par thème", "Questions les plus soutenues", "Modération", "Toutes les questions"}
	if !slices.Equal(heads, want) {
		t.Errorf("headings %q, want %q", heads, want)
	}
	if r := rows(one(t, doc, "table", "questions-timeline"))[0]; r[3] != "répondue" {
		t.Errorf("status of #1 in French: %q", r[3])
	}
}

func TestHTMLRefusesUnknownLanguage(t *testing.T) {
	m := playMeeting(t)
	var buf bytes.Buffer
	err := report.Write(context.Background(), &buf, m.state, report.Options{Lang: "de"})
	if tribune.ErrorCode(err) != tribune.EINVALID || buf.Len() != 0 {
		t.Errorf("err=%v, %d bytes written; want EINVALID and nothing", err, buf.Len())
	}
}

func TestHTMLEmpty(t *testing.T) {
	for name, st := range map[string]tribune.SessionState{
		"NoSession":  {},
		"NoQuestion": {Session: tribune.Session{ID: 1, Channel: "townhall", Title: "Quiet", Started: t0}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.Write(context.Background(), &buf, st, report.Options{}); err != nil {
				t.Fatal(err)
			}
			doc, err := html.Parse(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if len(all(doc, "p", "empty")) == 0 {
				t.Error("an empty report says nothing is there")
			}
		})
	}
}

// outline writes the element tree of n: names and classes, one a line,
// indented; consecutive siblings with the same outline are written once
// with their count. Text is left out, so the golden file holds the
// report's structure, not its every byte.
func outline(n *html.Node) string {
	var b strings.Builder
	var write func(n *html.Node, depth int) string
	sub := func(n *html.Node, depth int) string {
		var parts []string
		var last string
		count := 0
		flush := func() {
			if count == 1 {
				parts = append(parts, last)
			} else if count > 1 {
				lines := strings.SplitN(last, "\n", 2)
				parts = append(parts, lines[0]+fmt.Sprintf(" ×%d", count)+strings.TrimPrefix(last, lines[0]))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			s := write(c, depth+1)
			if s == last {
				count++
				continue
			}
			flush()
			last, count = s, 1
		}
		flush()
		return strings.Join(parts, "")
	}
	write = func(n *html.Node, depth int) string {
		line := strings.Repeat("  ", depth) + n.Data
		for _, c := range classes(n) {
			line += "." + c
		}
		return line + "\n" + sub(n, depth)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			b.WriteString(write(c, 0))
		}
	}
	return b.String()
}

func TestHTMLStructureGolden(t *testing.T) {
	m := playMeeting(t)
	doc, _ := render(t, m, "en")
	got := outline(doc)
	path := filepath.Join("testdata", "report.outline")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("the report's structure changed; if that is meant, run go test ./report -run Golden -update and review the diff:\n%s", lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, wl, gl)
		}
	}
	return ""
}
