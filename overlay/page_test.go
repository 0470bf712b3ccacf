package overlay_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tribune-live/tribune/overlay"
)

// getPage fetches an overlay page and returns its body and headers.
func getPage(t *testing.T, base, path string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	return string(b), resp.Header
}

var htmlAttr = regexp.MustCompile(`\s(data-[a-z-]+|lang)="([^"]*)"`)

// rootAttrs returns the attributes of the page's <html> element.
func rootAttrs(t *testing.T, body string) map[string]string {
	t.Helper()
	i := strings.Index(body, "<html")
	j := strings.Index(body[i:], ">")
	if i < 0 || j < 0 {
		t.Fatalf("no <html> in %q", body[:min(200, len(body))])
	}
	attrs := map[string]string{}
	for _, m := range htmlAttr.FindAllStringSubmatch(body[i:i+j], -1) {
		attrs[m[1]] = m[2]
	}
	return attrs
}

var cssVar = regexp.MustCompile(`--(accent|on-accent|font|scale):([^;]*);`)

func cssVars(body string) map[string]string {
	vars := map[string]string{}
	for _, m := range cssVar.FindAllStringSubmatch(body, -1) {
		if _, ok := vars[m[1]]; !ok {
			vars[m[1]] = m[2]
		}
	}
	return vars
}

func TestPage_Options(t *testing.T) {
	srv := StartServer(t, MustOpenService(t), "127.0.0.1:0")
	tests := []struct {
		name, path string
		attrs      map[string]string
		vars       map[string]string
	}{
		{"Defaults", "/overlay",
			map[string]string{"data-mode": "card", "data-theme": "dark", "data-position": "bottom", "lang": "en", "data-label-from": "Question from", "data-label-votes": "votes"},
			map[string]string{"scale": "1", "accent": "#6d5dfc"}},
		{"Light", "/overlay?theme=light&position=top-left", map[string]string{"data-theme": "light", "data-position": "top-left"}, nil},
		{"Accent", "/overlay?theme=accent&accent=D7263D", map[string]string{"data-theme": "accent"},
			map[string]string{"accent": "#d7263d", "on-accent": "#ffffff"}},
		{"AccentHashShort", "/overlay?theme=accent&accent=%23ff0", nil, map[string]string{"accent": "#ffff00", "on-accent": "#111111"}},
		{"French", "/overlay?lang=fr-FR", map[string]string{"lang": "fr", "data-label-from": "Question de", "data-label-votes": "votes", "data-label-onair": "À l&#39;antenne"}, nil},
		{"Scale", "/overlay?scale=1.5", nil, map[string]string{"scale": "1.5"}},
		{"ScaleClampedHigh", "/overlay?scale=40", nil, map[string]string{"scale": "3"}},
		{"ScaleClampedLow", "/overlay?scale=0.01", nil, map[string]string{"scale": "0.5"}},
		{"ScaleNaN", "/overlay?scale=NaN", nil, map[string]string{"scale": "1"}},
		{"FontMono", "/overlay?font=mono", nil, map[string]string{"font": `ui-monospace, "Cascadia Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace`}},
		{"FontLocal", "/overlay?font=Liberation%20Serif", nil, map[string]string{"font": `"Liberation Serif", system-ui`}},
		{"TopDefaults", "/overlay/top", map[string]string{"data-mode": "top", "data-n": "5", "data-position": "top-right"}, nil},
		{"TopN", "/overlay/top?n=10&position=left", map[string]string{"data-n": "10", "data-position": "left"}, nil},
		{"TopNClamped", "/overlay/top?n=500", map[string]string{"data-n": "20"}, nil},
		{"TopNZero", "/overlay/top?n=0", map[string]string{"data-n": "1"}, nil},
		{"TopNBad", "/overlay/top?n=five", map[string]string{"data-n": "5"}, nil},
		{"TimerDefault", "/overlay", map[string]string{"data-timer": "0", "data-show-label": "0"}, nil},
		{"Timer", "/overlay?timer=90", map[string]string{"data-timer": "90"}, nil},
		{"TimerOff", "/overlay?timer=off", map[string]string{"data-timer": "-1"}, nil},
		{"TimerNegative", "/overlay?timer=-5", map[string]string{"data-timer": "0"}, nil},
		{"TimerHuge", "/overlay?timer=999999999", map[string]string{"data-timer": "86400"}, nil},
		{"TimerNotANumber", "/overlay?timer=1e3", map[string]string{"data-timer": "0"}, nil},
		{"Label", "/overlay?label=1", map[string]string{"data-show-label": "1"}, nil},
		{"LabelNo", "/overlay?label=0", map[string]string{"data-show-label": "0"}, nil},
		{"AskDefaults", "/overlay/ask", map[string]string{"data-mode": "ask", "data-position": "bottom-right", "data-theme": "dark"}, nil},
		{"AskOptions", "/overlay/ask?theme=light&position=top-left&scale=2&lang=fr", map[string]string{"data-theme": "light", "data-position": "top-left", "lang": "fr"},
			map[string]string{"scale": "2"}},
		{"BadValuesFallBack", "/overlay?theme=neon&position=everywhere&lang=xx&accent=red&font=%22%3B}&scale=",
			map[string]string{"data-theme": "dark", "data-position": "bottom", "lang": "en"},
			map[string]string{"scale": "1", "accent": "#6d5dfc", "font": "system-ui"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := getPage(t, srv.URL(), tc.path)
			attrs := rootAttrs(t, body)
			for k, want := range tc.attrs {
				if attrs[k] != want {
					t.Errorf("%s=%q, want %q", k, attrs[k], want)
				}
			}
			vars := cssVars(body)
			for k, want := range tc.vars {
				if !strings.HasPrefix(vars[k], want) {
					t.Errorf("--%s=%q, want it to start with %q", k, vars[k], want)
				}
			}
		})
	}
}

// TestPage_NoReflection checks that no query text reaches the page as it
// was written, whichever option carries it. The markers are long enough
// that the page's random CSP nonce never contains one by chance (three
// letters did, one run in thirty).
func TestPage_NoReflection(t *testing.T) {
	srv := StartServer(t, MustOpenService(t), "127.0.0.1:0")
	payloads := []string{
		`zqxyw1"><script>alert(1)</script>`,
		`zqxyw2</style><img src=x onerror=alert(1)>`,
		`zqxyw3;}body{background:red`,
		`zqxyw4' onload='alert(1)`,
		"zqxyw5\"\n<b>",
	}
	for _, p := range []string{"/overlay", "/overlay/top", "/overlay/ask"} {
		for _, name := range []string{"theme", "accent", "position", "font", "scale", "lang", "n", "timer", "label", "other"} {
			for _, payload := range payloads {
				q := url.Values{name: {payload}}
				body, _ := getPage(t, srv.URL(), p+"?"+q.Encode())
				for _, marker := range []string{"zqxyw1", "zqxyw2", "zqxyw3", "zqxyw4", "zqxyw5", "alert(1)", "<b>"} {
					if strings.Contains(body, marker) {
						t.Errorf("%s?%s=%q: the page contains %q", p, name, payload, marker)
					}
				}
			}
		}
	}
}

func TestPage_Headers(t *testing.T) {
	srv := StartServer(t, MustOpenService(t), "127.0.0.1:0")
	for _, p := range []string{"/overlay", "/overlay/top"} {
		t.Run(strings.TrimPrefix(p, "/"), func(t *testing.T) {
			body, h := getPage(t, srv.URL(), p)
			if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type=%q", ct)
			}
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'nonce-", "connect-src 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			// Self-contained: nothing is loaded from elsewhere.
			for _, bad := range []string{"http://", "https://", "//fonts.", "@import", "<link", "src="} {
				if strings.Contains(body, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
			// Chat text only ever goes through textContent.
			for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
				if strings.Contains(body, bad) {
					t.Errorf("page script uses %s", bad)
				}
			}
		})
	}
}

// TestPage_DefaultLang checks that the server's language (--lang) is the
// pages' language when their URL names none, and that lang= still wins.
func TestPage_DefaultLang(t *testing.T) {
	srv := StartServerWith(t, MustOpenService(t), "127.0.0.1:0", func(s *overlay.Server) { s.Lang = "fr" })
	for _, tc := range []struct{ path, lang, from string }{
		{"/overlay", "fr", "Question de"},
		{"/overlay?lang=en", "en", "Question from"},
		{"/overlay?lang=xx", "fr", "Question de"},
		{"/overlay/top", "fr", "Question de"},
		{"/overlay/ask", "fr", "Question de"},
	} {
		body, _ := getPage(t, srv.URL(), tc.path)
		attrs := rootAttrs(t, body)
		if attrs["lang"] != tc.lang || attrs["data-label-from"] != tc.from {
			t.Errorf("%s: lang=%q from=%q, want %q %q", tc.path, attrs["lang"], attrs["data-label-from"], tc.lang, tc.from)
		}
	}
	body, _ := getPage(t, srv.URL(), "/overlay/top")
	if !strings.Contains(body, "Questions les plus votées") {
		t.Errorf("the French leaderboard has no French title")
	}
	body, _ = getPage(t, srv.URL(), "/overlay/ask")
	if !strings.Contains(body, "Posez votre question") || !strings.Contains(body, "pas publiée") {
		t.Errorf("the French ask card is not in French:\n%s", body)
	}
}

// TestPage_AskCard checks the ask card's markup: the address as text, its
// QR code as inline SVG, the meeting's code, no script, and the "not
// published" card when there is no address.
func TestPage_AskCard(t *testing.T) {
	svc := MustOpenService(t)
	const askURL = "https://tribune.example.org/ask?m=<b>town&hall"
	srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) {
		s.AskURL = askURL
		s.AskCode = "K7<Q"
	})
	body, h := getPage(t, srv.URL(), "/overlay/ask")
	for _, want := range []string{
		`class="ask-url" dir="auto">tribune.example.org/ask?m=&lt;b&gt;town&amp;hall<`,
		`data-url="https://tribune.example.org/ask?m=%3cb%3etown&amp;hall"`,
		`<svg class="qr" viewBox=`,
		`class="ask-code-value" dir="auto">K7&lt;Q<`,
		"Ask your question",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the ask card lacks %s:\n%s", want, body)
		}
	}
	for _, bad := range []string{"<script", "<b>", "not published"} {
		if strings.Contains(body, bad) {
			t.Errorf("the ask card contains %q", bad)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}

	plain := StartServer(t, svc, "127.0.0.1:0")
	body, _ = getPage(t, plain.URL(), "/overlay/ask")
	if !strings.Contains(body, "The ask page is not published.") || strings.Contains(body, "<svg") {
		t.Errorf("the ask card without an address should say it is not published, with no QR code:\n%s", body)
	}
}
