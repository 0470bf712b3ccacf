package ask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Browser is one simulated visitor of the ask page, for the demo's crowd,
// the benchmark's load test and tests: an http.Client with a cookie jar
// of its own, so that the server sees one browser, going through the real
// routes with the Origin header a browser sends. A Browser is not safe
// for concurrent use; make one per simulated visitor.
type Browser struct {
	// BaseURL is the server's address without /ask
	// ("http://127.0.0.1:7350").
	BaseURL string
	// Client sends the requests; its Jar holds the browser's cookies.
	Client *http.Client
	// Lang, when set, is sent as ?lang= (the language of messages).
	Lang string
	// Code, when set, is sent as X-Ask-Code: the meeting code.
	Code string
	// ForwardedFor, when set, is sent as X-Forwarded-For: a server with
	// TrustProxy takes it for the browser's address.
	ForwardedFor string

	origin string
}

// NewBrowser returns a browser of the page at baseURL with an empty
// cookie jar. transport carries its requests (nil: the default one);
// share one transport among many browsers to share its connections.
func NewBrowser(baseURL string, transport http.RoundTripper) (*Browser, error) {
	origin, err := originOf(baseURL)
	if err != nil {
		return nil, fmt.Errorf("ask: browser base URL %q: %w", baseURL, err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("ask: cookie jar: %w", err)
	}
	return &Browser{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Client:  &http.Client{Jar: jar, Transport: transport, Timeout: 15 * time.Second},
		origin:  origin,
	}, nil
}

// APIError is a refusal of the ask page, as the browser received it.
type APIError struct {
	Status     int
	Code       string
	Reason     string
	Message    string
	RetryAfter time.Duration // from Retry-After, when the server sent one
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ask: %d %s (%s): %s", e.Status, e.Code, e.Reason, e.Message)
}

// ID returns the browser id the server gave this browser, "" before its
// first POST. "web:" + ID is how a moderator bans it.
func (b *Browser) ID() string {
	u, err := url.Parse(b.BaseURL + cookiePath)
	if err != nil || b.Client.Jar == nil {
		return ""
	}
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == idCookie {
			id, _, _ := strings.Cut(c.Value, ".")
			return id
		}
	}
	return ""
}

// Ask asks a question. The error is an *APIError when the page refused.
func (b *Browser) Ask(ctx context.Context, req AskRequest) (AskResponse, error) {
	var out AskResponse
	err := b.do(ctx, http.MethodPost, "/ask/questions", req, &out)
	return out, err
}

// Vote votes for question id.
func (b *Browser) Vote(ctx context.Context, id int) (VoteResponse, error) {
	var out VoteResponse
	err := b.do(ctx, http.MethodPost, "/ask/questions/"+strconv.Itoa(id)+"/vote", nil, &out)
	return out, err
}

// Unvote takes the vote on question id back.
func (b *Browser) Unvote(ctx context.Context, id int) (VoteResponse, error) {
	var out VoteResponse
	err := b.do(ctx, http.MethodDelete, "/ask/questions/"+strconv.Itoa(id)+"/vote", nil, &out)
	return out, err
}

// State returns what the page shows this browser.
func (b *Browser) State(ctx context.Context) (State, error) {
	var out State
	err := b.do(ctx, http.MethodGet, "/ask/questions", nil, &out)
	return out, err
}

// EnterCode enters the meeting code, which the browser then keeps in its
// cookie.
func (b *Browser) EnterCode(ctx context.Context, code string) error {
	return b.do(ctx, http.MethodPost, "/ask/code", CodeRequest{Code: code}, nil)
}

func (b *Browser) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("ask: encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(j)
	}
	u := b.BaseURL + path
	if b.Lang != "" {
		u += "?lang=" + url.QueryEscape(b.Lang)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("ask: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("Origin", b.origin)
	}
	if b.Code != "" {
		req.Header.Set("X-Ask-Code", b.Code)
	}
	if b.ForwardedFor != "" {
		req.Header.Set("X-Forwarded-For", b.ForwardedFor)
	}
	res, err := b.Client.Do(req)
	if err != nil {
		return fmt.Errorf("ask: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("ask: %s %s: read the answer: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		e := &APIError{Status: res.StatusCode}
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil {
			e.Code, e.Reason, e.Message = eb.Error.Code, eb.Error.Reason, eb.Error.Message
		} else {
			e.Message = strings.TrimSpace(string(data))
		}
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ask: %s %s: decode the answer: %w", method, path, err)
	}
	return nil
}
