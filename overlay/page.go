package overlay

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

//go:embed web
var webFS embed.FS

var (
	pageTemplate = template.Must(template.ParseFS(webFS, "web/page.html"))
	pageCSS      = mustRead("web/overlay.css")
	pageJS       = mustRead("web/overlay.js")
)

func mustRead(name string) string {
	b, err := webFS.ReadFile(name)
	if err != nil {
		panic("overlay: embedded " + name + ": " + err.Error())
	}
	return string(b)
}

// Page modes.
const (
	modeCard = "card" // the on-air question
	modeTop  = "top"  // the leaderboard
	modeAsk  = "ask"  // the ask page's address and QR code
)

// Bounds of the page options.
const (
	minScale = 0.5
	maxScale = 3
	defaultN = 5
	// maxTimer is the longest countdown, in seconds (?timer=).
	maxTimer = 24 * 60 * 60
	// timerOff hides the answer timer (?timer=off).
	timerOff = -1
)

// Themes, positions and fonts that pages accept. Anything else falls back
// to the default: a page on air must render, whatever its URL says.
var (
	themes    = []string{"dark", "light", "accent"}
	positions = []string{"bottom", "top", "center", "left", "right", "bottom-left", "bottom-right", "top-left", "top-right"}
	// fonts maps the generic names to font stacks of fonts that are
	// installed on the machine: pages load no font from anywhere.
	fonts = map[string]string{
		"sans":      `system-ui, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif`,
		"serif":     `Georgia, "Noto Serif", "Liberation Serif", "DejaVu Serif", "Times New Roman", serif`,
		"mono":      `ui-monospace, "Cascadia Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace`,
		"rounded":   `ui-rounded, "SF Pro Rounded", "Nunito", "Varela Round", system-ui, sans-serif`,
		"condensed": `"Roboto Condensed", "Arial Narrow", "Liberation Sans Narrow", "DejaVu Sans Condensed", sans-serif-condensed, sans-serif`,
	}
	hexColor = regexp.MustCompile(`^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$`)
)

// maxFontName is the longest font name a page accepts, in runes.
const maxFontName = 64

// isFontName reports whether v can be the name of a locally installed
// font: letters, digits, spaces, underscores and hyphens, starting with a
// letter or digit, so it is safe inside CSS quotes. It is a loop rather
// than the equivalent regexp because that regexp, with its Unicode classes
// repeated 64 times, kept 1.3 MB of live heap for the life of a meeting.
func isFontName(v string) bool {
	n := 0
	for i, r := range v {
		n++
		switch {
		case n > maxFontName:
			return false
		case unicode.IsLetter(r) || unicode.Is(unicode.N, r):
		case i > 0 && (r == ' ' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return n > 0
}

// defaultAccent is the accent colour of theme=accent without a valid accent.
const defaultAccent = "#6d5dfc"

// labels are the words a page shows, by language.
type labels struct {
	From     string // before the author's name
	Vote     string // after the count 1
	Votes    string // after other counts
	TopTitle string // the leaderboard's heading
	OnAir    string // marks the on-air question in the leaderboard
	Timer    string // accessible name of the answer timer
	// The ask card.
	AskTitle       string // its heading
	AskHow         string // before the address
	AskCode        string // before the meeting's code
	AskUnpublished string // instead of an address, when there is none
	QR             string // accessible name of the QR code
}

var languages = map[string]labels{
	"en": {From: "Question from", Vote: "vote", Votes: "votes", TopTitle: "Top questions", OnAir: "On air", Timer: "Time on air",
		AskTitle: "Ask your question", AskHow: "Scan the code or go to", AskCode: "Meeting code",
		AskUnpublished: "The ask page is not published.", QR: "QR code of the ask page"},
	"fr": {From: "Question de", Vote: "vote", Votes: "votes", TopTitle: "Questions les plus votées", OnAir: "À l'antenne", Timer: "Temps à l'antenne",
		AskTitle: "Posez votre question", AskHow: "Scannez le code ou allez sur", AskCode: "Code de la réunion",
		AskUnpublished: "La page des questions n'est pas publiée.", QR: "Code QR de la page des questions"},
}

// normalLang returns the language of a lang value ("fr-FR" is fr), with
// ok false when it names none of the pages' languages. Empty is English.
func normalLang(v string) (string, bool) {
	lang := strings.ToLower(strings.TrimSpace(v))
	if lang == "" {
		return "en", true
	}
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	_, ok := languages[lang]
	return lang, ok
}

// pageOptions are a page's options after validation. Every field holds a
// value from an allow-list or one built from validated parts: nothing of
// the raw query reaches the page.
type pageOptions struct {
	Mode     string
	Theme    string
	Accent   string // #rrggbb
	OnAccent string // text colour readable on Accent
	Position string
	Font     string // a CSS font-family list
	Scale    float64
	Lang     string
	Labels   labels
	N        int // leaderboard length
	// Timer is the answer countdown in seconds; 0 counts the time on
	// air up, timerOff shows no timer.
	Timer int
	// ShowLabel puts the question's label on the card.
	ShowLabel bool
}

// parseOptions reads a page's query; lang is the language when the query
// names none it knows. It refuses nothing: every bad or missing value
// falls back to its default, since a page on air must render.
func parseOptions(mode string, q url.Values, lang string) pageOptions {
	o := pageOptions{
		Mode:     mode,
		Theme:    "dark",
		Accent:   defaultAccent,
		Position: "bottom",
		Font:     fonts["sans"],
		Scale:    1,
		Lang:     "en",
		N:        defaultN,
	}
	if l, ok := normalLang(lang); ok {
		o.Lang = l
	}
	switch mode {
	case modeTop:
		o.Position = "top-right"
	case modeAsk:
		o.Position = "bottom-right"
	}
	if v := strings.ToLower(strings.TrimSpace(q.Get("theme"))); contains(themes, v) {
		o.Theme = v
	}
	if m := hexColor.FindStringSubmatch(strings.TrimSpace(q.Get("accent"))); m != nil {
		h := strings.ToLower(m[1])
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		o.Accent = "#" + h
	}
	o.OnAccent = readableOn(o.Accent)
	if v := strings.ToLower(strings.TrimSpace(q.Get("position"))); contains(positions, v) {
		o.Position = v
	}
	if v := strings.TrimSpace(q.Get("font")); v != "" {
		if stack, ok := fonts[strings.ToLower(v)]; ok {
			o.Font = stack
		} else if isFontName(v) {
			o.Font = `"` + v + `", ` + fonts["sans"]
		}
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(q.Get("scale")), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		o.Scale = math.Min(maxScale, math.Max(minScale, f))
	}
	if v := q.Get("lang"); v != "" {
		if l, ok := normalLang(v); ok {
			o.Lang = l
		}
	}
	o.Labels = languages[o.Lang]
	if n, err := strconv.Atoi(strings.TrimSpace(q.Get("n"))); err == nil {
		o.N = min(maxTop, max(1, n))
	}
	switch v := strings.ToLower(strings.TrimSpace(q.Get("timer"))); v {
	case "off", "none", "no", "false":
		o.Timer = timerOff
	default:
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			o.Timer = min(n, maxTimer)
		}
	}
	switch strings.ToLower(strings.TrimSpace(q.Get("label"))) {
	case "1", "true", "yes", "on":
		o.ShowLabel = true
	}
	return o
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// readableOn returns black or white, whichever reads better on the colour
// hex (#rrggbb), by the WCAG relative luminance.
func readableOn(hex string) string {
	lin := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(hex[1:3]) + 0.7152*lin(hex[3:5]) + 0.0722*lin(hex[5:7])
	// Contrast with white is 1.05/(l+0.05); with black (l+0.05)/0.05.
	if 1.05/(l+0.05) >= (l+0.05)/0.05 {
		return "#ffffff"
	}
	return "#111111"
}

// cssVars renders the options as CSS custom properties. It is built from
// validated values only, so it is safe to mark as CSS.
func (o pageOptions) cssVars() template.CSS {
	return template.CSS(fmt.Sprintf(":root{--accent:%s;--on-accent:%s;--font:%s;--scale:%s;}",
		o.Accent, o.OnAccent, o.Font, strconv.FormatFloat(o.Scale, 'f', -1, 64)))
}

// pageData is what page.html renders.
type pageData struct {
	pageOptions
	Nonce string
	Vars  template.CSS
	CSS   template.CSS
	JS    template.JS
	Ask   askCard // the ask card's content, in modeAsk
}

// askCard is what /overlay/ask shows: the address, its QR code, the
// meeting's code. An empty URL says the ask page is not published.
type askCard struct {
	URL     string        // the address the QR code holds
	Display string        // the address as shown, without its scheme
	QR      template.HTML // an <svg> made from the code's modules only
	Code    string
}

func (s *Server) handleCardPage(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, modeCard)
}

func (s *Server) handleTopPage(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, modeTop)
}

func (s *Server) handleAskPage(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, modeAsk)
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request, mode string) {
	var nonce [16]byte
	rand.Read(nonce[:])
	d := pageData{
		pageOptions: parseOptions(mode, r.URL.Query(), s.lang),
		Nonce:       base64.StdEncoding.EncodeToString(nonce[:]),
		CSS:         template.CSS(pageCSS),
		JS:          template.JS(pageJS),
	}
	d.Vars = d.cssVars()
	if mode == modeAsk && s.AskURL != "" {
		d.Ask = askCard{URL: s.AskURL, Display: displayURL(s.AskURL), QR: s.qr, Code: s.AskCode}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		s.Logger.Error("render overlay page", "mode", mode, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Defence in depth: even if chat text were ever parsed as HTML, no
	// script, image or stylesheet from it could load or run.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+d.Nonce+"'; style-src 'nonce-"+d.Nonce+"'; connect-src 'self'; base-uri 'none'; form-action 'none'")
	w.Write(buf.Bytes())
}

// displayURL is how an address reads on stream: without "https://", and
// without the slash that ends a bare host.
func displayURL(raw string) string {
	d := raw
	for _, p := range []string{"https://", "http://"} {
		d = strings.TrimPrefix(d, p)
	}
	if i := strings.IndexByte(d, '/'); i == len(d)-1 {
		d = d[:i]
	}
	return d
}
