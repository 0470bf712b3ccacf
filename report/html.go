package report

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/tribune-live/tribune"
)

//go:embed report.html.tmpl
var pageTemplate string

//go:embed report.css
var pageCSS string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	// Stand-ins: render binds them to the report's language.
	"t": func(string, ...any) string { return "" }, "num": func(int) string { return "" },
	"clock": func(time.Time) string { return "" }, "date": func(time.Time) string { return "" },
	"dur": func(time.Duration) string { return "" }, "status": func(tribune.Status) string { return "" },
	"action": func(tribune.Action) string { return "" },
	"author": author, "where": where, "ids": ids,
	"inc":   func(i int) int { return i + 1 },
	"count": countQuestions,
	"group": func(key string, ds []Decision) decisionGroup { return decisionGroup{key, ds} },
}).Parse(pageTemplate))

// decisionGroup is one kind of decision in the moderation summary.
type decisionGroup struct {
	Key       string // its heading's key, and its table's class
	Decisions []Decision
}

// countQuestions returns how many questions the decisions changed, each
// counted once.
func countQuestions(ds []Decision) int {
	seen := map[int]bool{}
	for _, d := range ds {
		for _, id := range d.Questions {
			seen[id] = true
		}
	}
	return len(seen)
}

// view is what the page template reads.
type view struct {
	A            *Analysis
	Lang         string
	Title        string
	CSS          template.CSS
	Made         time.Time
	Activity     activityChart
	ActivityHead string
	SourcesChart template.HTML
	LabelsChart  template.HTML
	Labels       []Tally // those in the label chart
}

// Write writes the HTML report of st to w: one self-contained page, with
// its charts as inline SVG, no script and nothing loaded from the
// network, made to print on A4. Chat text in it is escaped: it stays
// text. EINVALID for an unknown language.
func Write(ctx context.Context, w io.Writer, st tribune.SessionState, opts Options) error {
	if _, err := newLang(opts.Lang, opts.Location, time.Time{}); err != nil {
		return tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, "%s", err.Error())
	}
	return WriteAnalysis(ctx, w, Analyze(st, opts), opts)
}

// WriteAnalysis is Write for a session already analysed.
func WriteAnalysis(ctx context.Context, w io.Writer, a *Analysis, opts Options) error {
	l, err := newLang(opts.Lang, opts.Location, a.Start)
	if err != nil {
		return tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, "%s", err.Error())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	v := view{A: a, Lang: l.code, CSS: template.CSS(pageCSS), Made: opts.Now}
	if v.Made.IsZero() {
		v.Made = time.Now()
	}
	v.Title = a.Session.Title
	if v.Title == "" {
		v.Title = l.t("untitled")
	}
	v.Activity = newActivityChart(a, l)
	v.ActivityHead = l.t("activity")
	if m := int(a.Activity.Width / time.Minute); m > 1 {
		v.ActivityHead = l.t("activity-n", m)
	}
	if len(a.Sources) > 0 {
		var cats []string
		series := make([][]float64, 3)
		for _, s := range a.Sources {
			cats = append(cats, s.Source)
			series[0] = append(series[0], float64(s.Questions))
			series[1] = append(series[1], float64(s.Askers))
			series[2] = append(series[2], float64(s.Voters))
		}
		if v.SourcesChart, err = barChart(barTheme, cats, []string{l.t("questions"), l.t("askers"), l.t("voters")}, series); err != nil {
			return err
		}
	}
	if len(a.Labels) > 0 {
		v.Labels = a.Labels[:min(len(a.Labels), maxChartLabels)]
		var cats []string
		series := make([][]float64, 2)
		for _, t := range v.Labels {
			cats = append(cats, t.Label)
			series[0] = append(series[0], float64(t.Questions))
			series[1] = append(series[1], float64(t.Answered))
		}
		if v.LabelsChart, err = barChart(answeredTheme, cats, []string{l.t("questions"), l.t("answered")}, series); err != nil {
			return err
		}
	}
	tmpl, err := page.Clone()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmpl.Funcs(template.FuncMap{
		"t": l.t, "num": l.num, "clock": l.clock, "date": l.date, "dur": l.dur,
		"status": l.status, "action": l.action,
	})
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := tmpl.Execute(bw, v); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

// author is how the report names a question's author: not at all when
// the question was asked anonymously (the report is made to be shared).
func author(q tribune.Question) string {
	if q.Anonymous {
		return ""
	}
	return q.Author
}

// where names where a question was asked: its source and channel.
func where(source, channel string) string {
	if channel == "" {
		return source
	}
	if source == tribune.SourceTwitch {
		return source + " #" + channel
	}
	return source + " " + channel
}

// ids writes question numbers: "#3, #5".
func ids(qs []int) string {
	var b strings.Builder
	for i, id := range qs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "#%d", id)
	}
	return b.String()
}
