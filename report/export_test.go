package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/report"
)

func TestExportCSV(t *testing.T) {
	m := playMeeting(t)
	var buf bytes.Buffer
	if err := report.CSV(&buf, report.Analyze(m.state, report.Options{Now: m.end})); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(m.asked) || !slices.Equal(recs[0], report.CSVHeader) {
		t.Fatalf("%d rows, header %v: want a header and one row per question", len(recs), recs[0])
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	row := func(id int) map[string]string {
		out := map[string]string{}
		for name, i := range col {
			out[name] = recs[id][i]
		}
		return out
	}
	q4 := row(4)
	for name, want := range map[string]string{
		"status": "answered", "source": "web", "channel": "", "label": "schools",
		"created": "2026-12-03T18:02:00Z", "approved": "2026-12-03T18:02:32Z", "first_on_air": "2026-12-03T18:09:00Z",
		"answered": "2026-12-03T18:12:30Z", "waited_seconds": "420", "on_air_seconds": "120", "times_on_air": "2",
	} {
		if q4[name] != want {
			t.Errorf("#4 %s = %q, want %q", name, q4[name], want)
		}
	}
	if q1 := row(1); q1["source"] != "twitch" || q1["channel"] != "townhall" || q1["votes"] != "5" {
		t.Errorf("#1 = %v", q1)
	}
	if q9 := row(9); q9["approved"] != "" || q9["waited_seconds"] != "" || q9["on_air_seconds"] != "0" {
		t.Errorf("#9, never approved nor aired: %v", q9)
	}
	if q7 := row(7); q7["merged_into"] != "5" || q7["channel"] != "vid123" {
		t.Errorf("#7 = %v", q7)
	}
	if got := row(3)["text"]; got != hostileText {
		t.Errorf("text with quotes and markup = %q", got)
	}

	t.Run("FormulaGuard", func(t *testing.T) {
		st := m.state
		st.Questions = slices.Clone(st.Questions)
		st.Questions[0].Text = `=HYPERLINK("http://evil")`
		st.Questions[0].Author = "+cmd"
		st.Questions[0].Label = "@label"
		var buf bytes.Buffer
		if err := report.CSV(&buf, report.Analyze(st, report.Options{})); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"text", "author", "label"} {
			if v := recs[1][col[name]]; !strings.HasPrefix(v, "'") {
				t.Errorf("%s %q not neutralised", name, v)
			}
		}
	})
}

func TestExportJSON(t *testing.T) {
	m := playMeeting(t)
	var buf bytes.Buffer
	if err := report.JSON(&buf, report.Analyze(m.state, report.Options{Now: m.end})); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Session tribune.Session `json:"session"`
		Figures struct {
			Totals  map[string]int   `json:"totals"`
			Sources []map[string]any `json:"sources"`
			OnAir   []struct {
				Question   int
				Start, End time.Time
				Open       bool
			} `json:"on_air"`
		} `json:"figures"`
		Questions []struct {
			ID       int    `json:"id"`
			Text     string `json:"text"`
			Source   string `json:"source"`
			Channel  string `json:"channel"`
			Label    string `json:"label"`
			Timeline struct {
				Asked      time.Time `json:"asked"`
				Approved   time.Time `json:"approved"`
				FirstOnAir time.Time `json:"first_on_air"`
				Answered   time.Time `json:"answered"`
				Waited     *float64  `json:"waited_seconds"`
				OnAir      float64   `json:"on_air_seconds"`
				Spans      []struct{ Start, End time.Time }
			} `json:"timeline"`
		} `json:"questions"`
		Log []struct {
			Action string `json:"action"`
			Reason string `json:"reason"`
			Undone bool   `json:"undone"`
			Detail string `json:"detail"`
		} `json:"moderation_log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Session.Title != "Town hall <December>" || len(doc.Questions) != len(m.asked) {
		t.Fatalf("session %+v, %d questions", doc.Session, len(doc.Questions))
	}
	if tot := doc.Figures.Totals; tot["questions"] != 11 || tot["votes"] != len(m.cast) || tot["answered"] != 2 {
		t.Errorf("totals %v", tot)
	}
	if len(doc.Figures.Sources) != 3 || doc.Figures.Sources[0]["source"] != "twitch" {
		t.Errorf("sources %v", doc.Figures.Sources)
	}
	if n := len(doc.Figures.OnAir); n != 6 || !doc.Figures.OnAir[n-1].Open {
		t.Errorf("on air %+v, want 6 spans, the last open", doc.Figures.OnAir)
	}
	q4 := doc.Questions[3]
	tl := q4.Timeline
	if q4.Source != "web" || q4.Label != "schools" || !tl.Asked.Equal(at(2, 0)) || !tl.Approved.Equal(at(2, 32)) ||
		!tl.FirstOnAir.Equal(at(9, 0)) || !tl.Answered.Equal(at(12, 30)) || tl.Waited == nil || *tl.Waited != 420 || tl.OnAir != 120 || len(tl.Spans) != 2 {
		t.Errorf("#4 = %+v", q4)
	}
	if w := doc.Questions[8].Timeline.Waited; w != nil {
		t.Errorf("#9 never aired, waited_seconds = %v", *w)
	}
	if doc.Questions[2].Text != hostileText {
		t.Errorf("text not kept verbatim: %q", doc.Questions[2].Text)
	}
	var undone, deleted bool
	for _, e := range doc.Log {
		undone = undone || (e.Action == "reject" && e.Undone)
		deleted = deleted || (e.Action == "deleted" && e.Reason == "deleted on twitch")
	}
	if !undone || !deleted {
		t.Errorf("log lacks the undone rejection or the platform's deletion: %+v", doc.Log)
	}
}

func TestExportMarkdown(t *testing.T) {
	m := playMeeting(t)
	var buf bytes.Buffer
	if err := report.Markdown(&buf, report.Analyze(m.state, report.Options{Now: m.end})); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"# Q&A — Town hall &lt;December&gt;",
		"| twitch | 6 | 5 | 3 | 4 | 1 |",
		"| 4 | What about the schools? | Gus | web | schools | 3 | answered | 18:02:00 | 18:09:00 | 18:12:30 | 2m0s |",
		"&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; question",
		"| 7 | When will taxes go down? | Fay | youtube vid123 |",
		"| merged into #5 |",
		"twitch: deleted #5 — deleted on twitch",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "<script") || strings.Contains(md, "<b>") {
		t.Error("markdown carries raw HTML from chat")
	}
	// Every row of a table has as many unescaped separators as its header.
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|")
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row has %d separators, its table %d: %s", n, cols, line)
		}
	}
}
