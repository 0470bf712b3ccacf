package ask_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/match"
)

const channel = "asktest"

var secret = []byte("test secret of the ask page, 32b")

// env is a running ask page: a Service on a real SQLite file and the
// page's own listener on a loopback port.
type env struct {
	svc *tribune.Service
	srv *ask.Server
	url string // the second listener's base URL
}

type options struct {
	service func(*tribune.Service)
	server  func(*ask.Server)
}

// newEnv opens a Service (questions approved at once, no rate limits,
// near-duplicates matched unless o.service says otherwise) and serves
// its ask page on 127.0.0.1:0, with no limit of new browsers per address
// unless o.server sets one, until the test ends.
func newEnv(t testing.TB, o options) *env {
	t.Helper()
	svc := tribunetest.OpenService(t, channel, func(s *tribune.Service) {
		s.Premoderate = false
		s.RateInterval = 0
		s.SessionCap = 0
		s.Matcher = match.NewMatcher()
		if o.service != nil {
			o.service(s)
		}
	})
	srv := ask.NewServer(svc)
	srv.Secret = secret
	srv.Addr = "127.0.0.1:0"
	srv.Logger = tribunetest.QuietLogger()
	srv.IDsPerIP = 0 // every test browser comes from 127.0.0.1
	if o.server != nil {
		o.server(srv)
	}
	if err := srv.Open(); err != nil {
		t.Fatalf("open the ask page: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close the ask page: %v", err)
		}
	})
	return &env{svc: svc, srv: srv, url: srv.URL()}
}

// browser returns a new simulated browser of e's page.
func (e *env) browser(t testing.TB) *ask.Browser {
	t.Helper()
	b, err := ask.NewBrowser(e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustAsk asks text as browser b and returns what the page answered.
func mustAsk(t testing.TB, b *ask.Browser, text string) ask.AskResponse {
	t.Helper()
	res, err := b.Ask(context.Background(), ask.AskRequest{Text: text})
	if err != nil {
		t.Fatalf("ask %q: %v", text, err)
	}
	return res
}

// apiError returns err as an *ask.APIError, failing the test otherwise.
func apiError(t testing.TB, err error) *ask.APIError {
	t.Helper()
	var e *ask.APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *ask.APIError", err)
	}
	return e
}

// request sends a raw request to e's page, with Origin set to the page's
// own unless h says otherwise, and returns the answer with its body read.
func (e *env) request(t testing.TB, client *http.Client, method, path, contentType, body string, h http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", e.url)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if client == nil {
		client = noRedirect(nil)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// noRedirect returns a client that keeps cookies in jar (a new one when
// nil) and shows redirects instead of following them.
func noRedirect(jar http.CookieJar) *http.Client {
	if jar == nil {
		jar, _ = cookiejar.New(nil)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// errorBody decodes a refusal.
func errorBody(t testing.TB, body string) ask.ErrorBody {
	t.Helper()
	var e ask.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("refusal %q is not JSON: %v", body, err)
	}
	return e
}

// count returns how many questions the session holds.
func count(svc *tribune.Service) int {
	n := 0
	for _, c := range svc.Counts() {
		n += c
	}
	return n
}

// feedClient reads a live feed: one JSON message per event.
type feedClient struct {
	msgs chan feedMessage
}

type feedMessage struct {
	m   map[string]any
	raw string
}

// openFeed connects to /ask/events with client's cookies; it closes when
// the test ends.
func (e *env) openFeed(t testing.TB, client *http.Client) *feedClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/ask/events", nil)
	if client == nil {
		client = &http.Client{}
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open the feed: %v", err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("feed answered %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	f := &feedClient{msgs: make(chan feedMessage, 256)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(f.msgs)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			data, ok := strings.CutPrefix(line, "data: ")
			if !ok {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(data), &m); err != nil {
				m = map[string]any{"type": "unparsable", "data": data}
			}
			select {
			case f.msgs <- feedMessage{m, data}:
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		res.Body.Close()
		<-done
	})
	return f
}

// next returns the next message of type typ, failing after timeout.
func (f *feedClient) next(t testing.TB, typ string, timeout time.Duration) map[string]any {
	t.Helper()
	return f.until(t, timeout, fmt.Sprintf("a %q message", typ), func(m map[string]any, _ string) bool { return m["type"] == typ })
}

// until returns the first message for which ok holds.
func (f *feedClient) until(t testing.TB, timeout time.Duration, what string, ok func(m map[string]any, raw string) bool) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case fm, open := <-f.msgs:
			if !open {
				t.Fatalf("feed ended while waiting for %s", what)
			}
			if ok(fm.m, fm.raw) {
				return fm.m
			}
		case <-deadline:
			t.Fatalf("%s: not within %v", what, timeout)
		}
	}
}

// questionsOf returns the "questions" of a feed message by id.
func questionsOf(m map[string]any) map[int]map[string]any {
	out := map[int]map[string]any{}
	list, _ := m["questions"].([]any)
	for _, v := range list {
		q, _ := v.(map[string]any)
		if id, ok := q["id"].(float64); ok {
			out[int(id)] = q
		}
	}
	return out
}
