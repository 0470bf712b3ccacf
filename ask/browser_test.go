package ask_test

// Browser tests drive the ask page in a real headless Chromium (see
// internal/tribunetest/chromium.go for when they skip or fail). Each
// visitor is a tab in a browser context of its own: its own cookies, so
// its own browser id. Screenshots go to $TRIBUNE_ARTIFACTS/ask/ when
// TRIBUNE_ARTIFACTS is set.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

var (
	noScript = tribunetest.CDP(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	darkMode = tribunetest.CDP(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
)

// acceptLanguage makes the tab's requests carry Accept-Language: lang.
func acceptLanguage(lang string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		tribunetest.CDP(network.Enable, network.EnableParams{}),
		tribunetest.CDP(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}),
	)
}

const (
	phoneW, phoneH     = 390, 844
	desktopW, desktopH = 1280, 800
	waitLive           = 10 * time.Second
	waitUI             = 5 * time.Second
)

// visitor opens the page as a new visitor (a browser context of its own).
func visitor(t *testing.T, browser context.Context, url string, w, h int64, before ...chromedp.Action[chromedp.Void]) *tribunetest.Tab {
	t.Helper()
	return tribunetest.OpenTab(t, browser, url, tribunetest.TabOptions{
		Width: w, Height: h, Mobile: w < 600, NewBrowserContext: true, Before: before,
	})
}

// textIs is a predicate: the element sel has exactly text.
func textIs(sel, text string) string {
	return `(() => { const e = document.querySelector(` + tribunetest.JS(sel) + `); return !!e && e.textContent.trim() === ` + tribunetest.JS(text) + `; })()`
}

// live waits until the page's feed is open.
func live(t *testing.T, tab *tribunetest.Tab) {
	t.Helper()
	tab.Wait(t, waitLive, "the live feed", `document.documentElement.dataset.live === 'open'`)
}

// askInPage types a question into the page's form and sends it.
func askInPage(t *testing.T, tab *tribunetest.Tab, text, name string) {
	t.Helper()
	tribunetest.Eval[chromedp.Void](t, tab, `document.querySelector('#text').value = ''; document.querySelector('#name').value = ''`)
	steps := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#text"), text)}
	if name != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS("#name"), name))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("#ask-button")))
	tab.Do(t, steps...)
}

// waitNav waits for expr to hold on the page a form's POST leads to: the
// tab navigates meanwhile, and evaluations fail while it does.
func waitNav(t *testing.T, tab *tribunetest.Tab, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(waitUI)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		if ok, err = chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	where, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`location.href + ' | ' + document.body.innerText.slice(0, 400)`))
	t.Fatalf("%s: not within %v (last error %v); the page: %s", what, waitUI, err, where)
}

// cspClean fails the test if the page broke its own Content-Security-Policy.
func cspClean(t *testing.T, tab *tribunetest.Tab) {
	t.Helper()
	for _, e := range tab.Errors() {
		if strings.Contains(e, "Content Security Policy") {
			t.Errorf("the page breaks its CSP: %s", e)
		}
	}
}

func TestBrowser(t *testing.T) {
	browser := tribunetest.StartBrowser(t, desktopW, desktopH)

	t.Run("AskVoteLive", func(t *testing.T) {
		e := newEnv(t, options{})
		ctx := context.Background()
		asker := visitor(t, browser, e.url+"/ask", phoneW, phoneH)
		voter := visitor(t, browser, e.url+"/ask", desktopW, desktopH)
		live(t, asker)
		live(t, voter)
		// A reload would lose these marks: they prove updates come live.
		for _, tab := range []*tribunetest.Tab{asker, voter} {
			tribunetest.Eval[chromedp.Void](t, tab, `window.__sameLoad = true`)
		}
		const text = "Will the night buses run on weekdays too?"
		askInPage(t, asker, text, "Ana")
		asker.Wait(t, waitUI, "the thank-you", textIs("#status", "Thank you! Your question is #1."))
		asker.Wait(t, waitUI, "own question with its status", `(() => { const li = document.querySelector('#mine-list li[data-id="1"]'); return !!li && li.querySelector('.chat-text').textContent === `+tribunetest.JS(text)+` && li.querySelector('.status').textContent === 'published'; })()`)
		asker.Wait(t, waitUI, "the list", textIs("#q1 .q-text", text))
		if got := tribunetest.Eval[string](t, asker, `document.querySelector('#text').value`); got != "" {
			t.Errorf("the form kept %q after sending", got)
		}
		voter.Wait(t, waitLive, "the new question, live", textIs("#q1 .q-text", text))
		if got := tribunetest.Eval[string](t, voter, `document.querySelector('#q1 .q-meta').innerText.replace(/\s+/g, ' ').trim()`); got != "#1 Ana web" {
			t.Errorf("meta %q, want the number, the claimed name and the web badge", got)
		}
		if q := tribunetest.Get(t, e.svc, 1); q.Source != tribune.SourceWeb || q.Author != "Ana" || q.AuthorID == "" {
			t.Errorf("stored %+v", q)
		}

		voter.Do(t, chromedp.Click(chromedp.CSS("#q1 .vote")))
		voter.Wait(t, waitUI, "the vote counted", `document.querySelector('#q1 .q-count').textContent === '2' && document.querySelector('#q1 .vote').getAttribute('aria-pressed') === 'true'`)
		asker.Wait(t, waitLive, "the vote seen by the asker, live", textIs("#q1 .q-count", "2"))
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 2 {
			t.Errorf("Votes=%d, want 2", n)
		}
		// A repeated vote from the same browser does not count.
		st, err := chromedp.Run(voter.Ctx, chromedp.Evaluate[int](`fetch('/ask/questions/1/vote', {method: 'POST'}).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if err != nil || st != 409 {
			t.Errorf("a repeated vote: status %d, %v; want 409", st, err)
		}
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 2 {
			t.Errorf("Votes=%d after a repeated vote, want 2", n)
		}

		// The moderators and the other platforms change the page too.
		if _, err := e.svc.Vote(ctx, tribune.Actor{Login: "viewer", UserID: "4242", Source: tribune.SourceTwitch}, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Show(ctx, 1); err != nil {
			t.Fatal(err)
		}
		asker.Wait(t, waitLive, "on air, live", `document.querySelector('#q1').classList.contains('is-onair') && !document.querySelector('#q1 .onair-mark').hidden && document.querySelector('#q1 .q-count').textContent === '3'`)
		asker.Wait(t, waitLive, "the asker's status, live", `document.querySelector('#mine-list li[data-id="1"] .status').textContent === 'on air'`)
		for _, tab := range []*tribunetest.Tab{asker, voter} {
			if !tribunetest.Eval[bool](t, tab, `window.__sameLoad === true`) {
				t.Errorf("the page reloaded")
			}
		}

		// The vote stays the voter's after a reload, and a click takes it back.
		voter.Do(t, chromedp.Reload())
		live(t, voter)
		if got := tribunetest.Eval[string](t, voter, `document.querySelector('#q1 .vote').getAttribute('aria-pressed')`); got != "true" {
			t.Errorf("after a reload aria-pressed=%q, want true", got)
		}
		voter.Do(t, chromedp.Click(chromedp.CSS("#q1 .vote")))
		voter.Wait(t, waitUI, "the vote taken back", `document.querySelector('#q1 .q-count').textContent === '2' && document.querySelector('#q1 .vote').getAttribute('aria-pressed') === 'false'`)
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 2 {
			t.Errorf("Votes=%d after the unvote, want 2", n)
		}
		for _, tab := range []*tribunetest.Tab{asker, voter} {
			tab.CheckClean(t)
			cspClean(t, tab)
		}
	})

	t.Run("HostileText", func(t *testing.T) {
		e := newEnv(t, options{})
		ctx := context.Background()
		const hostile = `<img src=x onerror=alert(1)><script>alert(2)</script>`
		const author = `<b onmouseover=alert(3)>Eve</b>`
		const bidi = "\u202Egnp.exe\u202C and \u2067isolated\u2069 text?"
		eve := tribune.Actor{Login: "eve", DisplayName: author, UserID: "666", Source: tribune.SourceTwitch}
		if _, err := e.svc.Ask(ctx, eve, hostile); err != nil {
			t.Fatal(err)
		}
		tab := visitor(t, browser, e.url+"/ask", desktopW, desktopH)
		live(t, tab)
		// Asked after the load: drawn by the page's script, not the server.
		if _, err := e.svc.Ask(ctx, tribune.Actor{Login: "eve2", DisplayName: author, UserID: "667", Source: tribune.SourceTwitch}, `<svg onload=alert(4)></svg><a href="javascript:alert(5)">click</a>`); err != nil {
			t.Fatal(err)
		}
		askInPage(t, tab, bidi, `<i>"Mallory"</i>`)
		tab.Wait(t, waitLive, "three questions", `document.querySelectorAll('#list .q').length === 3 && document.querySelectorAll('#mine-list li').length === 1`)
		reload := visitor(t, browser, e.url+"/ask", desktopW, desktopH, noScript) // the server's rendering alone
		reload.Wait(t, waitUI, "the server's list", `document.querySelectorAll('#list .q').length === 3`)

		for _, c := range []struct {
			tab   *tribunetest.Tab
			where string
		}{{tab, "script"}, {reload, "server"}} {
			for id := 1; id <= 3; id++ {
				q := tribunetest.Get(t, e.svc, id)
				for sel, want := range map[string]string{fmt.Sprintf("#q%d .q-text", id): q.Text, fmt.Sprintf("#q%d .q-author", id): q.Author} {
					expr := `(() => { const e = document.querySelector(` + tribunetest.JS(sel) + `); return !!e && e.childNodes.length === 1 && e.firstChild.nodeType === Node.TEXT_NODE && e.firstChild.data === ` + tribunetest.JS(want) + ` && getComputedStyle(e).unicodeBidi === 'isolate'; })()`
					if !tribunetest.Eval[bool](t, c.tab, expr) {
						t.Errorf("%s: %s is not one isolated text node equal to %q", c.where, sel, want)
					}
				}
			}
			if n := tribunetest.Eval[int](t, c.tab, `document.querySelectorAll('main img, main script, main b, main i').length`); n != 0 {
				t.Errorf("%s: %d elements made from viewers' text", c.where, n)
			}
			if n := tribunetest.Eval[int](t, c.tab, `document.scripts.length`); n != 1 {
				t.Errorf("%s: %d scripts, want only the page's", c.where, n)
			}
		}
		if got := tribunetest.Eval[string](t, tab, `document.querySelector('#mine-list .chat-text').textContent`); got != tribunetest.Get(t, e.svc, 3).Text {
			t.Errorf("own question %q, want %q", got, tribunetest.Get(t, e.svc, 3).Text)
		}
		time.Sleep(300 * time.Millisecond) // time for an onerror, had there been an image
		tab.CheckClean(t)
		cspClean(t, tab)
		// The dialog watch works: a dialog that does open is seen.
		tribunetest.Eval[chromedp.Void](t, tab, `setTimeout(() => alert('probe'), 0)`)
		tribunetest.Eventually(t, 5*time.Second, "the probe dialog seen", func() bool { return tab.Dialogs() == 1 })
	})

	t.Run("Languages", func(t *testing.T) {
		e := newEnv(t, options{})
		fr := visitor(t, browser, e.url+"/ask?lang=fr", phoneW, phoneH)
		live(t, fr)
		if got := tribunetest.Eval[string](t, fr, `document.documentElement.lang + ' ' + document.querySelector('h1').textContent`); got != "fr Poser une question" {
			t.Errorf("?lang=fr: %q", got)
		}
		long := strings.Repeat("trop ", 61)
		tribunetest.Eval[chromedp.Void](t, fr, `(() => { const e = document.querySelector('#text'); e.value = `+tribunetest.JS(long)+`; e.dispatchEvent(new Event('input')); })()`)
		fr.Do(t, chromedp.Click(chromedp.CSS("#ask-button")))
		fr.Wait(t, waitUI, "the French refusal", textIs("#alert", "Trop longue : 300 caractères au plus."))
		if got := tribunetest.Eval[string](t, fr, `document.querySelector('#text').value`); got != long {
			t.Errorf("the refused text was not kept in the form")
		}
		if !tribunetest.Eval[bool](t, fr, `document.querySelector('#text-count').classList.contains('over')`) {
			t.Errorf("the counter does not show the text is too long")
		}
		askInPage(t, fr, "Quand la piscine rouvrira-t-elle ?", "")
		fr.Wait(t, waitUI, "the French thank-you", textIs("#status", "Merci ! Votre question porte le n°1."))
		fr.Wait(t, waitUI, "the French list", `(() => { const q = document.querySelector('#q1'); return !!q && q.querySelector('.vote-word').textContent === 'Voté' && q.querySelector('.q-author').textContent === 'internaute'; })()`)
		if got := tribunetest.Eval[string](t, fr, `document.querySelector('#mine-list .status').textContent`); got != "publiée" {
			t.Errorf("status %q, want publiée", got)
		}

		// Without ?lang=, the browser's language decides.
		byHeader := visitor(t, browser, e.url+"/ask", desktopW, desktopH, acceptLanguage("fr-CA,fr;q=0.9,en;q=0.5"))
		if got := tribunetest.Eval[string](t, byHeader, `document.documentElement.lang`); got != "fr" {
			t.Errorf("Accept-Language fr-CA: lang %q", got)
		}
		en := visitor(t, browser, e.url+"/ask", desktopW, desktopH, acceptLanguage("en-GB,en;q=0.8"))
		live(t, en)
		if got := tribunetest.Eval[string](t, en, `document.documentElement.lang + ' ' + document.querySelector('h1').textContent + ' ' + document.querySelector('#q1 .vote-word').textContent + ' ' + document.querySelector('#live').textContent`); got != "en Ask a question Vote Live" {
			t.Errorf("English: %q", got)
		}
		en.Do(t, chromedp.Click(chromedp.CSS("a.lang")))
		waitNav(t, en, "the French page by its link", `document.documentElement.lang === 'fr' && location.search === '?lang=fr'`)
		for _, tab := range []*tribunetest.Tab{fr, byHeader, en} {
			tab.CheckClean(t)
			cspClean(t, tab)
		}
	})

	t.Run("NoJavaScript", func(t *testing.T) {
		e := newEnv(t, options{})
		mustAsk(t, e.browser(t), "A question asked by someone else?")
		tab := visitor(t, browser, e.url+"/ask", phoneW, phoneH, noScript)
		if got := tribunetest.Eval[string](t, tab, `document.documentElement.dataset.live`); got != "off" {
			t.Fatalf("data-live=%q: the page's script ran", got)
		}
		if !tribunetest.Eval[bool](t, tab, textIs("#q1 .q-text", "A question asked by someone else?")) {
			t.Errorf("the list is not on the page without JavaScript")
		}
		tab.Do(t,
			chromedp.SendKeys(chromedp.CSS("#text"), "Asked with JavaScript off?"),
			chromedp.SendKeys(chromedp.CSS("#name"), "Noé"),
			chromedp.Click(chromedp.CSS("#anonymous")),
			chromedp.Click(chromedp.CSS("#ask-button")),
		)
		waitNav(t, tab, "the page after the form", textIs("#status", "Thank you! Your question is #2."))
		if got := tribunetest.Eval[string](t, tab, `document.querySelector('#mine-list li[data-id="2"]').textContent.replace(/\s+/g, ' ').trim()`); got != "#2 Asked with JavaScript off? published asked anonymously" {
			t.Errorf("own questions %q", got)
		}
		if q := tribunetest.Get(t, e.svc, 2); !q.Anonymous || q.Author != "Noé" || q.Source != "web" {
			t.Errorf("stored %+v", q)
		}
		if got := tribunetest.Eval[string](t, tab, `document.querySelector('#q2 .q-meta').innerText.replace(/\s+/g, ' ').trim()`); got != "#2 web" {
			t.Errorf("the anonymous question's meta %q, want no name", got)
		}
		tab.Do(t, chromedp.Click(chromedp.CSS("#q1 .vote")))
		waitNav(t, tab, "the page after the vote", textIs("#status", "Vote counted for #1."))
		if got := tribunetest.Eval[string](t, tab, `document.querySelector('#q1 .q-count').textContent + ' ' + document.querySelector('#q1 .vote').getAttribute('aria-pressed')`); got != "2 true" {
			t.Errorf("after the vote: %q", got)
		}
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 2 {
			t.Errorf("Votes=%d, want 2", n)
		}
		tab.CheckClean(t)
		cspClean(t, tab)
	})

	t.Run("MeetingCode", func(t *testing.T) {
		e := newEnv(t, options{server: func(s *ask.Server) { s.Code = "4217" }})
		tab := visitor(t, browser, e.url+"/ask", phoneW, phoneH)
		live(t, tab)
		askInPage(t, tab, "Is the code needed?", "")
		tab.Wait(t, waitUI, "asked for the code", textIs("#alert", "Enter the meeting code shown on stream first."))
		if got := tribunetest.Eval[string](t, tab, `document.activeElement.id`); got != "code" {
			t.Errorf("focus on %q, want the code field", got)
		}
		tab.Do(t, chromedp.SendKeys(chromedp.CSS("#code"), "4218"), chromedp.Click(chromedp.CSS("#code-form button")))
		tab.Wait(t, waitUI, "a wrong code refused", textIs("#alert", "That is not the meeting code."))
		tribunetest.Eval[chromedp.Void](t, tab, `document.querySelector('#code').value = ''`)
		tab.Do(t, chromedp.SendKeys(chromedp.CSS("#code"), "4217"), chromedp.Click(chromedp.CSS("#code-form button")))
		tab.Wait(t, waitUI, "the code accepted", textIs("#status", "Code accepted.")+` && document.querySelector('#code-form').hidden`)
		tab.Do(t, chromedp.Click(chromedp.CSS("#ask-button")))
		tab.Wait(t, waitUI, "asked with the code", textIs("#status", "Thank you! Your question is #1."))
		// The code is remembered: a reload asks for it no more.
		tab.Do(t, chromedp.Reload())
		if n := tribunetest.Eval[int](t, tab, `document.querySelectorAll('#code-form').length`); n != 0 {
			t.Errorf("the code form is back after a reload")
		}
		tab.CheckClean(t)
		cspClean(t, tab)
	})

	t.Run("Layout", func(t *testing.T) {
		e := newEnv(t, options{server: func(s *ask.Server) { s.PublicURL = "https://ask.example.org/ask" }})
		own := seedMeeting(t, e)
		// The tabs are the browser that asked #4: they see it as theirs.
		asOwner := tribunetest.CDP(network.SetCookie, network.SetCookieParams{
			Name: own.Name, Value: own.Value, URL: e.url + "/ask", Path: "/ask",
			HTTPOnly: new(true), SameSite: network.CookieSameSiteStrict,
		})
		dir := tribunetest.ArtifactDir(t, "ask")
		for _, c := range []struct {
			name   string
			w, h   int64
			path   string
			before []chromedp.Action[chromedp.Void]
		}{
			{"phone-en", phoneW, phoneH, "/ask?lang=en", nil},
			{"phone-fr-dark", phoneW, phoneH, "/ask?lang=fr", []chromedp.Action[chromedp.Void]{darkMode}},
			{"desktop-en", desktopW, desktopH, "/ask?lang=en", nil},
			{"desktop-fr", desktopW, desktopH, "/ask?lang=fr", nil},
			{"desktop-en-dark", desktopW, desktopH, "/ask?lang=en", []chromedp.Action[chromedp.Void]{darkMode}},
		} {
			t.Run(c.name, func(t *testing.T) {
				tab := visitor(t, browser, e.url+c.path, c.w, c.h, append(c.before, asOwner)...)
				live(t, tab)
				tab.Wait(t, waitUI, "the list", `document.querySelectorAll('#list .q').length === 6 && document.querySelectorAll('#mine-list li').length === 1`)
				checkLayout(t, tab, c.w)
				checkLabels(t, tab)
				checkContrast(t, tab)
				img := tab.Screenshot(t, filepath.Join(dir, "ask-"+c.name+".png"), false)
				if b := img.Bounds(); int64(b.Dx()) != c.w || int64(b.Dy()) != c.h {
					t.Errorf("screenshot %dx%d, want %dx%d", b.Dx(), b.Dy(), c.w, c.h)
				}
				if c.w < 600 {
					// The whole page too: on a phone the list is below the form.
					tab.Screenshot(t, filepath.Join(dir, "ask-"+c.name+"-full.png"), true)
				}
				tab.CheckClean(t)
				cspClean(t, tab)
			})
		}
	})

	t.Run("Keyboard", func(t *testing.T) {
		e := newEnv(t, options{})
		mustAsk(t, e.browser(t), "Can I vote with the keyboard alone?")
		tab := visitor(t, browser, e.url+"/ask", phoneW, phoneH)
		live(t, tab)
		// Tab through the page from the top until the vote button.
		var path []string
		for i := 0; i < 20; i++ {
			tab.Do(t, chromedp.KeyEvent("\t"))
			id := tribunetest.Eval[string](t, tab, `(() => { const a = document.activeElement; return a.id || a.className || a.tagName; })()`)
			path = append(path, id)
			if id == "vote" {
				break
			}
		}
		if path[len(path)-1] != "vote" {
			t.Fatalf("the vote button is not reached by Tab: %v", path)
		}
		if got, want := strings.Join(path, " "), "skip lang text name anonymous ask-button vote"; got != want {
			t.Errorf("Tab order %q, want %q", got, want)
		}
		// The focus is visible.
		if w := tribunetest.Eval[string](t, tab, `(() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth; })()`); w != "solid 3px" {
			t.Errorf("focused vote button outline %q, want solid 3px", w)
		}
		tab.Do(t, chromedp.KeyEvent("\r"))
		tab.Wait(t, waitUI, "the vote by Enter", `document.querySelector('#q1 .q-count').textContent === '2'`)
		if !tribunetest.Eval[bool](t, tab, `document.activeElement.classList.contains('vote')`) {
			t.Errorf("the focus left the vote button after voting")
		}
		tab.CheckClean(t)
	})
}

// seedMeeting fills e with what a meeting looks like: questions from
// every source, one on air, one anonymous, a long name. It returns the
// cookie of the browser that asked #4.
func seedMeeting(t *testing.T, e *env) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	actors := []tribune.Actor{
		{Login: "marie_dupont", DisplayName: "Marie_Dupont", UserID: "101", Source: tribune.SourceTwitch},
		{DisplayName: "Jean Martin", UserID: "UCyt1", Source: tribune.SourceYouTube},
		{Login: "tomtom", DisplayName: "TomTom", UserID: "102", Source: tribune.SourceTwitch},
	}
	texts := []string{
		"Comment allez-vous financer la rénovation des écoles d'ici 2030 ?",
		"Will the bike lanes on Main Street be finished before the summer, and who will maintain them?",
		"Pourquoi le conseil de quartier ne se réunit-il plus depuis six mois ?",
	}
	for i, a := range actors {
		if _, err := e.svc.Ask(ctx, a, texts[i]); err != nil {
			t.Fatal(err)
		}
	}
	web := e.browser(t)
	if _, err := web.Ask(ctx, ask.AskRequest{Text: "Can the library stay open on Sunday afternoons?", Name: "Camille"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.browser(t).Ask(ctx, ask.AskRequest{Text: "What is the budget for the new swimming pool?", Name: "Hidden", Anonymous: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.browser(t).Ask(ctx, ask.AskRequest{Text: "Un très long nom pour voir le retour à la ligne des badges", Name: strings.Repeat("Wolfeschlegelsteinhausen", 3)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		for _, id := range []int{1, 2, 4} {
			if i < id*2 {
				e.browser(t).Vote(ctx, id)
			}
		}
	}
	if _, err := e.svc.Show(ctx, 2); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.url + "/ask")
	for _, c := range web.Client.Jar.Cookies(u) {
		if c.Name == "tribune_ask" {
			return c
		}
	}
	t.Fatal("the web browser has no cookie")
	return nil
}

// checkLayout asserts the page fits the viewport's width, in one column on
// a phone and two on a desktop.
func checkLayout(t *testing.T, tab *tribunetest.Tab, width int64) {
	t.Helper()
	if sw := tribunetest.Eval[int64](t, tab, `document.documentElement.scrollWidth`); sw > width {
		t.Errorf("the page is %dpx wide in a %dpx viewport", sw, width)
	}
	if n := tribunetest.Eval[int](t, tab, `Array.from(document.querySelectorAll('button, input, textarea, a')).filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5) && !e.classList.contains('skip'); }).length`); n != 0 {
		t.Errorf("%d controls stick out of the viewport", n)
	}
	small := tribunetest.Eval[string](t, tab, `Array.from(document.querySelectorAll('button, .check input')).filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.height < 24 || r.width < 24); }).map(e => e.className || e.id).join(',')`)
	if small != "" {
		t.Errorf("touch targets under 24px: %s", small)
	}
	box := `(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; }`
	ask := tribunetest.Eval[[]float64](t, tab, `(`+box+`)('.ask-col')`)
	list := tribunetest.Eval[[]float64](t, tab, `(`+box+`)('.list-col')`)
	if width < 600 {
		if list[2] < ask[3] {
			t.Errorf("phone: the list (top %v) is not below the form (bottom %v)", list[2], ask[3])
		}
	} else if list[0] < ask[1] || list[2] > 200 {
		t.Errorf("desktop: the list %v is not beside the form %v", list, ask)
	}
	// The question text wraps inside its card.
	if n := tribunetest.Eval[int](t, tab, `Array.from(document.querySelectorAll('.q-text, .q-author')).filter(e => e.scrollWidth > e.clientWidth + 1).length`); n != 0 {
		t.Errorf("%d texts overflow their box", n)
	}
}

// checkLabels asserts that every control has a name people can read.
func checkLabels(t *testing.T, tab *tribunetest.Tab) {
	t.Helper()
	unnamed := tribunetest.Eval[string](t, tab, `Array.from(document.querySelectorAll('input:not([type=hidden]), textarea, select, button')).filter(e => {
		if (e.tagName === 'BUTTON') return e.textContent.trim() === '';
		return !(e.labels && e.labels.length && e.labels[0].textContent.trim() !== '');
	}).map(e => e.id || e.name || e.className).join(',')`)
	if unnamed != "" {
		t.Errorf("controls without a label: %s", unnamed)
	}
	if n := tribunetest.Eval[int](t, tab, `document.querySelectorAll('h1').length`); n != 1 {
		t.Errorf("%d h1, want 1", n)
	}
}

// checkContrast asserts WCAG AA contrast (4.5:1) for every visible text.
func checkContrast(t *testing.T, tab *tribunetest.Tab) {
	t.Helper()
	worst := tribunetest.Eval[string](t, tab, `(() => {
		const rgb = s => { const m = s.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
		const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
		const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
		let worst = 99, what = '';
		document.querySelectorAll('h1, h2, p, label, span, a, button, li, .notice').forEach(e => {
			if (!e.offsetParent && getComputedStyle(e).position !== 'fixed') return;
			if (!Array.from(e.childNodes).some(n => n.nodeType === 3 && n.data.trim())) return;
			if (e.classList.contains('sr') || e.classList.contains('skip')) return;
			const s = getComputedStyle(e);
			const fg = rgb(s.color), b = bg(e);
			const l1 = lum(fg), l2 = lum(b);
			const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
			if (ratio < worst) { worst = ratio; what = (e.className || e.tagName) + ' ' + s.color + ' on ' + JSON.stringify(b); }
		});
		return worst.toFixed(2) + ' ' + what;
	})()`)
	var ratio float64
	fmt.Sscan(worst, &ratio)
	if ratio < 4.5 {
		t.Errorf("lowest text contrast %s, want at least 4.5", worst)
	}
}
