package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/report"
)

// seedMeeting writes a small meeting into a new database file through the
// real Service and returns the file's path.
func seedMeeting(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meeting.db")
	now := time.Date(2026, 11, 23, 18, 30, 0, 0, time.UTC)
	tribunetest.Seed(t, path, "townhall", func(svc *tribune.Service) {
		svc.SessionTitle = "Town hall | November"
		svc.Premoderate = false
		svc.RateInterval = 0
		svc.Now = func() time.Time { return now }
	}, func(svc *tribune.Service) {
		ctx := context.Background()
		ask := func(login, text string) {
			t.Helper()
			tribunetest.Ask(t, svc, tribune.Actor{Login: login, DisplayName: strings.ToUpper(login[:1]) + login[1:], UserID: "id-" + login}, text)
		}
		ask("ann", "Will the bridge be rebuilt, and when?")
		ask("bob", `<img src=x onerror=alert(1)> | *bold* "quoted", with comma`)
		ask("cleo", "=HYPERLINK(\"http://evil\")")
		ask("dan", "Pourquoi les impôts augmentent-ils ?")
		for _, voter := range []string{"v1", "v2", "v3"} {
			tribunetest.Vote(t, svc, tribune.Actor{Login: voter, UserID: voter}, 1)
		}
		steps := []func() error{
			func() error { _, err := svc.Show(ctx, 1); return err },
			func() error { _, err := svc.Answer(ctx, 1); return err },
			func() error { _, err := svc.Reject(ctx, 2); return err },
			func() error {
				_, err := svc.Edit(ctx, 4, "Pourquoi les impôts augmentent-ils cette année ?")
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	})
	return path
}

func runExport(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), append([]string{"export"}, args...)); err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func TestExportJSON(t *testing.T) {
	path := seedMeeting(t)
	var doc struct {
		Session   tribune.Session    `json:"session"`
		Questions []tribune.Question `json:"questions"`
		Log       []struct {
			Action   string `json:"action"`
			Question int    `json:"question"`
			Detail   string `json:"detail"`
		} `json:"moderation_log"`
	}
	if err := json.Unmarshal([]byte(runExport(t, "--db", path, "--format", "json")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Session.Title != "Town hall | November" || doc.Session.Channel != "townhall" {
		t.Errorf("session = %+v", doc.Session)
	}
	if len(doc.Questions) != 4 {
		t.Fatalf("questions=%d, want 4", len(doc.Questions))
	}
	q := doc.Questions[0]
	if q.Votes != 4 || q.Status != tribune.StatusAnswered || q.Author != "Ann" || !q.Created.Equal(time.Date(2026, 11, 23, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("question 1 = %+v, want 4 votes, answered, by Ann, created 18:30", q)
	}
	if doc.Questions[1].Text != `<img src=x onerror=alert(1)> | *bold* "quoted", with comma` {
		t.Errorf("text not kept verbatim: %q", doc.Questions[1].Text)
	}
	if len(doc.Log) != 4 || doc.Log[3].Action != "edit" || !strings.Contains(doc.Log[3].Detail, "augmentent-ils ?") {
		t.Errorf("log = %+v, want 4 entries ending with the edit and the original text", doc.Log)
	}
}

func TestExportCSV(t *testing.T) {
	path := seedMeeting(t)
	rows, err := csv.NewReader(strings.NewReader(runExport(t, "--db", path, "--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(report.CSVHeader, ",") {
		t.Fatalf("rows=%d header=%v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if r := rows[1]; r[col["votes"]] != "4" || r[col["status"]] != "answered" || r[col["created"]] != "2026-11-23T18:30:00Z" {
		t.Errorf("row 1 = %v", r)
	}
	if got := rows[2][col["text"]]; got != `<img src=x onerror=alert(1)> | *bold* "quoted", with comma` {
		t.Errorf("text with quotes and commas = %q", got)
	}
	if got := rows[3][col["text"]]; !strings.HasPrefix(got, "'=") {
		t.Errorf("formula not neutralised: %q", got)
	}
}

func TestExportMarkdown(t *testing.T) {
	path := seedMeeting(t)
	md := runExport(t, "--db", path, "--format", "md")
	for _, want := range []string{
		"# Q&A — Town hall \\| November",
		"## Answered",
		"| 1 | Will the bridge be rebuilt, and when? | Ann | twitch |  | 4 | answered | 18:30:00 | 18:30:00 | 18:30:00 | 0s |",
		"## Set aside",
		"&lt;img src=x onerror=alert(1)&gt; \\| \\*bold\\*",
		"## Moderation log",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "<img") {
		t.Error("markdown carries raw HTML from chat")
	}
	// Every row of the questions' tables has as many unescaped cell
	// separators as their header's twelve.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| Source") && !strings.HasPrefix(line, "| twitch") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != 12 {
				t.Errorf("row has %d separators, want 12: %s", n, line)
			}
		}
	}
}

func TestExportRefusals(t *testing.T) {
	path := seedMeeting(t)
	tests := []struct {
		name string
		args []string
	}{
		{"ErrFormat", []string{"--db", path, "--format", "xml"}},
		{"ErrSession", []string{"--db", path, "--format", "json", "--session", "99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
			err := m.Run(context.Background(), append([]string{"export"}, tt.args...))
			if _, ok := err.(usageError); !ok {
				t.Errorf("err = %v, want a usage error", err)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes on a refusal", out.Len())
			}
		})
	}
}

func TestExportToFile(t *testing.T) {
	path := seedMeeting(t)
	out := filepath.Join(t.TempDir(), "report.md")
	if got := runExport(t, "--db", path, "--format", "md", "--out", out); got != "" {
		t.Errorf("wrote %q to stdout with --out", got)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(b, []byte("## Answered")) {
		t.Errorf("report file: %v, %q", err, b)
	}
}

// The tests of `tribune report` call runReport: the command shares the
// export's loader and output.

func newTestMain() (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}, &out, &errOut
}

func TestReportHTML(t *testing.T) {
	path := seedMeeting(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		lang, heading string
	}{{"en", "Headline figures"}, {"fr", "Chiffres clés"}} {
		t.Run(tt.lang, func(t *testing.T) {
			m, out, errOut := newTestMain()
			file := filepath.Join(dir, "report-"+tt.lang+".html")
			if err := m.runReport(context.Background(), []string{"--db", path, "--out", file, "--lang", tt.lang}); err != nil {
				t.Fatalf("report: %v\n%s", err, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("wrote %d bytes to stdout with --out", out.Len())
			}
			page, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`<html lang="` + tt.lang + `">`, "<h2>" + tt.heading + "</h2>", `<svg class="activity"`, "Town hall | November"} {
				if !bytes.Contains(page, []byte(want)) {
					t.Errorf("report lacks %q", want)
				}
			}
			if bytes.Contains(page, []byte("<img src=x")) {
				t.Error("chat markup reached the report as markup")
			}
		})
	}
	t.Run("Stdout", func(t *testing.T) {
		m, out, _ := newTestMain()
		if err := m.runReport(context.Background(), []string{"--db", path}); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("<!DOCTYPE html>")) {
			t.Errorf("stdout starts %q", out.Bytes()[:min(out.Len(), 40)])
		}
	})
}

func TestReportUsage(t *testing.T) {
	m, out, errOut := newTestMain()
	err := m.runReport(context.Background(), []string{"-h"})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	help := errOut.String()
	if !strings.HasPrefix(help, "Usage: tribune report [--db FILE]") || strings.Contains(help, usage) || strings.Contains(help, "tribune demo") {
		t.Errorf("help of report is not its own:\n%s", help)
	}
	for _, flag := range []string{"-db", "-session", "-format", "-out", "-lang", "-chromium"} {
		if !strings.Contains(help, flag) {
			t.Errorf("help lacks %s:\n%s", flag, help)
		}
	}
	if out.Len() != 0 {
		t.Errorf("help wrote to stdout: %q", out)
	}
}

func TestReportRefusals(t *testing.T) {
	path := seedMeeting(t)
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		usage bool   // a usage error (exit 2), else a plain error
		want  string // in the error
	}{
		{"ErrFormat", []string{"--db", path, "--format", "docx"}, true, `--format "docx"`},
		{"ErrLang", []string{"--db", path, "--lang", "de"}, true, `--lang "de"`},
		{"ErrSession", []string{"--db", path, "--session", "99"}, true, "--session 99"},
		{"ErrStrayArgument", []string{"--db", path, "extra"}, true, `unexpected argument "extra"`},
		{"ErrNoDatabase", []string{"--db", filepath.Join(dir, "missing.db")}, false, "no database at " + filepath.Join(dir, "missing.db")},
		{"ErrNoChromium", []string{"--db", path, "--format", "pdf", "--chromium", filepath.Join(dir, "no-chromium")}, false, "no Chromium found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, out, _ := newTestMain()
			file := filepath.Join(dir, tt.name+".out")
			err := m.runReport(context.Background(), append(tt.args, "--out", file))
			var ue usageError
			if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a %s containing %q", err, map[bool]string{true: "usage error", false: "plain error"}[tt.usage], tt.want)
			}
			if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) || out.Len() != 0 {
				t.Errorf("a refused report wrote something (%v, %d bytes on stdout)", err, out.Len())
			}
		})
	}
	// The missing database was not created, nor its -wal and -shm.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "missing.db") {
			t.Errorf("report created %s", e.Name())
		}
	}
	t.Run("NoChromiumSaysHow", func(t *testing.T) {
		m, _, _ := newTestMain()
		err := m.runReport(context.Background(), []string{"--db", path, "--format", "pdf", "--chromium", filepath.Join(dir, "no-chromium")})
		if !errors.Is(err, report.ErrNoChromium) || !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), "--format html") {
			t.Errorf("err = %v, want ErrNoChromium that says how to get a browser or an HTML report", err)
		}
	})
}

// TestReportPDF prints a report through the real Chromium, as a host
// would from the command line.
func TestReportPDF(t *testing.T) {
	chromium := tribunetest.ChromiumPath(t)
	path := seedMeeting(t)
	file := filepath.Join(t.TempDir(), "report.pdf")
	m, _, errOut := newTestMain()
	if err := m.runReport(context.Background(), []string{"--db", path, "--format", "pdf", "--out", file, "--chromium", chromium}); err != nil {
		t.Fatalf("report --format pdf: %v\n%s", err, errOut)
	}
	pdf, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the PDF starts %q", pdf[:min(len(pdf), 16)])
	}
}
