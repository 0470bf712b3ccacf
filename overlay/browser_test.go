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
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

// startBrowser starts a headless Chromium with a 1920x1080 window, the
// frame of an OBS browser source, stopped at the test's end.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	return tribunetest.StartBrowser(t, 1920, 1080)
}

// tab is one page in the browser.
type tab = tribunetest.Tab

// transparent gives a tab the transparent default background an OBS
// browser source has. Chrome cannot be told alpha 0 here (the field is
// omitted when zero), but any alpha under 1/255 renders as transparent.
var transparent = tribunetest.CDP(emulation.SetDefaultBackgroundColorOverride,
	emulation.SetDefaultBackgroundColorOverrideParams{Color: &cdp.RGBA{A: 1e-6}})

// openTab opens url in a new 1920x1080 tab with a transparent default
// background.
func openTab(t *testing.T, browser context.Context, url string) *tab {
	t.Helper()
	return tribunetest.OpenTab(t, browser, url, tribunetest.TabOptions{
		Width: 1920, Height: 1080, Before: []chromedp.Action[chromedp.Void]{transparent},
	})
}

// liveText is a predicate: the on-air card shows text.
func liveText(text string) string {
	return `(() => { const e = document.querySelector('.card.live .text'); return !!e && e.textContent === ` + tribunetest.JS(text) + `; })()`
}

func TestBrowser(t *testing.T) {
	browser := startBrowser(t)

	t.Run("OnAirAndHide", func(t *testing.T) {
		svc := MustOpenService(t)
		q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "What is the plan for public transport?")
		srv := StartServer(t, svc, "127.0.0.1:0")
		tb := openTab(t, browser, srv.URL()+"/overlay")
		tb.Wait(t, 10*time.Second, "feed connected", `document.documentElement.dataset.connection === 'open'`)
		if n := tribunetest.Eval[int](t, tb, `document.querySelectorAll('.card').length`); n != 0 {
			t.Fatalf("%d cards before anything is on air, want 0", n)
		}

		start := time.Now()
		tribunetest.Show(t, svc, q.ID)
		tb.Wait(t, time.Second, "the on-air question in the DOM", liveText(q.Text))
		t.Logf("on air in the DOM %v after Show returned", time.Since(start).Round(time.Millisecond))
		for sel, want := range map[string]string{".author": "Viewer1", ".count": "1", ".votes-label": "vote", ".badge": fmt.Sprintf("#%d", q.ID), ".from": "Question from"} {
			if got := tribunetest.Eval[string](t, tb, `document.querySelector('.card.live `+sel+`').textContent`); got != want {
				t.Errorf("%s=%q, want %q", sel, got, want)
			}
		}
		tb.Wait(t, 2*time.Second, "the card animated in", `getComputedStyle(document.querySelector('.card.live')).opacity === '1'`)

		tribunetest.Vote(t, svc, tribunetest.Voter(1), q.ID)
		tb.Wait(t, time.Second, "the vote count updated", `document.querySelector('.card.live .count').textContent === '2' && document.querySelector('.card.live .votes-label').textContent === 'votes'`)
		if n := tribunetest.Eval[int](t, tb, `document.querySelectorAll('.card').length`); n != 1 {
			t.Errorf("%d cards after a vote, want 1 (updated in place)", n)
		}

		tribunetest.Hide(t, svc)
		tb.Wait(t, 2*time.Second, "the card removed", `document.querySelectorAll('.card').length === 0`)
		for _, el := range []string{"html", "body"} {
			if bg := tribunetest.Eval[string](t, tb, `getComputedStyle(document.querySelector('`+el+`')).backgroundColor`); bg != "rgba(0, 0, 0, 0)" {
				t.Errorf("%s background %q, want transparent", el, bg)
			}
		}
		tb.CheckClean(t)
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
		tribunetest.Ask(t, svc, tribunetest.Viewer(2), "A harmless question")
		srv := StartServer(t, svc, "127.0.0.1:0")
		card := openTab(t, browser, srv.URL()+"/overlay")
		top := openTab(t, browser, srv.URL()+"/overlay/top")
		tribunetest.Show(t, svc, q.ID)
		card.Wait(t, 2*time.Second, "the hostile question shown", liveText(hostile))
		top.Wait(t, 2*time.Second, "the hostile question on the board", `(() => { const e = document.querySelector('.row .row-text'); return !!e && e.textContent === `+tribunetest.JS(hostile)+`; })()`)

		for _, c := range []struct {
			tb  *tab
			sel string
		}{{card, ".card.live .text"}, {card, ".card.live .author"}, {top, ".row .row-text"}, {top, ".row .row-author"}} {
			want := hostile
			if strings.HasSuffix(c.sel, "author") {
				want = author
			}
			// One text node holding the literal text: nothing was parsed.
			expr := `(() => { const e = document.querySelector('` + c.sel + `'); return e.childNodes.length === 1 && e.firstChild.nodeType === Node.TEXT_NODE && e.firstChild.data === ` + tribunetest.JS(want) + `; })()`
			if !tribunetest.Eval[bool](t, c.tb, expr) {
				t.Errorf("%s is not one text node equal to %q", c.sel, want)
			}
		}
		for _, tb := range []*tab{card, top} {
			if n := tribunetest.Eval[int](t, tb, `document.querySelectorAll('#stage img, #stage script, #stage b').length`); n != 0 {
				t.Errorf("%d elements made from chat text, want 0", n)
			}
			if n := tribunetest.Eval[int](t, tb, `document.scripts.length`); n != 1 {
				t.Errorf("%d scripts in the page, want only its own", n)
			}
		}
		// Give a broken image's onerror, had there been one, time to fire.
		time.Sleep(300 * time.Millisecond)
		card.CheckClean(t)
		top.CheckClean(t)

		// The dialog watch works: a dialog that does open is seen.
		tribunetest.Eval[chromedp.Void](t, card, `setTimeout(() => alert('probe'), 0)`)
		deadline := time.Now().Add(5 * time.Second)
		for card.Dialogs() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if card.Dialogs() != 1 {
			t.Errorf("the probe dialog was not seen: the dialog check would miss an injection")
		}
	})

	t.Run("Leaderboard", func(t *testing.T) {
		svc := MustOpenService(t)
		for i := 1; i <= 5; i++ {
			tribunetest.Ask(t, svc, tribunetest.Viewer(i), fmt.Sprintf("Question %d?", i))
		}
		for v := 0; v < 3; v++ {
			tribunetest.Vote(t, svc, tribunetest.Voter(v), 4)
		}
		tribunetest.Vote(t, svc, tribunetest.Voter(10), 2)
		srv := StartServer(t, svc, "127.0.0.1:0")
		tb := openTab(t, browser, srv.URL()+"/overlay/top?n=3&lang=fr")
		rows := `Array.from(document.querySelectorAll('.row')).map(r => r.dataset.id + ':' + r.querySelector('.row-votes').firstChild.data).join(' ')`
		tb.Wait(t, 5*time.Second, "the board", rows+` === '4:4 2:2 1:1'`)
		if got := tribunetest.Eval[string](t, tb, `document.querySelector('.board-title').textContent`); got != "Questions les plus votées" {
			t.Errorf("title %q, want the French one", got)
		}

		for v := 20; v < 24; v++ {
			tribunetest.Vote(t, svc, tribunetest.Voter(v), 5)
		}
		tribunetest.Show(t, svc, 5)
		tb.Wait(t, 3*time.Second, "the board reordered", rows+` === '5:5 4:4 2:2'`)
		if n := tribunetest.Eval[int](t, tb, `document.querySelectorAll('.row').length`); n != 3 {
			t.Errorf("%d rows, want n=3", n)
		}
		if got := tribunetest.Eval[string](t, tb, `Array.from(document.querySelectorAll('.rank')).map(r => r.textContent).join(' ')`); got != "1 2 3" {
			t.Errorf("ranks %q, want 1 2 3", got)
		}
		if got := tribunetest.Eval[string](t, tb, `document.querySelector('.row .onair:not([hidden])').textContent`); got != "À l'antenne" {
			t.Errorf("on-air marker %q", got)
		}
		tb.CheckClean(t)
	})

	t.Run("Themes", func(t *testing.T) {
		svc := MustOpenService(t)
		q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Comment allez-vous financer la rénovation des écoles d'ici 2030 ?")
		for v := 0; v < 6; v++ {
			tribunetest.Vote(t, svc, tribunetest.Voter(v), q.ID)
		}
		tribunetest.Ask(t, svc, tribunetest.Viewer(2), "Will the bike lanes on Main Street be finished this summer?")
		tribunetest.Show(t, svc, q.ID)
		srv := StartServer(t, svc, "127.0.0.1:0")
		dir := tribunetest.ArtifactDir(t, "overlay")

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
					tb.Wait(t, 5*time.Second, "the board", `document.querySelectorAll('.row').length === 2`)
				} else {
					tb.Wait(t, 5*time.Second, "the card", liveText(q.Text))
				}
				tb.Wait(t, 3*time.Second, "animations finished", `document.getAnimations().length === 0`)
				file := filepath.Join(dir, "overlay-"+th.name+".png")
				img := tb.Screenshot(t, file, false)
				fi, err := os.Stat(file)
				if err != nil || fi.Size() == 0 {
					t.Fatalf("screenshot %s is empty: %v", file, err)
				}
				b := img.Bounds()
				if b.Dx() != 1920 || b.Dy() != 1080 {
					t.Errorf("screenshot %dx%d, want 1920x1080", b.Dx(), b.Dy())
				}
				if c := at(img, 5, 5); c.a != 0 {
					t.Errorf("corner pixel %+v, want transparent", c)
				}
				// The card or board: the element's centre is opaque.
				box := tribunetest.Eval[[]float64](t, tb, `(() => { const r = document.querySelector('.card.live, .board').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
				c := at(img, int(box[0]+box[2]/2), int(box[1]+box[3]-6))
				if c.a < 200 {
					t.Errorf("card pixel %+v, want opaque", c)
				}
				cards[th.name] = at(img, int(box[0]+box[2]-20), int(box[1]+box[3]-6))
				if th.accent != nil && !hasColor(img, *th.accent, 2000) {
					t.Errorf("accent %v does not show", *th.accent)
				}
				tb.CheckClean(t)
			})
		}
		if cards["dark"] == cards["light"] {
			t.Errorf("dark and light cards have the same background %+v", cards["dark"])
		}
	})

	t.Run("ReconnectAfterRestart", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tribune.db")
		svc1, db1 := OpenServiceDB(t, path)
		q1 := tribunetest.Ask(t, svc1, tribunetest.Viewer(1), "Before the restart?")
		q2 := tribunetest.Ask(t, svc1, tribunetest.Viewer(2), "After the restart?")
		tribunetest.Show(t, svc1, q1.ID)
		srv1 := StartServer(t, svc1, "127.0.0.1:0")
		addr := strings.TrimPrefix(srv1.URL(), "http://")
		tb := openTab(t, browser, srv1.URL()+"/overlay")
		tb.Wait(t, 5*time.Second, "the first question", liveText(q1.Text))

		// The whole process goes down: server, service and database.
		if err := srv1.Close(); err != nil {
			t.Fatal(err)
		}
		svc1.Close()
		db1.Close()
		tb.Wait(t, 5*time.Second, "the page noticed", `document.documentElement.dataset.connection !== 'open'`)
		// While it is down the page shows the last state, and nothing else.
		time.Sleep(1500 * time.Millisecond) // a few reconnection attempts
		if !tribunetest.Eval[bool](t, tb, liveText(q1.Text)) {
			t.Errorf("the page dropped the question while disconnected")
		}
		// One evaluation reads both, so that the timer cannot tick between.
		page := tribunetest.Eval[[]string](t, tb, `[document.body.innerText, document.querySelector('.card.live .timer').textContent]`)
		want := fmt.Sprintf("#%d Question from Viewer1 %s %s 1 vote", q1.ID, page[1], q1.Text)
		if got := strings.Join(strings.Fields(page[0]), " "); got != want {
			t.Errorf("page text while disconnected %q, want only the card %q", got, want)
		}

		svc2 := OpenService(t, path)
		if q, ok := svc2.OnAir(); !ok || q.ID != q1.ID {
			t.Fatalf("on air after restart: %+v, want #%d", q, q1.ID)
		}
		tribunetest.Show(t, svc2, q2.ID)
		StartServer(t, svc2, addr)
		tb.Wait(t, 15*time.Second, "the page reconnected and shows the new question", liveText(q2.Text)+` && document.documentElement.dataset.connection === 'open'`)
		tb.Wait(t, 2*time.Second, "the old card gone", `document.querySelectorAll('.card').length === 1`)
		tb.CheckClean(t)
	})
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
