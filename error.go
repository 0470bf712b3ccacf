package tribune

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Adapters map them to their world: the bot to a chat reply,
// the HTTP servers to a status (HTTPStatus), the console to a message line.
const (
	ECONFLICT     = "conflict"     // the action does not fit the current state
	EINTERNAL     = "internal"     // something broke; logged with detail
	EINVALID      = "invalid"      // the input is wrong
	ENOTFOUND     = "not_found"    // no such question, session or user
	EUNAUTHORIZED = "unauthorized" // missing or wrong credentials
	EFORBIDDEN    = "forbidden"    // the actor may not do this (banned, not the author)
	ERATELIMIT    = "rate_limited" // too many requests; try later
	EUNAVAILABLE  = "unavailable"  // storage refuses writes; nothing was changed
)

// Reasons name each refusal precisely, so that the bot can word a localised
// reply. Message holds an English sentence for logs and the console.
const (
	ReasonEmpty          = "empty"
	ReasonTooLong        = "too_long"
	ReasonUnknown        = "unknown_question"
	ReasonNotVisible     = "not_visible"
	ReasonAlreadyVoted   = "already_voted"
	ReasonNotVoted       = "not_voted"
	ReasonAlreadyReport  = "already_reported"
	ReasonNotAuthor      = "not_author"
	ReasonBanned         = "banned"
	ReasonBannedWord     = "banned_word"
	ReasonTooFast        = "too_fast"
	ReasonSessionCap     = "session_cap"
	ReasonBadTransition  = "bad_transition"
	ReasonSelfMerge      = "self_merge"
	ReasonNothingToUndo  = "nothing_to_undo"
	ReasonNothingOnAir   = "nothing_on_air"
	ReasonNothingToShow  = "nothing_to_show"
	ReasonStorage        = "storage"
	ReasonInvalidStatus  = "invalid_status"
	ReasonInvalidRequest = "invalid_request"
	ReasonUnreachable    = "unreachable" // a remote console cannot reach the server
)

// Error is the error type of the domain: a code for adapters, a reason for
// localised replies, and a message for people.
type Error struct {
	Code    string
	Reason  string
	Message string
	// Args carries the values a localised reply needs (a limit, a number, a
	// wait in seconds), keyed by name.
	Args map[string]any
	// Err is the low-level cause of an internal or unavailable error.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

// Unwrap returns the low-level cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code, reason and a formatted message.
func Errorf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// With returns e with one more named argument for localised replies.
func (e *Error) With(name string, value any) *Error {
	if e.Args == nil {
		e.Args = map[string]any{}
	}
	e.Args[name] = value
	return e
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the reason of the first *Error in err's chain, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorMessage returns the human message of err. Internal errors hide their
// detail: it belongs in the log, not in chat or on a console.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorArg returns the named argument of the first *Error in err's chain.
func ErrorArg(err error, name string) (any, bool) {
	var e *Error
	if errors.As(err, &e) && e.Args != nil {
		v, ok := e.Args[name]
		return v, ok
	}
	return nil, false
}

// HTTPStatus returns the HTTP status that answers an error of code on the
// contract's routes (the control API, the ask page): one table for both
// HTTP adapters. An unknown code is an internal error.
func HTTPStatus(code string) int {
	switch code {
	case EINVALID:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ERATELIMIT:
		return http.StatusTooManyRequests
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
