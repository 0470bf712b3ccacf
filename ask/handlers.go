package ask

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tribune-live/tribune"
)

// maxBody bounds a request body: a question of 300 runes of 4 bytes, a
// name, and room for JSON or form escaping (a %XX is three bytes a byte).
const maxBody = 8 << 10

// webChannel is the Channel of every question asked on the page.
const webChannel = "web"

// MyQuestion is one of the browser's own questions as the page shows it
// to its author: with its status, whatever that is.
type MyQuestion struct {
	ID         int            `json:"id"`
	Text       string         `json:"text"`
	Name       string         `json:"name"`
	Anonymous  bool           `json:"anonymous,omitempty"`
	Status     tribune.Status `json:"status"`
	Votes      int            `json:"votes"`
	MergedInto int            `json:"merged_into,omitempty"`
}

func myQuestion(q tribune.Question) MyQuestion {
	return MyQuestion{ID: q.ID, Text: q.Text, Name: q.Author, Anonymous: q.Anonymous, Status: q.Status, Votes: q.Votes, MergedInto: q.MergedInto}
}

// AskRequest is the body of POST /ask/questions.
type AskRequest struct {
	Text      string `json:"text"`
	Name      string `json:"name,omitempty"`
	Anonymous bool   `json:"anonymous,omitempty"`
}

// AskResponse answers POST /ask/questions: the question the text landed
// on (a new one, or the open question it repeats), and the browser's own
// question when it is new.
type AskResponse struct {
	Question  tribune.PublicQuestion `json:"question"`
	Mine      *MyQuestion            `json:"mine,omitempty"`
	Duplicate bool                   `json:"duplicate,omitempty"`
	Voted     bool                   `json:"voted,omitempty"`
	Message   string                 `json:"message"`
}

// VoteResponse answers the vote routes: the question with its new count,
// and whether the browser's vote is on it.
type VoteResponse struct {
	Question tribune.PublicQuestion `json:"question"`
	Voted    bool                   `json:"voted"`
	Message  string                 `json:"message"`
}

// State answers GET /ask/questions: the listed questions, most voted
// first (on air first of all), and the browser's own questions and
// votes.
type State struct {
	Questions []tribune.PublicQuestion `json:"questions"`
	Mine      []MyQuestion             `json:"mine"`
	Voted     []int                    `json:"voted"`
}

// ErrorBody is the body of every refusal.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ask", s.handlePage)
	mux.HandleFunc("/ask/{$}", func(w http.ResponseWriter, r *http.Request) {
		u := url.URL{Path: "/ask", RawQuery: r.URL.RawQuery}
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/ask/events", s.handleEvents)
	mux.HandleFunc("/ask/questions", s.handleQuestions)
	mux.HandleFunc("/ask/questions/{id}/vote", s.handleVote)
	mux.HandleFunc("/ask/code", s.handleCode)
	mux.HandleFunc("/ask/", func(w http.ResponseWriter, r *http.Request) {
		lang, _ := s.langs.pick(r)
		s.writeError(w, r, lang, tribune.Errorf(tribune.ENOTFOUND, "", "no such page"))
	})
	return s.secure(mux)
}

// secure sets the headers every answer carries, and refuses requests
// while the page is closed.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: under no-referrer a browser sends
		// "Origin: null" with a plain form's POST, which the CSRF check
		// must refuse. Other sites still get no referrer.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		// Pages replace it with their nonce; JSON and errors load nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if !s.open.Load() {
			s.writeError(w, r, s.Lang, tribune.Errorf(tribune.EUNAVAILABLE, reasonNotOpen, "the ask page is not open"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeError answers a refusal: JSON {"error":{code,reason,message}}
// with the message in lang, and Retry-After when waiting helps.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	st := httpStatus(err)
	if st == http.StatusInternalServerError && r.Context().Err() == nil {
		s.Logger.Error("ask request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if wait, ok := retryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(wait))
	}
	var body ErrorBody
	body.Error.Code = tribune.ErrorCode(err)
	body.Error.Reason = tribune.ErrorReason(err)
	body.Error.Message = refusal(lang, err)
	if st == http.StatusNotFound && body.Error.Reason == "" {
		body.Error.Message = text(lang, "not_found")
	}
	writeJSON(w, st, body)
}

// retryAfter returns the seconds a refused client should wait: the "wait"
// of a rate limit, a few seconds for storage that refuses writes.
func retryAfter(err error) (int, bool) {
	switch tribune.ErrorCode(err) {
	case tribune.ERATELIMIT:
		if w := intArg(err, "wait", 0); w > 0 {
			return w, true
		}
	case tribune.EUNAVAILABLE:
		return 5, true
	}
	return 0, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// methodNotAllowed refuses r's method; allow lists the route's.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	lang, _ := s.langs.pick(r)
	s.writeError(w, r, lang, tribune.Errorf(tribune.EINVALID, reasonMethod, "method %s is not allowed", r.Method))
}

// bodyKind is what a POST carries.
type bodyKind int

const (
	bodyNone bodyKind = iota // no body at all
	bodyJSON
	bodyForm
)

// kindOf returns the kind of r's body, EINVALID (reasonMediaType) for a
// kind the page does not take.
func kindOf(r *http.Request) (bodyKind, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody) {
		return bodyNone, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "application/json":
		return bodyJSON, nil
	case mt == "application/x-www-form-urlencoded":
		return bodyForm, nil
	}
	return 0, tribune.Errorf(tribune.EINVALID, reasonMediaType, "unsupported content type %q", ct)
}

// readJSON decodes r's body into v strictly: one JSON value of v's shape,
// no unknown field, nothing after it, at most maxBody bytes. An empty
// body is allowed when empty is true.
func readJSON(w http.ResponseWriter, r *http.Request, v any, empty bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == io.EOF && empty {
		return nil
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the JSON value")
			if terr != nil && !errors.Is(terr, io.ErrUnexpectedEOF) {
				err = terr
			}
		}
	}
	return bodyError(err)
}

// readForm parses r's form body, at most maxBody bytes.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	return bodyError(r.ParseForm())
}

func bodyError(err error) error {
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tribune.Errorf(tribune.EINVALID, reasonTooLarge, "body over %d bytes", maxBody)
	}
	return &tribune.Error{Code: tribune.EINVALID, Reason: reasonBadBody, Message: "bad request body: " + err.Error()}
}

// admit runs the checks every POST passes before it reaches the Service:
// a same-origin Origin (CSRF), the meeting code, and a browser id, minted
// for a new browser within its address's budget. typedCode is a code from
// the form, if any.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, typedCode string) (browser string, err error) {
	if !s.sameOrigin(r) {
		return "", tribune.Errorf(tribune.EFORBIDDEN, reasonBadOrigin, "cross-origin or Origin-less POST refused")
	}
	if err := s.checkCode(w, r, typedCode); err != nil {
		return "", err
	}
	return s.ensureBrowser(w, r)
}

// checkCode passes r when the meeting has no code, when r carries the
// cookie of an entered code, or when it types the code (X-Ask-Code or the
// form's "code"), which then sets that cookie. Wrong codes are limited
// per address, checked before the comparison so that an address past its
// budget learns nothing.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request, typed string) error {
	if s.Code == "" || s.codeCookieOK(r) {
		return nil
	}
	if h := r.Header.Get("X-Ask-Code"); h != "" {
		typed = h
	}
	if typed == "" {
		return tribune.Errorf(tribune.EFORBIDDEN, reasonCodeRequired, "the meeting code is required")
	}
	key, now := addrKey(s.clientAddr(r)), s.Now()
	if wait, blocked := s.codes.blocked(key, now); blocked {
		return tribune.Errorf(tribune.ERATELIMIT, reasonTooManyCodes, "too many wrong codes").With("wait", waitSeconds(wait))
	}
	if s.sameCode(typed) {
		s.rememberCode(w, r)
		return nil
	}
	s.codes.allow(key, now)
	return tribune.Errorf(tribune.EFORBIDDEN, reasonBadCode, "wrong meeting code")
}

// actor is the Service's actor for a browser: the name it typed is its
// claim, cleaned, never a login.
func (s *Server) actor(browser, name, lang string, anonymous bool) tribune.Actor {
	n := tribune.CleanName(name)
	if n == "" {
		n = text(lang, "default_name")
	}
	return tribune.Actor{Source: tribune.SourceWeb, UserID: browser, DisplayName: n, Anonymous: anonymous, Channel: webChannel}
}

func (s *Server) handleQuestions(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		browser, _ := s.browserID(r)
		writeJSON(w, http.StatusOK, s.state(browser))
	case http.MethodPost:
		s.handleAsk(w, r)
	default:
		s.methodNotAllowed(w, r, "GET, HEAD, POST")
	}
}

// state is what a browser sees: the listed questions, its own and its
// votes.
func (s *Server) state(browser string) State {
	st := State{Questions: s.listed(), Mine: []MyQuestion{}, Voted: []int{}}
	if browser != "" {
		st.Mine = s.mine(browser)
		st.Voted = s.feed.votedBy(browser)
	}
	return st
}

// listed returns the questions the page lists: on air first, then the
// most voted.
func (s *Server) listed() []tribune.PublicQuestion {
	return tribune.PublicQuestions(onAirFirst(s.svc.Top(s.ListLimit)), s.ShowAuthors)
}

// onAirFirst moves the on-air question, if any, to the front of qs,
// keeping the others' order.
func onAirFirst(qs []tribune.Question) []tribune.Question {
	for i, q := range qs {
		if q.Status == tribune.StatusOnAir && i > 0 {
			copy(qs[1:i+1], qs[:i])
			qs[0] = q
			break
		}
	}
	return qs
}

// mine returns the browser's questions, newest first.
func (s *Server) mine(browser string) []MyQuestion {
	return s.myQuestions(s.feed.mineOf(browser))
}

// myQuestions returns the questions ids (oldest first) as their author
// sees them, newest first.
func (s *Server) myQuestions(ids []int) []MyQuestion {
	out := make([]MyQuestion, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		if q, err := s.svc.Get(ids[i]); err == nil {
			out = append(out, myQuestion(q))
		}
	}
	return out
}

func (s *Server) handleAsk(w http.ResponseWriter, r *http.Request) {
	lang, explicit := s.langs.pick(r)
	kind, err := kindOf(r)
	var req AskRequest
	var code string
	if err == nil {
		switch kind {
		case bodyForm:
			if err = readForm(w, r); err == nil {
				req.Text, req.Name = r.PostForm.Get("text"), r.PostForm.Get("name")
				req.Anonymous = r.PostForm.Get("anonymous") != ""
				code = r.PostForm.Get("code")
			}
		case bodyJSON:
			err = readJSON(w, r, &req, false)
		default:
			err = tribune.Errorf(tribune.EINVALID, reasonBadBody, "a question needs a body")
		}
	}
	var res tribune.AskResult
	if err == nil {
		var browser string
		if browser, err = s.admit(w, r, code); err == nil {
			if res, err = s.svc.Ask(r.Context(), s.actor(browser, req.Name, lang, req.Anonymous), req.Text); err == nil {
				s.feed.asked(browser, res)
			}
		}
	}
	if kind == bodyForm {
		if err != nil {
			s.renderPage(w, r, pageInput{status: httpStatus(err), err: err, form: req})
			return
		}
		s.redirect(w, r, lang, explicit, askMessage(res), res.Question.ID)
		return
	}
	if err != nil {
		s.writeError(w, r, lang, err)
		return
	}
	out := AskResponse{
		Question: res.Question.Public(s.ShowAuthors), Duplicate: res.Duplicate, Voted: res.Voted,
		Message: text(lang, askMessage(res), res.Question.ID),
	}
	status := http.StatusOK
	if !res.Duplicate {
		m := myQuestion(res.Question)
		out.Mine = &m
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
}

// redirect ends a form's POST: back to the page, which shows message key
// about question id (Post/Redirect/Get, so that a reload posts nothing).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, lang string, explicit bool, key string, id int) {
	q := url.Values{}
	if explicit {
		q.Set("lang", lang)
	}
	q.Set("m", key)
	q.Set("n", strconv.Itoa(id))
	u := url.URL{Path: "/ask", RawQuery: q.Encode(), Fragment: "q" + strconv.Itoa(id)}
	if key == "asked" || key == "asked_pending" {
		u.Fragment = "mine"
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// questionID reads the {id} of a path: a positive decimal number.
func questionID(r *http.Request) (int, bool) {
	v := r.PathValue("id")
	if v == "" || len(v) > 9 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

func (s *Server) handleVote(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodDelete {
		s.methodNotAllowed(w, r, "POST, DELETE")
		return
	}
	lang, explicit := s.langs.pick(r)
	remove := r.Method == http.MethodDelete
	kind, err := kindOf(r)
	var code string
	if err == nil {
		switch kind {
		case bodyForm:
			if err = readForm(w, r); err == nil {
				remove = remove || r.PostForm.Get("remove") != ""
				code = r.PostForm.Get("code")
			}
		case bodyJSON:
			err = readJSON(w, r, &struct{}{}, true)
		}
	}
	id, ok := questionID(r)
	if err == nil && !ok {
		err = tribune.Errorf(tribune.ENOTFOUND, "", "no such question")
	}
	var q tribune.Question
	var browser string
	if err == nil {
		if browser, err = s.admit(w, r, code); err == nil {
			a := s.actor(browser, "", lang, false)
			if remove {
				q, err = s.svc.Unvote(r.Context(), a, id)
			} else {
				q, err = s.svc.Vote(r.Context(), a, id)
			}
		}
	}
	voted := !remove
	switch reason := tribune.ErrorReason(err); {
	case err == nil:
		s.feed.setVoted(browser, q.ID, voted)
	case reason == tribune.ReasonAlreadyVoted, reason == tribune.ReasonNotVoted:
		// The Service knows better than the page: follow it.
		s.feed.setVoted(browser, intArg(err, "id", id), reason == tribune.ReasonAlreadyVoted)
	}
	if kind == bodyForm {
		if err != nil {
			s.renderPage(w, r, pageInput{status: httpStatus(err), err: err})
			return
		}
		key := "voted_ok"
		if remove {
			key = "unvoted"
		}
		s.redirect(w, r, lang, explicit, key, q.ID)
		return
	}
	if err != nil {
		s.writeError(w, r, lang, err)
		return
	}
	key := "voted_ok"
	if remove {
		key = "unvoted"
	}
	writeJSON(w, http.StatusOK, VoteResponse{Question: q.Public(s.ShowAuthors), Voted: voted, Message: text(lang, key, q.ID)})
}

// CodeRequest is the body of POST /ask/code.
type CodeRequest struct {
	Code string `json:"code"`
}

func (s *Server) handleCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.methodNotAllowed(w, r, "POST")
		return
	}
	lang, explicit := s.langs.pick(r)
	kind, err := kindOf(r)
	var req CodeRequest
	if err == nil {
		switch kind {
		case bodyForm:
			if err = readForm(w, r); err == nil {
				req.Code = r.PostForm.Get("code")
			}
		case bodyJSON:
			err = readJSON(w, r, &req, false)
		default:
			err = tribune.Errorf(tribune.EINVALID, reasonBadBody, "the code is missing")
		}
	}
	if err == nil {
		if !s.sameOrigin(r) {
			err = tribune.Errorf(tribune.EFORBIDDEN, reasonBadOrigin, "cross-origin or Origin-less POST refused")
		} else if s.Code != "" {
			err = s.checkCode(w, r, req.Code)
		}
	}
	if kind == bodyForm {
		if err != nil {
			s.renderPage(w, r, pageInput{status: httpStatus(err), err: err})
			return
		}
		q := url.Values{"m": {"code_ok"}}
		if explicit {
			q.Set("lang", lang)
		}
		http.Redirect(w, r, (&url.URL{Path: "/ask", RawQuery: q.Encode()}).String(), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.writeError(w, r, lang, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"message": text(lang, "code_ok")})
}
