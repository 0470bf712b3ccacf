package ask

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/tribune-live/tribune"
)

//go:embed web
var webFS embed.FS

var (
	pageTemplate = template.Must(template.ParseFS(webFS, "web/page.html"))
	pageCSS      = mustRead("web/ask.css")
	pageJS       = mustRead("web/ask.js")
)

func mustRead(name string) string {
	b, err := webFS.ReadFile(name)
	if err != nil {
		panic("ask: embedded " + name + ": " + err.Error())
	}
	return string(b)
}

// pageInput is what a request adds to the page: the refusal of a form
// posted without JavaScript, and what that form held, to type it again.
type pageInput struct {
	status int
	err    error
	form   AskRequest
}

// pageData is what page.html renders. Every string in it reaches the page
// through html/template's escaping.
type pageData struct {
	Lang         string
	OtherLang    string
	OtherLangURL string
	T            map[string]string
	Labels       string // the script's words, JSON
	Nonce        string
	CSS          template.CSS
	JS           template.JS
	Q            string // "?lang=fr" when the language was chosen by the URL
	Questions    []listItem
	Mine         []mineItem
	Status       string // a notice for the status region
	Alert        string // a refusal, for the alert region
	Form         AskRequest
	NeedCode     bool
	Pending      bool
	PublicURL    string
	MaxRunes     int
}

type listItem struct {
	ID         int
	Text       string
	Author     string
	Source     string
	SourceText string
	Votes      int
	VotesLabel string
	OnAir      bool
	Voted      bool
}

type mineItem struct {
	ID         int
	Text       string
	Status     tribune.Status
	StatusText string
	Anonymous  bool
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.methodNotAllowed(w, r, "GET, HEAD")
		return
	}
	s.renderPage(w, r, pageInput{status: http.StatusOK})
}

// renderPage renders the page for r, with in's refusal and form when a
// form without JavaScript was refused.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, in pageInput) {
	lang, explicit := s.langs.pick(r)
	other := "fr"
	if lang == "fr" {
		other = "en"
	}
	var nonce [18]byte
	rand.Read(nonce[:])
	d := pageData{
		Lang: lang, OtherLang: other, OtherLangURL: "/ask?lang=" + other,
		T: catalogues[lang], Nonce: base64.RawURLEncoding.EncodeToString(nonce[:]),
		CSS: template.CSS(pageCSS), JS: template.JS(pageJS),
		Form: in.form, Pending: s.svc.Premoderate, PublicURL: s.PublicURL,
		MaxRunes: tribune.MaxQuestionRunes,
	}
	if explicit {
		d.Q = "?lang=" + lang
	}
	words := make(map[string]string, len(jsLabels))
	for _, k := range jsLabels {
		words[k] = text(lang, k)
	}
	lb, _ := json.Marshal(words)
	d.Labels = string(lb)

	browser, _ := s.browserID(r)
	d.NeedCode = s.Code != "" && !s.codeCookieOK(r)
	voted := map[int]bool{}
	if browser != "" {
		for _, id := range s.feed.votedBy(browser) {
			voted[id] = true
		}
		for _, m := range s.mine(browser) {
			d.Mine = append(d.Mine, mineItem{ID: m.ID, Text: m.Text, Status: m.Status, StatusText: statusText(lang, m.Status), Anonymous: m.Anonymous})
		}
	}
	for _, p := range s.listed() {
		label := text(lang, "vote_many")
		if p.Votes == 1 || p.Votes == -1 {
			label = text(lang, "vote_one")
		}
		d.Questions = append(d.Questions, listItem{
			ID: p.ID, Text: p.Text, Author: p.Author, Source: p.Source, SourceText: sourceText(lang, p.Source),
			Votes: p.Votes, VotesLabel: label, OnAir: p.Status == tribune.StatusOnAir, Voted: voted[p.ID],
		})
	}
	if in.err != nil {
		d.Alert = refusal(lang, in.err)
	} else if key := r.URL.Query().Get("m"); resultKeys[key] {
		// Only a message of the catalogue, with a number: nothing of the
		// URL is shown as it was typed.
		if n, err := strconv.Atoi(r.URL.Query().Get("n")); err == nil && n > 0 && n < 1e9 {
			d.Status = text(lang, key, n)
		} else if key == "code_ok" {
			d.Status = text(lang, key)
		}
	}

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, d); err != nil {
		s.Logger.Error("render the ask page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Vary", "Accept-Language, Cookie")
	// Defence in depth: even if chat text were ever parsed as HTML, no
	// script, style, image or frame from it could load or run.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+d.Nonce+"'; style-src 'nonce-"+d.Nonce+
		"'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	if wait, ok := retryAfter(in.err); ok {
		h.Set("Retry-After", strconv.Itoa(wait))
	}
	status := in.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}
