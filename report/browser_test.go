package report_test

// The report in a real Chromium: opened from a file as a reader would,
// and printed to PDF through the package's own PDF. The tests skip
// without Chromium unless TRIBUNE_REQUIRE_BROWSER=1. A full-page
// screenshot and the PDF are written to $TRIBUNE_ARTIFACTS/report/ when
// TRIBUNE_ARTIFACTS is set.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"

	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/report"
)

// questionsPerPage is the most questions a page of the PDF may hold: the
// timeline lists every question, one row each, on A4.
const questionsPerPage = 40

func TestBrowser(t *testing.T) {
	chromium := tribunetest.ChromiumPath(t)
	m := playBigMeeting(t, 120)
	var page bytes.Buffer
	if err := report.Write(context.Background(), &page, m.state, report.Options{Now: m.end}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, page.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	artifacts := tribunetest.ArtifactDir(t, "report")

	t.Run("Page", func(t *testing.T) {
		browser := tribunetest.StartBrowser(t, 1280, 900)
		tab := tribunetest.OpenTab(t, browser, "file://"+file, tribunetest.TabOptions{Width: 1280, Height: 900})
		tab.Wait(t, 10*time.Second, "the report loaded", `document.readyState === 'complete'`)
		if n := tribunetest.Eval[int](t, tab, `document.querySelectorAll('table.questions-timeline tbody tr').length`); n != len(m.asked) {
			t.Errorf("%d timeline rows shown, want %d", n, len(m.asked))
		}
		for _, sel := range []string{"svg.activity", ".chart-sources svg", ".chart-labels svg"} {
			if w := tribunetest.Eval[float64](t, tab, `document.querySelector(`+tribunetest.JS(sel)+`).getBoundingClientRect().width`); w < 300 {
				t.Errorf("%s is %.0f px wide: not drawn", sel, w)
			}
		}
		if n := tribunetest.Eval[int](t, tab, `document.scripts.length`); n != 0 {
			t.Errorf("%d scripts in the page", n)
		}
		// Printed, rows are kept whole and table headers repeat on each page.
		tab.Do(t, tribunetest.CDP(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}))
		if bad := tribunetest.Eval[int](t, tab, `[...document.querySelectorAll('tr')].filter(r => getComputedStyle(r).breakInside !== 'avoid').length`); bad != 0 {
			t.Errorf("%d table rows may be cut by a page break", bad)
		}
		if bad := tribunetest.Eval[int](t, tab, `[...document.querySelectorAll('thead')].filter(h => getComputedStyle(h).display !== 'table-header-group').length`); bad != 0 {
			t.Errorf("%d table headers do not repeat on each page", bad)
		}
		tab.Do(t, tribunetest.CDP(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}))
		tab.Screenshot(t, filepath.Join(artifacts, "report.png"), true)
		if errs := tab.Errors(); len(errs) != 0 {
			t.Errorf("the page logged errors: %q", errs)
		}
		tab.CheckClean(t)
	})

	t.Run("PDF", func(t *testing.T) {
		var pdf bytes.Buffer
		if err := report.PDF(context.Background(), &pdf, page.Bytes(), chromium); err != nil {
			t.Fatalf("PDF: %v", err)
		}
		if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
			t.Fatalf("the PDF starts %q", pdf.Bytes()[:min(pdf.Len(), 16)])
		}
		pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(pdf.Bytes(), -1))
		if want := (len(m.asked) + questionsPerPage - 1) / questionsPerPage; pages < want {
			t.Errorf("%d pages for %d questions, want at least %d", pages, len(m.asked), want)
		}
		t.Logf("%d questions, %d pages, %d bytes", len(m.asked), pages, pdf.Len())
		if err := os.WriteFile(filepath.Join(artifacts, "report.pdf"), pdf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	})
}
