package overlay_test

// Browser tests drive the overlay pages in a real headless Chromium.
//
// They skip when no Chromium is found, unless TRIBUNE_REQUIRE_BROWSER=1 (as
// in CI), where a missing browser fails them. TRIBUNE_CHROMIUM names the
// browser binary; otherwise chromium, chromium-browser, google-chrome and
// google-chrome-stable are looked up on PATH.
//
// Screenshots of each theme are written to $TRIBUNE_ARTIFACTS/overlay/ when
// TRIBUNE_ARTIFACTS is set, else to testdata-out/ under the test's
// temporary directory (logged with -v, removed after the test).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/tribune-live/tribune"
)

// chromiumPath returns the browser to test with, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
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
		t.Fatal(msg + "; TRIBUNE_REQUIRE_BROWSER=1 makes this a failure")
	}
	t.Skip(msg + "; set TRIBUNE_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile, stopped at
// the test's end.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir()
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
		chromedp.WindowSize(1920, 1080),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// tab is one page in the browser, with what it did that a test checks: JS
// dialogs opened and uncaught exceptions.
type tab struct {
	ctx        context.Context
	dialogs    atomic.Int32
	mu         sync.Mutex
	exceptions []string
}

// openTab opens url in a new 1920x1080 tab with a transparent default
// background, as an OBS browser source has.
func openTab(t *testing.T, browser context.Context, url string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	tb := &tab{ctx: ctx}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for _, err := range dialogs {
			if err != nil {
				return
			}
			tb.dialogs.Add(1)
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
			if m.Type == chromedp.ConsoleException {
				tb.mu.Lock()
				tb.exceptions = append(tb.exceptions, m.Text)
				tb.mu.Unlock()
			}
		}
	}()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// Chrome cannot be told alpha 0 here (the field is omitted when
			// zero), but any alpha under 1/255 renders as transparent.
			_, err := cdp.Call(ctx, t, emulation.SetDefaultBackgroundColorOverride,
				emulation.SetDefaultBackgroundColorOverrideParams{Color: &cdp.RGBA{A: 1e-6}})
			return err
		}),
		chromedp.Navigate(url),
	)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return tb
}

// wait polls the JS predicate expr until it is true or timeout passes.
func (tb *tab) wait(t *testing.T, timeout time.Duration, what, expr string) {
	t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		t.Fatalf("%s: not within %v: %v", what, timeout, err)
	}
}

// eval evaluates expr in the page.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// checkClean fails the test if the page opened a dialog or threw.
func (tb *tab) checkClean(t *testing.T) {
	t.Helper()
	if n := tb.dialogs.Load(); n != 0 {
		t.Errorf("%d JS dialogs opened", n)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.exceptions {
		t.Errorf("uncaught exception in the page: %s", e)
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// liveText is a predicate: the on-air card shows text.
func liveText(text string) string {
	return `(() => { const e = document.querySelector('.card.live .text'); return !!e && e.textContent === ` + js(text) + `; })()`
}

func TestBrowser(t *testing.T) {
	browser := startBrowser(t)

	t.Run("OnAirAndHide", func(t *testing.T) {
		svc := MustOpenService(t)
		q := Ask(t, svc, 1, "What is the plan for public transport?")
		srv := StartServer(t, svc, "127.0.0.1:0")
		tb := openTab(t, browser, srv.URL()+"/overlay")
		tb.wait(t, 10*time.Second, "feed connected", `document.documentElement.dataset.connection === 'open'`)
		if n := eval[int](t, tb, `document.querySelectorAll('.card').length`); n != 0 {
			t.Fatalf("%d cards before anything is on air, want 0", n)
		}

		start := time.Now()
		show(t, svc, q.ID)
		tb.wait(t, time.Second, "the on-air question in the DOM", liveText(q.Text))
		t.Logf("on air in the DOM %v after Show returned", time.Since(start).Round(time.Millisecond))
		for sel, want := range map[string]string{".author": "Viewer1", ".count": "1", ".votes-label": "vote", ".badge": fmt.Sprintf("#%d", q.ID), ".from": "Question from"} {
			if got := eval[string](t, tb, `document.querySelector('.card.live `+sel+`').textContent`); got != want {
				t.Errorf("%s=%q, want %q", sel, got, want)
			}
		}
		tb.wait(t, 2*time.Second, "the card animated in", `getComputedStyle(document.querySelector('.card.live')).opacity === '1'`)

		Vote(t, svc, 1, q.ID)
		tb.wait(t, time.Second, "the vote count updated", `document.querySelector('.card.live .count').textContent === '2' && document.querySelector('.card.live .votes-label').textContent === 'votes'`)
		if n := eval[int](t, tb, `document.querySelectorAll('.card').length`); n != 1 {
			t.Errorf("%d cards after a vote, want 1 (updated in place)", n)
		}

		hide(t, svc)
		tb.wait(t, 2*time.Second, "the card removed", `document.querySelectorAll('.card').length === 0`)
		for _, el := range []string{"html", "body"} {
			if bg := eval[string](t, tb, `getComputedStyle(document.querySelector('`+el+`')).backgroundColor`); bg != "rgba(0, 0, 0, 0)" {
				t.Errorf("%s background %q, want transparent", el, bg)
			}
		}
		tb.checkClean(t)
	})

	t.Run("ChatTextIsInert", func(t *testing.T) {
		const hostile = `<img src=x onerror=alert(1)><script>alert(2)</script>`
		const author = `<b onmouseover=alert(3)>Eve</b>`
		svc := MustOpenService(t)
		res, err := svc.Ask(context.Background(), tribune.Actor{Login: "eve", DisplayName: author, UserID: "666"}, hostile)
		if err != nil {
			t.Fatal(err)
		}
		q := res.Question
		Ask(t, svc, 2, "A harmless question")
		srv := StartServer(t, svc, "127.0.0.1:0")
		card := openTab(t, browser, srv.URL()+"/overlay")
		top := openTab(t, browser, srv.URL()+"/overlay/top")
		show(t, svc, q.ID)
		card.wait(t, 2*time.Second, "the hostile question shown", liveText(hostile))
		top.wait(t, 2*time.Second, "the hostile question on the board", `(() => { const e = document.querySelector('.row .row-text'); return !!e && e.textContent === `+js(hostile)+`; })()`)

		for _, c := range []struct {
			tb  *tab
			sel string
		}{{card, ".card.live .text"}, {card, ".card.live .author"}, {top, ".row .row-text"}, {top, ".row .row-author"}} {
			want := hostile
			if strings.HasSuffix(c.sel, "author") {
				want = author
			}
			// One text node holding the literal text: nothing was parsed.
			expr := `(() => { const e = document.querySelector('` + c.sel + `'); return e.childNodes.length === 1 && e.firstChild.nodeType === Node.TEXT_NODE && e.firstChild.data === ` + js(want) + `; })()`
			if !eval[bool](t, c.tb, expr) {
				t.Errorf("%s is not one text node equal to %q", c.sel, want)
			}
		}
		for _, tb := range []*tab{card, top} {
			if n := eval[int](t, tb, `document.querySelectorAll('#stage img, #stage script, #stage b').length`); n != 0 {
				t.Errorf("%d elements made from chat text, want 0", n)
			}
			if n := eval[int](t, tb, `document.scripts.length`); n != 1 {
				t.Errorf("%d scripts in the page, want only its own", n)
			}
		}
		// Give a broken image's onerror, had there been one, time to fire.
		time.Sleep(300 * time.Millisecond)
		card.checkClean(t)
		top.checkClean(t)

		// The dialog watch works: a dialog that does open is seen.
		eval[chromedp.Void](t, card, `setTimeout(() => alert('probe'), 0)`)
		deadline := time.Now().Add(5 * time.Second)
		for card.dialogs.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if card.dialogs.Load() != 1 {
			t.Errorf("the probe dialog was not seen: the dialog check would miss an injection")
		}
	})

	t.Run("Leaderboard", func(t *testing.T) {
		svc := MustOpenService(t)
		for i := 1; i <= 5; i++ {
			Ask(t, svc, i, fmt.Sprintf("Question %d?", i))
		}
		for v := 0; v < 3; v++ {
			Vote(t, svc, v, 4)
		}
		Vote(t, svc, 10, 2)
		srv := StartServer(t, svc, "127.0.0.1:0")
		tb := openTab(t, browser, srv.URL()+"/overlay/top?n=3&lang=fr")
		rows := `Array.from(document.querySelectorAll('.row')).map(r => r.dataset.id + ':' + r.querySelector('.row-votes').firstChild.data).join(' ')`
		tb.wait(t, 5*time.Second, "the board", rows+` === '4:4 2:2 1:1'`)
		if got := eval[string](t, tb, `document.querySelector('.board-title').textContent`); got != "Questions les plus votées" {
			t.Errorf("title %q, want the French one", got)
		}

		for v := 20; v < 24; v++ {
			Vote(t, svc, v, 5)
		}
		show(t, svc, 5)
		tb.wait(t, 3*time.Second, "the board reordered", rows+` === '5:5 4:4 2:2'`)
		if n := eval[int](t, tb, `document.querySelectorAll('.row').length`); n != 3 {
			t.Errorf("%d rows, want n=3", n)
		}
		if got := eval[string](t, tb, `Array.from(document.querySelectorAll('.rank')).map(r => r.textContent).join(' ')`); got != "1 2 3" {
			t.Errorf("ranks %q, want 1 2 3", got)
		}
		if got := eval[string](t, tb, `document.querySelector('.row .onair:not([hidden])').textContent`); got != "À l'antenne" {
			t.Errorf("on-air marker %q", got)
		}
		tb.checkClean(t)
	})

	t.Run("Themes", func(t *testing.T) {
		svc := MustOpenService(t)
		q := Ask(t, svc, 1, "Comment allez-vous financer la rénovation des écoles d'ici 2030 ?")
		for v := 0; v < 6; v++ {
			Vote(t, svc, v, q.ID)
		}
		Ask(t, svc, 2, "Will the bike lanes on Main Street be finished this summer?")
		show(t, svc, q.ID)
		srv := StartServer(t, svc, "127.0.0.1:0")
		dir := artifactDir(t)

		themes := []struct {
			name, path string
			accent     *[3]uint8 // a colour that must appear
		}{
			{"dark", "/overlay?theme=dark", nil},
			{"light", "/overlay?theme=light", nil},
			{"accent", "/overlay?theme=accent&accent=D7263D", &[3]uint8{0xd7, 0x26, 0x3d}},
			{"accent-fr-top-large", "/overlay?theme=accent&accent=1B998B&lang=fr&position=top-left&scale=1.4&font=serif", &[3]uint8{0x1b, 0x99, 0x8b}},
			{"top-dark", "/overlay/top?n=5", nil},
			{"top-light", "/overlay/top?theme=light&position=bottom-right", nil},
		}
		cards := map[string]color{}
		for _, th := range themes {
			t.Run(th.name, func(t *testing.T) {
				tb := openTab(t, browser, srv.URL()+th.path)
				if strings.HasPrefix(th.path, "/overlay/top") {
					tb.wait(t, 5*time.Second, "the board", `document.querySelectorAll('.row').length === 2`)
				} else {
					tb.wait(t, 5*time.Second, "the card", liveText(q.Text))
				}
				tb.wait(t, 3*time.Second, "animations finished", `document.getAnimations().length === 0`)
				shot, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, "overlay-"+th.name+".png")
				if err := os.WriteFile(file, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", file)
				fi, err := os.Stat(file)
				if err != nil || fi.Size() == 0 {
					t.Fatalf("screenshot %s is empty: %v", file, err)
				}
				img, err := png.Decode(bytes.NewReader(shot))
				if err != nil {
					t.Fatalf("screenshot is not a PNG: %v", err)
				}
				b := img.Bounds()
				if b.Dx() != 1920 || b.Dy() != 1080 {
					t.Errorf("screenshot %dx%d, want 1920x1080", b.Dx(), b.Dy())
				}
				if c := at(img, 5, 5); c.a != 0 {
					t.Errorf("corner pixel %+v, want transparent", c)
				}
				// The card or board: the element's centre is opaque.
				box := eval[[]float64](t, tb, `(() => { const r = document.querySelector('.card.live, .board').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
				c := at(img, int(box[0]+box[2]/2), int(box[1]+box[3]-6))
				if c.a < 200 {
					t.Errorf("card pixel %+v, want opaque", c)
				}
				cards[th.name] = at(img, int(box[0]+box[2]-20), int(box[1]+box[3]-6))
				if th.accent != nil && !hasColor(img, *th.accent, 2000) {
					t.Errorf("accent %v does not show", *th.accent)
				}
				tb.checkClean(t)
			})
		}
		if cards["dark"] == cards["light"] {
			t.Errorf("dark and light cards have the same background %+v", cards["dark"])
		}
	})

	t.Run("ReconnectAfterRestart", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tribune.db")
		svc1, db1 := OpenServiceDB(t, path)
		q1 := Ask(t, svc1, 1, "Before the restart?")
		q2 := Ask(t, svc1, 2, "After the restart?")
		show(t, svc1, q1.ID)
		srv1 := StartServer(t, svc1, "127.0.0.1:0")
		addr := strings.TrimPrefix(srv1.URL(), "http://")
		tb := openTab(t, browser, srv1.URL()+"/overlay")
		tb.wait(t, 5*time.Second, "the first question", liveText(q1.Text))

		// The whole process goes down: server, service and database.
		if err := srv1.Close(); err != nil {
			t.Fatal(err)
		}
		svc1.Close()
		db1.Close()
		tb.wait(t, 5*time.Second, "the page noticed", `document.documentElement.dataset.connection !== 'open'`)
		// While it is down the page shows the last state, and nothing else.
		time.Sleep(1500 * time.Millisecond) // a few reconnection attempts
		if !eval[bool](t, tb, liveText(q1.Text)) {
			t.Errorf("the page dropped the question while disconnected")
		}
		want := fmt.Sprintf("#%d Question from Viewer1 %s 1 vote", q1.ID, q1.Text)
		if got := strings.Join(strings.Fields(eval[string](t, tb, `document.body.innerText`)), " "); got != want {
			t.Errorf("page text while disconnected %q, want only the card %q", got, want)
		}

		svc2 := OpenService(t, path)
		if q, ok := svc2.OnAir(); !ok || q.ID != q1.ID {
			t.Fatalf("on air after restart: %+v, want #%d", q, q1.ID)
		}
		show(t, svc2, q2.ID)
		StartServer(t, svc2, addr)
		tb.wait(t, 15*time.Second, "the page reconnected and shows the new question", liveText(q2.Text)+` && document.documentElement.dataset.connection === 'open'`)
		tb.wait(t, 2*time.Second, "the old card gone", `document.querySelectorAll('.card').length === 1`)
		tb.checkClean(t)
	})
}

// artifactDir is where screenshots go: $TRIBUNE_ARTIFACTS/overlay, or
// testdata-out in the test's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "testdata-out")
	if d := os.Getenv("TRIBUNE_ARTIFACTS"); d != "" {
		dir = filepath.Join(d, "overlay")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type color struct{ r, g, b, a uint8 }

func at(img image.Image, x, y int) color {
	r, g, b, a := img.At(x, y).RGBA()
	return color{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// hasColor reports whether at least n opaque pixels of img are close to c.
func hasColor(img image.Image, c [3]uint8, n int) bool {
	near := func(a, b uint8) bool { return max(a, b)-min(a, b) < 12 }
	b := img.Bounds()
	count := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			p := at(img, x, y)
			if p.a > 240 && near(p.r, c[0]) && near(p.g, c[1]) && near(p.b, c[2]) {
				count++
			}
		}
	}
	return count*4 >= n
}
