package overlay_test

// Browser tests of on-air production: the answer timer, the label chip,
// anonymous cards, isolated chat text and the ask card with its QR code.
// Screenshots go to $TRIBUNE_ARTIFACTS/overlay/ when it is set.
//
// The timer tests do not wait on the wall clock for the time to pass: the
// Service's clock puts the question on air in the past, so that a
// countdown is already in its last seconds when the page opens.

import (
	"context"
	"image"
	"image/draw"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/overlay"
)

// timerSeconds is a JS expression: the seconds the card's timer shows
// (a countdown's overtime, "+0:03", reads 3), or -1 with no timer.
const timerSeconds = `(() => {
	const e = document.querySelector('.card.live .timer');
	if (!e || e.hidden) return -1;
	return e.textContent.replace('+', '').split(':').reduce((a, p) => a * 60 + Number(p), 0);
})()`

const timerState = `(() => { const e = document.querySelector('.card.live .timer'); return e && !e.hidden ? e.dataset.state : ''; })()`

// timerColors returns the computed text and background colours of the
// card's timer.
func timerColors(t *testing.T, tb *tab) (fg, bg string) {
	t.Helper()
	c := tribunetest.Eval[[]string](t, tb, `(() => { const s = getComputedStyle(document.querySelector('.card.live .timer')); return [s.color, s.backgroundColor]; })()`)
	return c[0], c[1]
}

// red is the timer's warning background (overlay.css).
const red = "rgb(217, 45, 32)"

// screenshot captures the tab, saves it as name.png in the artifacts and
// returns it decoded.
func screenshot(t *testing.T, tb *tab, name string) image.Image {
	t.Helper()
	tb.Wait(t, 3*time.Second, "animations finished", `document.getAnimations().length === 0`)
	return tb.Screenshot(t, filepath.Join(tribunetest.ArtifactDir(t, "overlay"), name+".png"), false)
}

// reload reloads the tab and waits for its feed.
func reload(t *testing.T, tb *tab) {
	t.Helper()
	tb.Do(t, chromedp.Reload())
	tb.Wait(t, 10*time.Second, "feed connected after the reload", `document.documentElement.dataset.connection === 'open'`)
}

// airedAgo puts question id on air as if it had gone on air ago before
// now, through the Service's clock.
func airedAgo(t *testing.T, svc *tribune.Service, clk *fakeclock.Clock, id int, ago time.Duration) {
	t.Helper()
	clk.Set(time.Now().Add(-ago))
	tribunetest.Show(t, svc, id)
	clk.Set(time.Now())
}

func TestBrowser_OnAir(t *testing.T) {
	browser := startBrowser(t)

	t.Run("TimerElapsed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tribune.db")
		clk := fakeclock.New(time.Now())
		svc, db := OpenServiceClock(t, path, clk)
		q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "How will the budget be balanced?")
		const ago = 65 * time.Second
		airedAgo(t, svc, clk, q.ID, ago)
		start := time.Now()
		srv := StartServer(t, svc, "127.0.0.1:0")
		addr := strings.TrimPrefix(srv.URL(), "http://")
		tb := openTab(t, browser, srv.URL()+"/overlay")
		tb.Wait(t, 5*time.Second, "the card", liveText(q.Text))
		tb.Wait(t, 2*time.Second, "the timer", timerSeconds+` >= 0`)

		// within checks that the timer shows the time on air since the
		// question went on air, whatever the page's own age.
		within := func(t *testing.T, when string) {
			t.Helper()
			got := time.Duration(tribunetest.Eval[int](t, tb, timerSeconds)) * time.Second
			// The timer floors to the second and refreshes every 250 ms.
			low, high := ago-time.Second, ago+time.Since(start)+time.Second
			if got < low || got > high {
				t.Errorf("%s: the timer shows %v on air, want between %v and %v", when, got, low, high)
			}
			if st := tribunetest.Eval[string](t, tb, timerState); st != "elapsed" {
				t.Errorf("%s: timer state %q, want elapsed", when, st)
			}
			if _, bg := timerColors(t, tb); bg == red {
				t.Errorf("%s: a timer that counts up is red", when)
			}
		}
		within(t, "on open")
		if got := tribunetest.Eval[string](t, tb, `document.querySelector('.card.live .timer').textContent`); !strings.HasPrefix(got, "1:0") {
			t.Errorf("timer text %q, want 1:05 or so", got)
		}
		screenshot(t, tb, "timer-elapsed")

		reload(t, tb)
		tb.Wait(t, 5*time.Second, "the card after the reload", liveText(q.Text)+` && `+timerSeconds+` >= 0`)
		within(t, "after a reload")

		// The whole server goes down and comes back: the time on air is
		// the stored one.
		srv.Close()
		svc.Close()
		db.Close()
		svc2 := OpenService(t, path)
		StartServer(t, svc2, addr)
		tb.Wait(t, 15*time.Second, "the page reconnected", `document.documentElement.dataset.connection === 'open'`)
		reload(t, tb)
		tb.Wait(t, 5*time.Second, "the card after the restart", liveText(q.Text)+` && `+timerSeconds+` >= 0`)
		within(t, "after a server restart and a reload")
		tb.CheckClean(t)
	})

	t.Run("Countdown", func(t *testing.T) {
		clk := fakeclock.New(time.Now())
		svc, _ := OpenServiceClock(t, filepath.Join(t.TempDir(), "tribune.db"), clk)
		last := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Is the countdown in its last seconds?")
		early := tribunetest.Ask(t, svc, tribunetest.Viewer(2), "Has the countdown just started?")
		edge := tribunetest.Ask(t, svc, tribunetest.Viewer(3), "Does it turn red on its own?")
		over := tribunetest.Ask(t, svc, tribunetest.Viewer(4), "What happens after zero?")
		srv := StartServer(t, svc, "127.0.0.1:0")
		const limit = 60 * time.Second
		tb := openTab(t, browser, srv.URL()+"/overlay?timer=60")
		tb.Wait(t, 10*time.Second, "feed connected", `document.documentElement.dataset.connection === 'open'`)

		// 50 s on air of 60: 10 s left, red.
		airedAgo(t, svc, clk, last.ID, limit-10*time.Second)
		start := time.Now()
		tb.Wait(t, 5*time.Second, "the card", liveText(last.Text)+` && `+timerSeconds+` >= 0`)
		lastSeconds := func(t *testing.T, when string) {
			t.Helper()
			left := tribunetest.Eval[int](t, tb, timerSeconds)
			if max := 10; left > max || left < 10-int(time.Since(start)/time.Second)-1 {
				t.Errorf("%s: %d s left, want 10 s or a little less", when, left)
			}
			if st := tribunetest.Eval[string](t, tb, timerState); st != "last" {
				t.Errorf("%s: timer state %q, want last", when, st)
			}
			if fg, bg := timerColors(t, tb); bg != red || fg != "rgb(255, 255, 255)" {
				t.Errorf("%s: timer colours %s on %s, want white on red %s", when, fg, bg, red)
			}
		}
		lastSeconds(t, "on air")
		screenshot(t, tb, "timer-countdown-last")
		reload(t, tb)
		tb.Wait(t, 5*time.Second, "the card after the reload", liveText(last.Text)+` && `+timerSeconds+` >= 0`)
		lastSeconds(t, "after a reload")

		// 5 s on air: 55 s left, not red.
		airedAgo(t, svc, clk, early.ID, 5*time.Second)
		tb.Wait(t, 5*time.Second, "the next card", liveText(early.Text)+` && `+timerSeconds+` >= 0`)
		if left := tribunetest.Eval[int](t, tb, timerSeconds); left > 55 || left < 50 {
			t.Errorf("%d s left, want about 55", left)
		}
		if st := tribunetest.Eval[string](t, tb, timerState); st != "countdown" {
			t.Errorf("timer state %q, want countdown", st)
		}
		if _, bg := timerColors(t, tb); bg == red {
			t.Errorf("a countdown with 55 s left is red")
		}
		screenshot(t, tb, "timer-countdown")

		// 18.5 s left: it turns red by itself some seconds later.
		airedAgo(t, svc, clk, edge.ID, limit-18500*time.Millisecond)
		tb.Wait(t, 5*time.Second, "the edge card", liveText(edge.Text)+` && `+timerSeconds+` >= 0`)
		if st := tribunetest.Eval[string](t, tb, timerState); st != "countdown" {
			t.Errorf("with 18 s left: timer state %q, want countdown", st)
		}
		tb.Wait(t, 8*time.Second, "the countdown turned red at 15 s", timerState+` === 'last' && `+timerSeconds+` === 15`)

		// Past zero: overtime, still red.
		airedAgo(t, svc, clk, over.ID, limit+3*time.Second)
		tb.Wait(t, 5*time.Second, "the overtime card", liveText(over.Text)+` && `+timerSeconds+` >= 0`)
		if got := tribunetest.Eval[string](t, tb, `document.querySelector('.card.live .timer').textContent`); !strings.HasPrefix(got, "+0:0") {
			t.Errorf("overtime reads %q, want +0:03 or so", got)
		}
		if st := tribunetest.Eval[string](t, tb, timerState); st != "over" {
			t.Errorf("timer state %q, want over", st)
		}
		if _, bg := timerColors(t, tb); bg != red {
			t.Errorf("overtime is not red")
		}
		screenshot(t, tb, "timer-overtime")

		off := openTab(t, browser, srv.URL()+"/overlay?timer=off")
		off.Wait(t, 5*time.Second, "the card", liveText(over.Text))
		if n := tribunetest.Eval[int](t, off, timerSeconds); n != -1 {
			t.Errorf("?timer=off shows a timer (%d)", n)
		}
		tb.CheckClean(t)
		off.CheckClean(t)
	})

	t.Run("LabelChip", func(t *testing.T) {
		svc := MustOpenService(t)
		q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "When will the bike lanes be finished?")
		if _, err := svc.Label(context.Background(), q.ID, "transport"); err != nil {
			t.Fatal(err)
		}
		tribunetest.Show(t, svc, q.ID)
		srv := StartServer(t, svc, "127.0.0.1:0")
		chip := `(() => { const e = document.querySelector('.card.live .label-chip'); return e && !e.hidden && e.getBoundingClientRect().width > 0 ? e.textContent : ''; })()`

		with := openTab(t, browser, srv.URL()+"/overlay?label=1&theme=light")
		with.Wait(t, 5*time.Second, "the label chip", chip+` === 'transport'`)
		without := openTab(t, browser, srv.URL()+"/overlay")
		without.Wait(t, 5*time.Second, "the card", liveText(q.Text))
		if got := tribunetest.Eval[string](t, without, chip); got != "" {
			t.Errorf("a label chip %q shows without ?label=1", got)
		}
		screenshot(t, with, "label-chip")

		if _, err := svc.Label(context.Background(), q.ID, "mobilité"); err != nil {
			t.Fatal(err)
		}
		with.Wait(t, 2*time.Second, "the new label", chip+` === 'mobilité'`)
		if _, err := svc.Label(context.Background(), q.ID, ""); err != nil {
			t.Fatal(err)
		}
		with.Wait(t, 2*time.Second, "the label removed", chip+` === ''`)
		with.CheckClean(t)
		without.CheckClean(t)
	})

	t.Run("Anonymous", func(t *testing.T) {
		svc := MustOpenService(t)
		res, err := svc.Ask(context.Background(), anonymous, "Can I ask without my name?")
		if err != nil {
			t.Fatal(err)
		}
		res2, err := svc.Ask(context.Background(), named, "And with my name?")
		if err != nil {
			t.Fatal(err)
		}
		tribunetest.Show(t, svc, res.Question.ID)
		hidden := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) { s.ShowAuthors = false })
		shown := StartServer(t, svc, "127.0.0.1:0")
		card := openTab(t, browser, shown.URL()+"/overlay")
		card.Wait(t, 5*time.Second, "the anonymous card", liveText(res.Question.Text))
		text := tribunetest.Eval[string](t, card, `document.body.innerText`)
		if strings.Contains(text, anonymous.DisplayName) || strings.Contains(text, "Question from") {
			t.Errorf("the anonymous card reads %q: no author, no \"Question from\"", text)
		}
		screenshot(t, card, "anonymous")

		tribunetest.Show(t, svc, res2.Question.ID)
		card.Wait(t, 5*time.Second, "the named card", liveText(res2.Question.Text))
		if got := tribunetest.Eval[string](t, card, `document.querySelector('.card.live .author').textContent`); got != named.DisplayName {
			t.Errorf("author %q, want %q", got, named.DisplayName)
		}
		noAuthors := openTab(t, browser, hidden.URL()+"/overlay")
		noAuthors.Wait(t, 5*time.Second, "the named card, authors hidden", liveText(res2.Question.Text))
		if text := tribunetest.Eval[string](t, noAuthors, `document.body.innerText`); strings.Contains(text, named.DisplayName) || strings.Contains(text, "Question from") {
			t.Errorf("with authors hidden the card reads %q", text)
		}
		card.CheckClean(t)
		noAuthors.CheckClean(t)
	})

	t.Run("ChatTextIsolated", func(t *testing.T) {
		svc := MustOpenService(t)
		rtl := tribune.Actor{Login: "sara", DisplayName: "שרה", UserID: "31"}
		res, err := svc.Ask(context.Background(), rtl, "ما هي خطة النقل العام؟")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Label(context.Background(), res.Question.ID, "نقل"); err != nil {
			t.Fatal(err)
		}
		tribunetest.Show(t, svc, res.Question.ID)
		srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) {
			s.AskURL = "https://tribune.example.org/ask"
			s.AskCode = "K7Q2"
		})
		pages := []struct {
			path      string
			ready     string
			selectors []string
		}{
			{"/overlay?label=1", liveText(res.Question.Text), []string{".card.live .text", ".card.live .author", ".card.live .label-chip"}},
			{"/overlay/top", `document.querySelectorAll('.row').length === 1`, []string{".row .row-text", ".row .row-author"}},
			{"/overlay/ask", `true`, []string{".ask-url", ".ask-code-value"}},
		}
		for _, p := range pages {
			tb := openTab(t, browser, srv.URL()+p.path)
			tb.Wait(t, 5*time.Second, p.path+" ready", p.ready)
			for _, sel := range p.selectors {
				got := tribunetest.Eval[[]string](t, tb, `(() => { const e = document.querySelector('`+sel+`'); const s = getComputedStyle(e); return [s.unicodeBidi, e.dir, s.direction]; })()`)
				if got[0] != "isolate" || got[1] != "auto" {
					t.Errorf("%s %s: unicode-bidi %q, dir %q; want isolate and auto", p.path, sel, got[0], got[1])
				}
				if strings.Contains(sel, "text") && got[2] != "rtl" {
					t.Errorf("%s %s: direction %q for an Arabic question, want rtl", p.path, sel, got[2])
				}
			}
			// The card reads left to right around the isolated text: the
			// number comes first.
			if p.path == "/overlay?label=1" {
				badge := tribunetest.Eval[[]float64](t, tb, `(() => { const b = document.querySelector('.card.live .badge').getBoundingClientRect(), a = document.querySelector('.card.live .author').getBoundingClientRect(); return [b.left, a.left]; })()`)
				if badge[0] >= badge[1] {
					t.Errorf("the badge (x=%v) is not before the right-to-left author (x=%v)", badge[0], badge[1])
				}
				screenshot(t, tb, "isolated-rtl")
			}
			tb.CheckClean(t)
		}
	})

	t.Run("AskCard", func(t *testing.T) {
		svc := MustOpenService(t)
		const askURL = "https://tribune.example.org/ask"
		srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) {
			s.AskURL = askURL
			s.AskCode = "K7Q2"
			s.Lang = "fr"
		})
		cards := map[string]color{}
		for _, tc := range []struct {
			name, path string
			qrPx       float64 // the code's side at this scale
		}{
			{"dark", "/overlay/ask", 220},
			{"light-top-left", "/overlay/ask?theme=light&position=top-left&lang=en", 220},
			{"accent-small", "/overlay/ask?theme=accent&accent=1B998B&scale=0.5", 110},
			{"large", "/overlay/ask?scale=1.5&position=center", 330},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tb := openTab(t, browser, srv.URL()+tc.path)
				tb.Wait(t, 5*time.Second, "the card", `!!document.querySelector('.ask .qr')`)
				img := screenshot(t, tb, "ask-card-"+tc.name)
				if c := at(img, 5, 5); c.a != 0 {
					t.Errorf("corner pixel %+v, want transparent", c)
				}
				card := tribunetest.Eval[[]float64](t, tb, `(() => { const r = document.querySelector('.ask').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
				if card[0] < 0 || card[1] < 0 || card[0]+card[2] > 1920 || card[1]+card[3] > 1080 {
					t.Errorf("the card %v is not inside the 1920x1080 frame", card)
				}
				cards[tc.name] = at(img, int(card[0]+card[2]-8), int(card[1]+card[3]-8))
				qr := tribunetest.Eval[[]float64](t, tb, `(() => { const r = document.querySelector('.ask .qr').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
				if qr[2] < tc.qrPx-1 || qr[2] > tc.qrPx+1 || qr[2] != qr[3] {
					t.Errorf("QR code %vx%v px, want %v square", qr[2], qr[3], tc.qrPx)
				}
				// What a phone reads from the stream is the ask address.
				if got := decodeQR(t, img, image.Rect(int(qr[0]), int(qr[1]), int(qr[0]+qr[2]), int(qr[1]+qr[3]))); got != askURL {
					t.Errorf("the QR code on stream reads %q, want %q", got, askURL)
				}
				text := strings.Join(strings.Fields(tribunetest.Eval[string](t, tb, `document.body.innerText`)), " ")
				wantText := "Posez votre question Scannez le code ou allez sur tribune.example.org/ask Code de la réunion K7Q2"
				if strings.Contains(tc.path, "lang=en") {
					wantText = "Ask your question Scan the code or go to tribune.example.org/ask Meeting code K7Q2"
				}
				if text != wantText {
					t.Errorf("card text %q, want %q", text, wantText)
				}
				tb.CheckClean(t)
			})
		}
		if cards["dark"] == cards["light-top-left"] {
			t.Errorf("dark and light ask cards have the same background %+v", cards["dark"])
		}

		t.Run("Unpublished", func(t *testing.T) {
			plain := StartServer(t, svc, "127.0.0.1:0")
			tb := openTab(t, browser, plain.URL()+"/overlay/ask")
			tb.Wait(t, 5*time.Second, "the card", `!!document.querySelector('.ask')`)
			if text := strings.Join(strings.Fields(tribunetest.Eval[string](t, tb, `document.body.innerText`)), " "); text != "Ask your question The ask page is not published." {
				t.Errorf("card text %q", text)
			}
			screenshot(t, tb, "ask-card-unpublished")
			tb.CheckClean(t)
		})
	})
}

// decodeQR reads the QR code inside r of img, as a phone's reader would.
func decodeQR(t *testing.T, img image.Image, r image.Rectangle) string {
	t.Helper()
	crop := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(crop, crop.Bounds(), img, r.Min, draw.Src)
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop)
	if err != nil {
		t.Fatalf("QR code image: %v", err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code on stream does not scan: %v", err)
	}
	return res.GetText()
}
