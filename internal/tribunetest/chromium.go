package tribunetest

// Chromium for the browser tests of every package that serves a page.
//
// Tests skip when no Chromium is found, unless TRIBUNE_REQUIRE_BROWSER=1
// (as in CI), where a missing browser fails them. TRIBUNE_CHROMIUM names
// the browser binary; otherwise chromium, chromium-browser, google-chrome
// and google-chrome-stable are looked up on PATH.

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumPath returns the browser to test with, or skips the test (fails
// it under TRIBUNE_REQUIRE_BROWSER=1).
func ChromiumPath(tb testing.TB) string {
	tb.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	if p := os.Getenv("TRIBUNE_CHROMIUM"); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium found (looked for $TRIBUNE_CHROMIUM, chromium, chromium-browser, google-chrome); install it with: apt-get install -y --no-install-recommends chromium fonts-liberation"
	if os.Getenv("TRIBUNE_REQUIRE_BROWSER") == "1" {
		tb.Fatal(msg + "; TRIBUNE_REQUIRE_BROWSER=1 makes this a failure")
	}
	tb.Skip(msg + "; set TRIBUNE_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// StartBrowser starts a headless Chromium with a fresh profile and a
// window of width×height, stopped at the test's end. Tabs opened from the
// returned context share one cookie jar unless OpenTab is told otherwise.
func StartBrowser(tb testing.TB, width, height int) context.Context {
	tb.Helper()
	path := ChromiumPath(tb)
	profile := tb.TempDir()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		// Chromium puts its singleton socket under TMPDIR: keep it in the
		// test's directory, removed with it, rather than in /tmp.
		chromedp.Env("TMPDIR="+profile),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// TabOptions say how OpenTab opens its tab.
type TabOptions struct {
	// Width and Height are the viewport; zero leaves the window's.
	Width, Height int64
	// Mobile emulates a phone (touch, mobile viewport meta honoured).
	Mobile bool
	// NewBrowserContext opens the tab in a browser context of its own:
	// its own cookies and storage, another visitor.
	NewBrowserContext bool
	// Before runs before the page is loaded (emulation, a disabled
	// JavaScript).
	Before []chromedp.Action[chromedp.Void]
}

// Tab is one page in the browser, with what it did that a test checks:
// JavaScript dialogs opened, uncaught exceptions, and errors it logged.
type Tab struct {
	Ctx        context.Context
	dialogs    atomic.Int32
	mu         sync.Mutex
	exceptions []string
	errors     []string
}

// OpenTab opens url in a new tab of browser, closed at the test's end.
func OpenTab(tb testing.TB, browser context.Context, url string, o TabOptions) *Tab {
	tb.Helper()
	var copts []chromedp.ContextOption
	if o.NewBrowserContext {
		copts = append(copts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(browser, copts...)
	t := &Tab{Ctx: ctx}
	var wg sync.WaitGroup
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	// Start the tab first: the event iterators need its target.
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("open a tab: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for _, err := range dialogs {
			if err != nil {
				return
			}
			t.dialogs.Add(1)
			// A dialog blocks the page: dismiss it so that the test goes on.
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			t.mu.Lock()
			switch m.Type {
			case chromedp.ConsoleException:
				t.exceptions = append(t.exceptions, m.Text)
			case "error":
				t.errors = append(t.errors, m.Text)
			}
			t.mu.Unlock()
		}
	}()
	steps := slices.Clone(o.Before)
	if o.Width > 0 && o.Height > 0 {
		var vopts []chromedp.EmulateViewportOption
		if o.Mobile {
			vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		steps = append(steps, chromedp.EmulateViewport(o.Width, o.Height, vopts...))
	}
	steps = append(steps, chromedp.Navigate(url))
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("open %s: %v", url, err)
	}
	return t
}

// Wait polls the JavaScript predicate expr until it is true, and fails tb
// with what if timeout passes first.
func (t *Tab) Wait(tb testing.TB, timeout time.Duration, what, expr string) {
	tb.Helper()
	_, err := chromedp.Run(t.Ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		tb.Fatalf("%s: not within %v: %v", what, timeout, err)
	}
}

// Do runs steps in the tab, failing tb on error.
func (t *Tab) Do(tb testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(t.Ctx, steps...); err != nil {
		tb.Fatalf("in the tab: %v", err)
	}
}

// Dialogs returns how many JavaScript dialogs the page opened.
func (t *Tab) Dialogs() int { return int(t.dialogs.Load()) }

// Errors returns the errors the page logged so far (failed loads, refused
// content by its Content-Security-Policy, …).
func (t *Tab) Errors() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.errors)
}

// CheckClean fails tb if the page opened a dialog or threw.
func (t *Tab) CheckClean(tb testing.TB) {
	tb.Helper()
	if n := t.dialogs.Load(); n != 0 {
		tb.Errorf("%d JS dialogs opened", n)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.exceptions {
		tb.Errorf("uncaught exception in the page: %s", e)
	}
}

// Screenshot captures the tab's viewport, or the whole page when full,
// writes it to file as a PNG for people to look at (see ArtifactDir), and
// returns it decoded, failing tb on error.
func (t *Tab) Screenshot(tb testing.TB, file string, full bool) image.Image {
	tb.Helper()
	capture := chromedp.CaptureScreenshot()
	if full {
		capture = chromedp.FullScreenshot(100) // quality 100: a PNG
	}
	shot, err := chromedp.Run(t.Ctx, capture)
	if err != nil {
		tb.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", file)
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		tb.Fatalf("screenshot %s is not a PNG: %v", file, err)
	}
	return img
}

// CDP is an action that sends one DevTools command with params p to the
// tab, for what chromedp has no action of its own (emulated media, a
// background colour, cookies, request headers).
func CDP[P, R any](cmd cdp.Command[P, R], p P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, p)
		return err
	})
}

// Eval evaluates the JavaScript expression expr in t, failing tb on error.
func Eval[T any](tb testing.TB, t *Tab, expr string) T {
	tb.Helper()
	v, err := chromedp.Run(t.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// JS quotes s as a JavaScript string literal.
func JS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ArtifactDir is where a test writes files for people to look at
// (screenshots): $TRIBUNE_ARTIFACTS/name when TRIBUNE_ARTIFACTS is set,
// else a folder in the test's temporary directory, removed with it.
func ArtifactDir(tb testing.TB, name string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "testdata-out")
	if d := os.Getenv("TRIBUNE_ARTIFACTS"); d != "" {
		dir = filepath.Join(d, name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}
