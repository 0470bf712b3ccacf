package ask

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/tribune-live/tribune"
)

// webChannel is the Channel of every question asked on the page.
const webChannel = "web"

// routes maps the routes of the package comment, behind secure. Anything
// else under /ask/ is a JSON 404 in the page's language.
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
