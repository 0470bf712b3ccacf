package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// apiError returns the Google error in err's chain, or nil: an answer of
// the API that is an error (see checkResponse), or an error item of the
// stream.
func apiError(err error) *youtubewire.Error {
	var gerr *youtubewire.Error
	if errors.As(err, &gerr) {
		return gerr
	}
	return nil
}

// reason returns the first reason of a Google error ("quotaExceeded"), or
// "".
func reason(err error) string {
	if gerr := apiError(err); gerr != nil {
		return gerr.Reason()
	}
	return ""
}

var tags = regexp.MustCompile(`<[^>]*>`)

// describe words an error of a call for a log line or an error: a Google
// error as "403 quotaExceeded: message" (its HTML tags removed), an OAuth
// refusal as its code and description, anything else as it is. Google's
// bodies and headers stay out.
func describe(err error) string {
	if gerr := apiError(err); gerr != nil {
		msg := strings.TrimSpace(tags.ReplaceAllString(gerr.Message, ""))
		var b strings.Builder
		b.WriteString(strconv.Itoa(gerr.Code))
		if r := reason(err); r != "" {
			b.WriteString(" " + r)
		} else if t := http.StatusText(gerr.Code); t != "" {
			b.WriteString(" " + t)
		}
		if msg != "" {
			b.WriteString(": " + msg)
		}
		return b.String()
	}
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) {
		if rerr.ErrorCode != "" {
			s := "token endpoint: " + rerr.ErrorCode
			if rerr.ErrorDescription != "" {
				s += " (" + rerr.ErrorDescription + ")"
			}
			return s
		}
		if rerr.Response != nil {
			return "token endpoint: " + rerr.Response.Status
		}
	}
	return err.Error()
}

// outcome is what the source does after a failed call.
type outcome int

const (
	retry        outcome = iota // back off and call again
	unsupported                 // the stream is not served: poll instead
	badToken                    // the page token was refused: start over without it
	stopQuota                   // the day's quota is spent
	stopEnded                   // the live chat has ended
	stopGone                    // the live chat was deleted
	stopDisabled                // the live chat was disabled
	stopAuth                    // the credentials are refused
)

// classify says what a failed read or reply means.
func classify(err error) outcome {
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) {
		if rerr.Response != nil && rerr.Response.StatusCode >= 500 {
			return retry
		}
		return stopAuth
	}
	gerr := apiError(err)
	if gerr == nil {
		return retry // the network, a drop, a broken body
	}
	switch reason(err) {
	case "quotaExceeded", "dailyLimitExceeded":
		return stopQuota
	case "liveChatEnded":
		return stopEnded
	case "liveChatNotFound":
		return stopGone
	case "liveChatDisabled":
		return stopDisabled
	case "pageTokenInvalid", "invalidPageToken":
		return badToken
	case "rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError":
		return retry
	case "keyInvalid", "keyExpired", "authError", "forbidden", "insufficientPermissions",
		"accessNotConfigured", "ipRefererBlocked", "required", "unauthorized":
		return stopAuth
	}
	switch c := gerr.Code; {
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return stopAuth
	case c == http.StatusNotFound || c == http.StatusMethodNotAllowed || c == http.StatusNotImplemented:
		return unsupported
	}
	return retry
}

// startError words a failure of Check's calls.
func startError(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("youtube: %s: %w", what, err)
	}
	switch classify(err) {
	case stopQuota:
		return fmt.Errorf("youtube: %s: the project's daily quota is spent (%s); it resets at midnight Pacific", what, describe(err))
	case stopEnded:
		return fmt.Errorf("youtube: %s: the live chat has ended", what)
	case stopGone:
		return fmt.Errorf("youtube: %s: the live chat was not found (liveChatNotFound): it may have been deleted", what)
	case stopDisabled:
		return fmt.Errorf("youtube: %s: the live chat is disabled", what)
	case stopAuth:
		return fmt.Errorf("youtube: %s: Google refused the credentials (%s): check TRIBUNE_YOUTUBE_API_KEY, and that the YouTube Data API v3 is enabled for its project", what, describe(err))
	}
	return fmt.Errorf("youtube: %s: %s", what, describe(err))
}

// scrub removes the secrets from err's message, in case a server or a
// library quoted one. The credentials never travel in a URL, so this is a
// second line, not the first.
func (s *Source) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.scrubString(msg); clean != msg {
		return &scrubbed{msg: clean, err: err}
	}
	return err
}

// scrubString removes the secrets from s.
func (s *Source) scrubString(text string) string {
	for _, secret := range []string{s.APIKey, s.ClientSecret, s.RefreshToken} {
		if len(secret) >= 4 {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

// describe words err for a log line (see describe), secrets removed.
func (s *Source) describe(err error) string { return s.scrubString(describe(err)) }

// scrubbed is an error whose message had a secret removed.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }

func (e *scrubbed) Unwrap() error { return e.err }

// shortError returns err's message without the "youtube: " prefix, cut for
// a status line.
func shortError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "youtube: ")
	if i := strings.IndexAny(msg, ":;("); i > 0 && i < 60 {
		msg = msg[:i]
	}
	if len(msg) > 60 {
		msg = msg[:60] + "…"
	}
	return strings.TrimSpace(msg)
}
