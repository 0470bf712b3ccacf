package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/tribune-live/tribune/report"
	"github.com/tribune-live/tribune/store"
)

const reportSynopsis = `tribune report [--db FILE] [--session ID] [--format html|pdf] [--out FILE] [--lang en|fr]

Writes the report of a session (default: the latest): its headline figures by
source and channel, questions and votes per minute with the time on air, the top
questions, every question's timeline and the moderation summary. html is one
self-contained page (no script, nothing loaded from the network) that prints on
A4; pdf prints that page through a headless Chromium, which must be installed.
The database is read, never created.`

// runReport is `tribune report`.
func (m *Main) runReport(ctx context.Context, args []string) error {
	flags := m.newFlagSet("report", reportSynopsis)
	dbPath := flags.String("db", "tribune.db", "SQLite database `file` of the meeting")
	sessionID := flags.Int64("session", 0, "session `id` to report (default: the latest)")
	format := flags.String("format", "html", "output `format`: html or pdf")
	out := flags.String("out", "", "write to this `file` instead of standard output")
	lang := flags.String("lang", "en", "`language` of the report: en or fr")
	chromium := flags.String("chromium", "", "Chromium `binary` for pdf (default: "+strings.Join(report.Chromiums, ", ")+" on PATH)")
	if err := m.parse(flags, args); err != nil {
		return err
	}
	if *format != "html" && *format != "pdf" {
		return usageError{fmt.Sprintf("--format %q: want html or pdf", *format)}
	}
	if !slices.Contains(report.Langs, *lang) {
		return usageError{fmt.Sprintf("--lang %q: want %s", *lang, strings.Join(report.Langs, " or "))}
	}
	if *format == "pdf" {
		// Before anything is read or written: without a browser there is
		// no PDF, and the error says how to get one.
		if _, err := report.FindChromium(*chromium); err != nil {
			return err
		}
	}
	db := store.NewDB(*dbPath)
	db.MustExist = true
	if err := db.Open(); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("report: no database at %s: --db names the meeting's file", *dbPath)
		}
		return fmt.Errorf("report: %w", err)
	}
	defer db.Close()
	st, err := loadExport(ctx, db, *sessionID)
	if err != nil {
		return err
	}
	opts := report.Options{Lang: *lang, Now: time.Now()}
	return writeOutput(*out, m.Stdout, func(w io.Writer) error {
		if *format == "html" {
			return report.Write(ctx, w, st, opts)
		}
		var page bytes.Buffer
		if err := report.Write(ctx, &page, st, opts); err != nil {
			return err
		}
		return report.PDF(ctx, w, page.Bytes(), *chromium)
	})
}
