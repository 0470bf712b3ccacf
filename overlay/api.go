package overlay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tribune-live/tribune"
)

// ModeratorHeader names the moderator of a control API call; without it
// the moderator is "api".
const ModeratorHeader = "X-Tribune-Moderator"

// maxModeratorRunes bounds the moderator name taken from ModeratorHeader.
const maxModeratorRunes = 64

// maxBody bounds a request body: the largest is an edit of 300 runes.
const maxBody = 64 << 10

// ErrorBody is the JSON body of every control API error:
// {"error":{"code":"not_found","reason":"unknown_question","message":"…","args":{…}}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a tribune.Error over HTTP. Internal errors carry only
// the code and "internal error": their detail stays in the server's log.
type ErrorDetail struct {
	Code    string         `json:"code"`
	Reason  string         `json:"reason,omitempty"`
	Message string         `json:"message"`
	Args    map[string]any `json:"args,omitempty"`
}

// codeOf maps an HTTP status back to a tribune error code (the inverse of
// tribune.HTTPStatus), for responses that carry no error body (a proxy's
// page, a handshake refusal).
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return tribune.EINVALID
	case http.StatusUnauthorized:
		return tribune.EUNAUTHORIZED
	case http.StatusForbidden:
		return tribune.EFORBIDDEN
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return tribune.ENOTFOUND
	case http.StatusConflict:
		return tribune.ECONFLICT
	case http.StatusTooManyRequests:
		return tribune.ERATELIMIT
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return tribune.EUNAVAILABLE
	}
	return tribune.EINTERNAL
}

func (s *Server) apiRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/session", func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.svc.Session(r.Context())
		s.reply(w, r, sess, err)
	})
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		h, err := s.svc.Health(r.Context())
		s.reply(w, r, h, err)
	})
	mux.HandleFunc("GET /api/state", s.apiState)
	mux.HandleFunc("POST /api/next", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.svc.Next(moderatorContext(r))
		s.reply(w, r, q, err)
	})
	mux.HandleFunc("POST /api/questions/reject", s.apiRejectMany)
	mux.HandleFunc("POST /api/questions/{id}/label", s.apiLabel)
	mux.HandleFunc("GET /api/questions", s.apiQuestions)
	mux.HandleFunc("GET /api/questions/{id}", s.apiQuestion)
	mux.HandleFunc("POST /api/questions/{id}/{action}", s.apiTransition)
	mux.HandleFunc("POST /api/questions/{id}/merge", s.apiMerge)
	mux.HandleFunc("POST /api/questions/{id}/edit", s.apiEdit)
	mux.HandleFunc("POST /api/overlay/hide", func(w http.ResponseWriter, r *http.Request) {
		q, err := s.svc.HideOverlay(moderatorContext(r))
		s.reply(w, r, q, err)
	})
	mux.HandleFunc("POST /api/undo", func(w http.ResponseWriter, r *http.Request) {
		e, err := s.svc.Undo(moderatorContext(r))
		s.reply(w, r, e, err)
	})
	mux.HandleFunc("POST /api/users/{login}/ban", func(w http.ResponseWriter, r *http.Request) {
		b, err := s.svc.Ban(moderatorContext(r), r.PathValue("login"))
		s.reply(w, r, b, err)
	})
	mux.HandleFunc("GET /api/report", s.apiReport)
	mux.HandleFunc("GET /api/events", s.handleEvents)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.noRoute(mux, w, r)
	})
	return mux
}

// noRoute answers a request that no API route takes: 405 when the path
// exists for another method, 404 otherwise, both as JSON errors.
func (s *Server) noRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, http.StatusMethodNotAllowed, ErrorDetail{
			Code: tribune.EINVALID, Reason: tribune.ReasonInvalidRequest,
			Message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path),
		})
		return
	}
	s.writeError(w, r, http.StatusNotFound, ErrorDetail{
		Code: tribune.ENOTFOUND, Reason: tribune.ReasonInvalidRequest,
		Message: "no such API route: " + r.URL.Path,
	})
}

// authenticate refuses, with 401, every request whose bearer token is not
// the server's. The comparison takes the same time whatever the token.
// The token is read from the Authorization header only, /api/events
// included: a token in a URL ends up in shell histories and proxy logs.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := bearer(r)
		if !s.validToken(token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tribune"`)
			msg := "missing or wrong API token"
			if s.Token == "" {
				msg = "the control API has no token configured"
			}
			s.writeError(w, r, http.StatusUnauthorized, ErrorDetail{
				Code: tribune.EUNAUTHORIZED, Reason: tribune.EUNAUTHORIZED, Message: msg,
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// validToken compares hashes, so that neither the content nor the length
// of the server's token shows in the time a refusal takes.
func (s *Server) validToken(token string) bool {
	if s.Token == "" || token == "" {
		return false
	}
	a := sha256.Sum256([]byte(token))
	b := sha256.Sum256([]byte(s.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// moderatorContext returns the request's context carrying the moderator
// named by ModeratorHeader, "api" by default.
func moderatorContext(r *http.Request) context.Context {
	name := tribune.CleanText(r.Header.Get(ModeratorHeader))
	if utf8.RuneCountInString(name) > maxModeratorRunes {
		name = string([]rune(name)[:maxModeratorRunes])
	}
	if name == "" {
		name = "api"
	}
	return tribune.NewContext(r.Context(), tribune.Actor{
		Login: strings.ToLower(name), DisplayName: name, Moderator: true, Source: "api",
	})
}

// pathID reads the {id} of the path. A malformed id names no question: 404.
func pathID(r *http.Request) (int, error) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil || id < 1 {
		return 0, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonUnknown, "no question %q", raw).With("id", raw)
	}
	return id, nil
}

func (s *Server) apiQuestions(w http.ResponseWriter, r *http.Request) {
	st := tribune.Status(r.URL.Query().Get("status"))
	if st != "" && !st.Valid() {
		s.reply(w, r, nil, tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidStatus, "unknown status %q", string(st)).With("status", string(st)))
		return
	}
	qs, err := s.svc.Questions(r.Context(), st)
	s.reply(w, r, qs, err)
}

// State is the body of GET /api/state: what a Stream Deck button reads
// out.
type State struct {
	OnAir   *tribune.Question      `json:"onair"`
	Counts  map[tribune.Status]int `json:"counts"`
	Sources map[string]string      `json:"sources"`
}

func (s *Server) apiState(w http.ResponseWriter, r *http.Request) {
	// Every status is present, zeros included, so that a button that
	// reads counts.pending shows 0 rather than nothing.
	st := State{Counts: s.svc.Counts()}
	for _, status := range tribune.Statuses {
		if _, ok := st.Counts[status]; !ok {
			st.Counts[status] = 0
		}
	}
	if q, ok := s.svc.OnAir(); ok {
		st.OnAir = &q
	}
	h, err := s.svc.Health(r.Context())
	st.Sources = h
	s.reply(w, r, st, err)
}

// apiReport serves GET /api/report: the live meeting report, rendered
// whole before the first byte is sent, so that a failure is a clean error
// rather than half a page.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	if s.Report == nil {
		s.reply(w, r, nil, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonInvalidRequest, "this server makes no meeting report"))
		return
	}
	// Rendering a long meeting may outlast the usual write timeout.
	if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.timeouts.report)); err != nil {
		s.Logger.Debug("extend the report's write deadline", "err", err)
	}
	var buf bytes.Buffer
	if err := s.Report(r.Context(), &buf); err != nil {
		s.reply(w, r, nil, fmt.Errorf("overlay: meeting report: %w", err))
		return
	}
	name := "tribune-report.html"
	if sess, err := s.svc.Session(r.Context()); err == nil && sess.ID > 0 {
		name = fmt.Sprintf("tribune-report-%d.html", sess.ID)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `inline; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The report is self-contained and holds chat text: nothing in it may
	// load from anywhere or run.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'")
	w.Write(buf.Bytes())
}

// LabelRequest is the body of POST /api/questions/{id}/label.
type LabelRequest struct {
	Label *string `json:"label"`
}

func (s *Server) apiLabel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	var req LabelRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.reply(w, r, nil, err)
		return
	}
	if req.Label == nil {
		s.reply(w, r, nil, tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, `label needs "label" ("" removes it)`))
		return
	}
	q, err := s.svc.Label(moderatorContext(r), id, *req.Label)
	s.reply(w, r, q, err)
}

// RejectManyRequest is the body of POST /api/questions/reject: the
// questions of a wave, rejected in one undoable action.
type RejectManyRequest struct {
	IDs []int `json:"ids"`
}

// maxRejectMany bounds one wave: a console never selects more.
const maxRejectMany = 10_000

func (s *Server) apiRejectMany(w http.ResponseWriter, r *http.Request) {
	var req RejectManyRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.reply(w, r, nil, err)
		return
	}
	if len(req.IDs) == 0 || len(req.IDs) > maxRejectMany {
		s.reply(w, r, nil, tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, `reject needs "ids": 1 to %d question numbers`, maxRejectMany))
		return
	}
	qs, err := s.svc.RejectMany(moderatorContext(r), req.IDs)
	s.reply(w, r, qs, err)
}

func (s *Server) apiQuestion(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	q, err := s.svc.Get(id)
	s.reply(w, r, q, err)
}

func (s *Server) apiTransition(w http.ResponseWriter, r *http.Request) {
	var fn func(context.Context, int) (tribune.Question, error)
	switch r.PathValue("action") {
	case "approve":
		fn = s.svc.Approve
	case "reject":
		fn = s.svc.Reject
	case "show":
		fn = s.svc.Show
	case "answer":
		fn = s.svc.Answer
	case "restore":
		fn = s.svc.Restore
	default:
		s.reply(w, r, nil, tribune.Errorf(tribune.ENOTFOUND, tribune.ReasonInvalidRequest, "no such action %q", r.PathValue("action")))
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	q, err := fn(moderatorContext(r), id)
	s.reply(w, r, q, err)
}

// MergeRequest is the body of POST /api/questions/{id}/merge.
type MergeRequest struct {
	Into int `json:"into"`
}

// EditRequest is the body of POST /api/questions/{id}/edit.
type EditRequest struct {
	Text *string `json:"text"`
}

func (s *Server) apiMerge(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	var req MergeRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.reply(w, r, nil, err)
		return
	}
	if req.Into < 1 {
		s.reply(w, r, nil, tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, `merge needs "into": the number of the question to merge into`))
		return
	}
	q, err := s.svc.Merge(moderatorContext(r), id, req.Into)
	s.reply(w, r, q, err)
}

func (s *Server) apiEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	var req EditRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.reply(w, r, nil, err)
		return
	}
	if req.Text == nil {
		s.reply(w, r, nil, tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, `edit needs "text"`))
		return
	}
	q, err := s.svc.Edit(moderatorContext(r), id, *req.Text)
	s.reply(w, r, q, err)
}

// decodeBody reads exactly one JSON object with known fields into v.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, "bad JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return tribune.Errorf(tribune.EINVALID, tribune.ReasonInvalidRequest, "bad JSON body: more than one value")
	}
	return nil
}

// reply writes v as JSON, or err as a JSON error with its HTTP status.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err == nil {
		s.writeJSON(w, v)
		return
	}
	code := tribune.ErrorCode(err)
	d := ErrorDetail{Code: code, Reason: tribune.ErrorReason(err), Message: tribune.ErrorMessage(err)}
	var te *tribune.Error
	if errors.As(err, &te) && code != tribune.EINTERNAL {
		d.Args = te.Args
	}
	switch code {
	case tribune.EINTERNAL:
		d.Reason = ""
		s.Logger.Error("control API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case tribune.EUNAVAILABLE:
		s.Logger.Warn("control API request refused", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.writeError(w, r, tribune.HTTPStatus(code), d)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, d ErrorDetail) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(ErrorBody{Error: d}); err != nil {
		s.Logger.Debug("write API error", "path", r.URL.Path, "err", err)
	}
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.Logger.Error("encode API response", "err", err)
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}
