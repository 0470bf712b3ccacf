package ask

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/tribune-live/tribune"
)

// maxBody bounds a request body: a question of 300 runes of 4 bytes, a
// name, and room for JSON or form escaping (a %XX is three bytes a byte).
const maxBody = 8 << 10

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

// CodeRequest is the body of POST /ask/code.
type CodeRequest struct {
	Code string `json:"code"`
}

// ErrorBody is the body of every refusal.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
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
