package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tribune-live/tribune"
)

// Exports are the formats of `tribune export`, by name. Each writes an
// analysis of a session; times are UTC.
var Exports = map[string]func(io.Writer, *Analysis) error{
	"csv":  CSV,
	"json": JSON,
	"md":   Markdown,
}

// utc writes t in RFC 3339, UTC; zero is empty.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// seconds writes d in whole seconds.
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10)
}

// CSVHeader is the first row of the CSV export: one row per question
// follows.
var CSVHeader = []string{
	"id", "status", "votes", "reports", "author", "login", "source", "channel", "label",
	"created", "approved", "first_on_air", "answered", "waited_seconds", "on_air_seconds", "times_on_air",
	"merged_into", "text",
}

// CSV writes one row per question: its figures, where it was asked and
// its timeline (times in RFC 3339 UTC, empty when it did not happen;
// waited_seconds empty when it neither went on air nor was answered).
// Chat text that a spreadsheet would read as a formula is prefixed with a
// quote.
func CSV(w io.Writer, a *Analysis) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for i := range a.Questions {
		tl := &a.Questions[i]
		q := &tl.Question
		merged, waited := "", ""
		if q.MergedInto != 0 {
			merged = strconv.Itoa(q.MergedInto)
		}
		if tl.HasWaited() {
			waited = seconds(tl.Waited)
		}
		rec := []string{
			strconv.Itoa(q.ID), string(q.Status), strconv.Itoa(q.Votes), strconv.Itoa(q.Reports),
			csvSafe(q.Author), csvSafe(q.AuthorLogin), q.Source, csvSafe(q.Channel), csvSafe(q.Label),
			utc(tl.Asked), utc(tl.Approved), utc(tl.FirstOnAir), utc(tl.Answered), waited, seconds(tl.AirTime), strconv.Itoa(len(tl.Spans)),
			merged, csvSafe(q.Text),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps chat text from being read as a formula by spreadsheets
// (CSV injection): a leading =, +, -, @, tab or carriage return is
// prefixed with a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// jsonDoc is the JSON export: the session, the figures, its questions
// with their timelines, and what the moderators did.
type jsonDoc struct {
	Session   *tribune.Session `json:"session"`
	Figures   *jsonFigures     `json:"figures,omitempty"`
	Questions []jsonQuestion   `json:"questions"`
	Log       []jsonLogEntry   `json:"moderation_log"`
}

type jsonFigures struct {
	Totals   Tally   `json:"totals"`
	Sources  []Tally `json:"sources"`
	Channels []Tally `json:"channels"`
	Labels   []Tally `json:"labels,omitempty"`
	OnAir    []Span  `json:"on_air"`
}

type jsonQuestion struct {
	tribune.Question
	Timeline jsonTimeline `json:"timeline"`
}

type jsonTimeline struct {
	Asked      time.Time `json:"asked"`
	Approved   time.Time `json:"approved,omitzero"`
	FirstOnAir time.Time `json:"first_on_air,omitzero"`
	Answered   time.Time `json:"answered,omitzero"`
	Waited     *float64  `json:"waited_seconds,omitempty"`
	OnAir      float64   `json:"on_air_seconds"`
	Spans      []Span    `json:"spans,omitempty"`
}

type jsonLogEntry struct {
	At        time.Time      `json:"at"`
	Moderator string         `json:"moderator"`
	Action    tribune.Action `json:"action"`
	Question  int            `json:"question,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Undone    bool           `json:"undone,omitempty"`
	Detail    string         `json:"detail,omitempty"`
}

// JSON writes the session, its figures, every question with its timeline
// and the moderation log, indented.
func JSON(w io.Writer, a *Analysis) error {
	doc := jsonDoc{Questions: make([]jsonQuestion, 0, len(a.Questions)), Log: []jsonLogEntry{}}
	if a.Session.ID != 0 {
		doc.Session = &a.Session
		doc.Figures = &jsonFigures{Totals: a.Totals, Sources: a.Sources, Channels: a.Channels, Labels: a.Labels, OnAir: a.OnAir}
		if doc.Figures.OnAir == nil {
			doc.Figures.OnAir = []Span{}
		}
	}
	for i := range a.Questions {
		tl := &a.Questions[i]
		jt := jsonTimeline{Asked: tl.Asked, Approved: tl.Approved, FirstOnAir: tl.FirstOnAir, Answered: tl.Answered,
			OnAir: tl.AirTime.Round(time.Millisecond).Seconds(), Spans: tl.Spans}
		if tl.HasWaited() {
			s := tl.Waited.Round(time.Millisecond).Seconds()
			jt.Waited = &s
		}
		doc.Questions = append(doc.Questions, jsonQuestion{Question: tl.Question, Timeline: jt})
	}
	for _, e := range a.log {
		doc.Log = append(doc.Log, jsonLogEntry{At: e.At, Moderator: e.Moderator, Action: e.Action, Question: e.QuestionID,
			Reason: e.Reason, Undone: e.Undone, Detail: logDetail(e)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// MarshalJSON writes a Tally with lower-case names, leaving out the
// names that do not apply.
func (t Tally) MarshalJSON() ([]byte, error) {
	type tally struct {
		Source    string `json:"source,omitempty"`
		Channel   string `json:"channel,omitempty"`
		Label     string `json:"label,omitempty"`
		Questions int    `json:"questions"`
		Askers    int    `json:"askers"`
		Voters    int    `json:"voters"`
		Votes     int    `json:"votes"`
		Answered  int    `json:"answered"`
	}
	return json.Marshal(tally(t))
}

// MarshalJSON writes a Span with lower-case names.
func (s Span) MarshalJSON() ([]byte, error) {
	type span struct {
		Question int       `json:"question"`
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		Open     bool      `json:"open,omitempty"`
	}
	return json.Marshal(span(s))
}

// logDetail says in words what a log entry changed.
func logDetail(e tribune.LogEntry) string {
	var parts []string
	for i, b := range e.Before {
		if i >= len(e.After) {
			break
		}
		a := e.After[i]
		if b.Status != a.Status {
			parts = append(parts, fmt.Sprintf("#%d %s → %s", a.ID, b.Status, a.Status))
		}
		if b.Text != a.Text {
			parts = append(parts, fmt.Sprintf("#%d text was %q", a.ID, b.Text))
		}
		if b.Label != a.Label {
			parts = append(parts, fmt.Sprintf("#%d label %q → %q", a.ID, b.Label, a.Label))
		}
	}
	if e.Ban != nil {
		parts = append(parts, "banned "+e.Ban.Target())
	}
	if e.UndoOf != 0 {
		parts = append(parts, fmt.Sprintf("undid action %d", e.UndoOf))
	}
	return strings.Join(parts, "; ")
}

// Markdown writes the session as Markdown: its figures, its questions by
// outcome with their timelines, and the moderation log. Chat text is
// escaped so that it stays text in any renderer.
func Markdown(w io.Writer, a *Analysis) error {
	var b strings.Builder
	if a.Session.ID == 0 {
		b.WriteString("# Q&A\n\nNo session recorded yet.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	s := a.Session
	fmt.Fprintf(&b, "# Q&A — %s\n\n", mdEscape(s.Title))
	fmt.Fprintf(&b, "Channel: %s · Started: %s", mdEscape(s.Channel), s.Started.UTC().Format("2006-01-02 15:04 MST"))
	if !s.Ended.IsZero() {
		fmt.Fprintf(&b, " · Ended: %s", s.Ended.UTC().Format("2006-01-02 15:04 MST"))
	}
	counts := map[tribune.Status]int{}
	for i := range a.Questions {
		counts[a.Questions[i].Question.Status]++
	}
	fmt.Fprintf(&b, "\n\n%d questions", len(a.Questions))
	for _, status := range tribune.Statuses {
		if counts[status] > 0 {
			fmt.Fprintf(&b, " · %s %d", status, counts[status])
		}
	}
	t := a.Totals
	fmt.Fprintf(&b, "\n\n%d askers · %d voters · %d votes · %d answered\n", t.Askers, t.Voters, t.Votes, t.Answered)
	if len(a.Sources) > 0 {
		b.WriteString("\n| Source | Questions | Askers | Voters | Votes | Answered |\n|---|---:|---:|---:|---:|---:|\n")
		for _, t := range a.Sources {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", mdEscape(t.Source), t.Questions, t.Askers, t.Voters, t.Votes, t.Answered)
		}
	}
	sections := []struct {
		title    string
		statuses []tribune.Status
	}{
		{"Answered", []tribune.Status{tribune.StatusAnswered}},
		{"On air", []tribune.Status{tribune.StatusOnAir}},
		{"Still open", []tribune.Status{tribune.StatusApproved, tribune.StatusPending, tribune.StatusHidden}},
		{"Set aside", []tribune.Status{tribune.StatusRejected, tribune.StatusMerged, tribune.StatusWithdrawn}},
	}
	for _, sec := range sections {
		var rows []*Timeline
		for i := range a.Questions {
			for _, status := range sec.statuses {
				if a.Questions[i].Question.Status == status {
					rows = append(rows, &a.Questions[i])
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n| # | Question | Asked by | Source | Label | Votes | Status | Asked at | On air | Answered | Time on air |\n|---:|---|---|---|---|---:|---|---|---|---|---:|\n", sec.title)
		for _, tl := range rows {
			q := &tl.Question
			status := string(q.Status)
			if q.MergedInto != 0 {
				status = fmt.Sprintf("merged into #%d", q.MergedInto)
			}
			air := ""
			if len(tl.Spans) > 0 {
				air = tl.AirTime.Round(time.Second).String()
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", q.ID, mdEscape(q.Text), mdEscape(q.Author),
				mdEscape(where(q.Source, q.Channel)), mdEscape(q.Label), q.Votes, status,
				mdClock(tl.Asked), mdClock(tl.FirstOnAir), mdClock(tl.Answered), air)
		}
	}
	if len(a.log) > 0 {
		b.WriteString("\n## Moderation log\n\n")
		for _, e := range a.log {
			line := fmt.Sprintf("- %s %s: %s", e.At.UTC().Format("15:04:05"), mdEscape(e.Moderator), e.Action)
			if e.QuestionID != 0 {
				line += fmt.Sprintf(" #%d", e.QuestionID)
			}
			if e.Reason != "" {
				line += " — " + mdEscape(e.Reason)
			}
			if d := logDetail(e); d != "" {
				line += " (" + mdEscape(d) + ")"
			}
			if e.Undone {
				line += " — undone"
			}
			b.WriteString(line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdClock writes a time of day in UTC, or nothing for zero.
func mdClock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("15:04:05")
}

// mdEscaper keeps chat text inert in Markdown: HTML is written as entities
// (Markdown renderers pass raw HTML through), and the characters that make
// links, emphasis, code or table cells are escaped.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\\", "\\\\", "|", "\\|", "*", "\\*", "_", "\\_", "`", "\\`",
	"[", "\\[", "]", "\\]", "#", "\\#", "~", "\\~", "!", "\\!",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }
