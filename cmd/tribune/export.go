package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tribune-live/tribune"
)

// exporters write a session in each format of `tribune export`.
var exporters = map[string]func(io.Writer, tribune.SessionState) error{
	"csv":  exportCSV,
	"json": exportJSON,
	"md":   exportMarkdown,
}

// writeOutput runs write into a buffer, then copies it to path, or to
// stdout when path is empty. A failed export leaves no partial file: the
// file is written beside its destination and renamed into place.
func writeOutput(path string, stdout io.Writer, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	if path == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tribune-export-*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportDoc is the JSON export: the session, its questions and what the
// moderators did.
type exportDoc struct {
	Session   *tribune.Session   `json:"session"`
	Questions []tribune.Question `json:"questions"`
	Log       []exportLogEntry   `json:"moderation_log"`
}

type exportLogEntry struct {
	At        time.Time      `json:"at"`
	Moderator string         `json:"moderator"`
	Action    tribune.Action `json:"action"`
	Question  int            `json:"question,omitempty"`
	Undone    bool           `json:"undone,omitempty"`
	Detail    string         `json:"detail,omitempty"`
}

func exportJSON(w io.Writer, st tribune.SessionState) error {
	doc := exportDoc{Questions: st.Questions, Log: []exportLogEntry{}}
	if doc.Questions == nil {
		doc.Questions = []tribune.Question{}
	}
	if st.Session.ID != 0 {
		doc.Session = &st.Session
	}
	for _, e := range st.Log {
		doc.Log = append(doc.Log, exportLogEntry{At: e.At, Moderator: e.Moderator, Action: e.Action, Question: e.QuestionID, Undone: e.Undone, Detail: logDetail(e)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
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
	}
	if e.Ban != nil {
		parts = append(parts, "banned "+e.Ban.Login)
	}
	if e.UndoOf != 0 {
		parts = append(parts, fmt.Sprintf("undid action %d", e.UndoOf))
	}
	return strings.Join(parts, "; ")
}

var csvHeader = []string{"id", "status", "votes", "reports", "author", "login", "source", "created", "merged_into", "text"}

func exportCSV(w io.Writer, st tribune.SessionState) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, q := range st.Questions {
		merged := ""
		if q.MergedInto != 0 {
			merged = strconv.Itoa(q.MergedInto)
		}
		rec := []string{strconv.Itoa(q.ID), string(q.Status), strconv.Itoa(q.Votes), strconv.Itoa(q.Reports),
			csvSafe(q.Author), q.AuthorLogin, q.Source, q.Created.UTC().Format(time.RFC3339), merged, csvSafe(q.Text)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps chat text from being read as a formula by spreadsheets
// (CSV injection): a leading =, +, - or @ is prefixed with a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func exportMarkdown(w io.Writer, st tribune.SessionState) error {
	var b strings.Builder
	if st.Session.ID == 0 {
		b.WriteString("# Q&A\n\nNo session recorded yet.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	s := st.Session
	fmt.Fprintf(&b, "# Q&A — %s\n\n", mdEscape(s.Title))
	fmt.Fprintf(&b, "Channel: %s · Started: %s", mdEscape(s.Channel), s.Started.UTC().Format("2006-01-02 15:04 MST"))
	if !s.Ended.IsZero() {
		fmt.Fprintf(&b, " · Ended: %s", s.Ended.UTC().Format("2006-01-02 15:04 MST"))
	}
	counts := map[tribune.Status]int{}
	for _, q := range st.Questions {
		counts[q.Status]++
	}
	fmt.Fprintf(&b, "\n\n%d questions", len(st.Questions))
	for _, status := range tribune.Statuses {
		if counts[status] > 0 {
			fmt.Fprintf(&b, " · %s %d", status, counts[status])
		}
	}
	b.WriteString("\n")
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
		var rows []tribune.Question
		for _, q := range st.Questions {
			for _, status := range sec.statuses {
				if q.Status == status {
					rows = append(rows, q)
				}
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n| # | Question | Asked by | Votes | Status | Asked at |\n|---:|---|---|---:|---|---|\n", sec.title)
		for _, q := range rows {
			status := string(q.Status)
			if q.MergedInto != 0 {
				status = fmt.Sprintf("merged into #%d", q.MergedInto)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %d | %s | %s |\n", q.ID, mdEscape(q.Text), mdEscape(q.Author), q.Votes, status, q.Created.UTC().Format("15:04"))
		}
	}
	if len(st.Log) > 0 {
		b.WriteString("\n## Moderation log\n\n")
		for _, e := range st.Log {
			line := fmt.Sprintf("- %s %s: %s", e.At.UTC().Format("15:04:05"), mdEscape(e.Moderator), e.Action)
			if e.QuestionID != 0 {
				line += fmt.Sprintf(" #%d", e.QuestionID)
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

// mdEscaper keeps chat text inert in Markdown: HTML is written as entities
// (Markdown renderers pass raw HTML through), and the characters that make
// links, emphasis, code or table cells are escaped.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\\", "\\\\", "|", "\\|", "*", "\\*", "_", "\\_", "`", "\\`",
	"[", "\\[", "]", "\\]", "#", "\\#", "~", "\\~", "!", "\\!",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }
