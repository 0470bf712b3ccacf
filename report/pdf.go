package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromiums are the browser commands PDF looks for on PATH, in order.
var Chromiums = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoChromium is the error PDF returns, wrapped, when it finds no
// Chromium to print with.
var ErrNoChromium = errors.New("no Chromium found")

// pdfTimeout bounds a PDF: a browser that hangs does not hang the command.
const pdfTimeout = 5 * time.Minute

// FindChromium returns the browser PDF would use: path if it is not
// empty (a command name or a file), else the first of Chromiums on PATH.
// The error wraps ErrNoChromium and says how to install one.
func FindChromium(path string) (string, error) {
	names := Chromiums
	if path != "" {
		names = []string{path}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	looked := "looked for " + strings.Join(Chromiums, ", ") + " on PATH"
	if path != "" {
		looked = fmt.Sprintf("%q is not an executable", path)
	}
	return "", fmt.Errorf("report: pdf: %w (%s): install one (apt-get install chromium), name it with --chromium, or write --format html and print that", ErrNoChromium, looked)
}

// PDF prints page, a report as Write makes it, to w as an A4 PDF with page
// numbers, through a headless Chromium: chromium is its binary, or empty
// to look one up (FindChromium). The page is loaded from a file in a
// temporary directory that PDF removes, with a fresh browser profile; the
// browser is stopped before PDF returns. Nothing is written to w unless
// the whole PDF was made.
func PDF(ctx context.Context, w io.Writer, page []byte, chromium string) error {
	path, err := FindChromium(chromium)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tribune-report-")
	if err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	profile := filepath.Join(dir, "profile")
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		// Chromium keeps its singleton socket under TMPDIR: in dir, it
		// goes with the rest.
		chromedp.Env("TMPDIR="+dir),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox. The page is
		// the report alone, from a file, with no script and a policy that
		// loads nothing.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	quiet := func(string, ...any) {}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet))
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		return fmt.Errorf("report: pdf: start %s: %w", path, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
	if err := chromedp.Do(tab, chromedp.Navigate(u.String())); err != nil {
		return fmt.Errorf("report: pdf: load the report: %w", err)
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFMargins(0.55, 0.47, 0.63, 0.47), // 14, 12, 16, 12 mm, as the page's @page rule
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(`<div style="font-size:8px;width:100%;text-align:center;color:#777;font-family:sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`),
		chromedp.PDFOutlineAndTagged(),
		chromedp.PDFStream(),
	))
	if err != nil {
		return fmt.Errorf("report: pdf: print: %w", err)
	}
	if _, err := w.Write(pdf); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}
