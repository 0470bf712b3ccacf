package overlay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/overlay"
	"github.com/tribune-live/tribune/store"
)

const testToken = "test-token-0123456789"

// overlayRules are the Service's rules in these tests: questions approved
// at once (but a first-time chatter's) and no rate limits.
func overlayRules(svc *tribune.Service) {
	svc.Premoderate = false
	svc.RateInterval = 0
	svc.SessionCap = 0
}

// OpenService opens a real Service on a real SQLite file at path, with
// questions approved at once and no rate limits, closed at the test's end.
func OpenService(tb testing.TB, path string) *tribune.Service {
	tb.Helper()
	svc, _ := OpenServiceDB(tb, path)
	return svc
}

// OpenServiceDB is OpenService that also returns the store.
func OpenServiceDB(tb testing.TB, path string) (*tribune.Service, *store.DB) {
	tb.Helper()
	return tribunetest.OpenServiceAt(tb, path, "overlaytest", overlayRules)
}

// OpenServiceClock is OpenServiceDB on the clock clk: what the Service
// stamps (a question's time on air) is clk's time.
func OpenServiceClock(tb testing.TB, path string, clk *fakeclock.Clock) (*tribune.Service, *store.DB) {
	tb.Helper()
	return tribunetest.OpenServiceAt(tb, path, "overlaytest", func(svc *tribune.Service) {
		overlayRules(svc)
		svc.Now = clk.Now
	})
}

// MustOpenService opens a service on a new database in a temporary folder.
func MustOpenService(tb testing.TB) *tribune.Service {
	tb.Helper()
	return OpenService(tb, filepath.Join(tb.TempDir(), "tribune.db"))
}

// StartServer serves svc on addr ("127.0.0.1:0" for any port) until the
// test ends.
func StartServer(tb testing.TB, svc *tribune.Service, addr string) *overlay.Server {
	tb.Helper()
	return StartServerWith(tb, svc, addr, nil)
}

// StartServerWith is StartServer with configure run on the server before
// it opens.
func StartServerWith(tb testing.TB, svc *tribune.Service, addr string, configure func(*overlay.Server)) *overlay.Server {
	tb.Helper()
	srv := overlay.NewServer(svc)
	srv.Addr = addr
	srv.Token = testToken
	srv.Logger = tribunetest.QuietLogger()
	if configure != nil {
		configure(srv)
	}
	if err := srv.Open(); err != nil {
		tb.Fatalf("open server: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Errorf("close server: %v", err)
		}
	})
	return srv
}

// FeedMessage is a message of the overlay feed.
type FeedMessage struct {
	Type      string             `json:"type"`
	Question  *tribune.Question  `json:"question"`
	Questions []tribune.Question `json:"questions"`
	Health    map[string]string  `json:"health"`
}

// DialWS connects a websocket client to path of srv, closed at the test's end.
func DialWS(tb testing.TB, srv *overlay.Server, path string, h http.Header) *websocket.Conn {
	tb.Helper()
	return tribunetest.DialWebSocket(tb, srv.URL()+path, h)
}

// ReadMessage reads the next message of a feed, failing after timeout.
func ReadMessage(tb testing.TB, conn *websocket.Conn, timeout time.Duration) FeedMessage {
	tb.Helper()
	conn.SetReadDeadline(time.Now().Add(timeout))
	_, data, err := conn.ReadMessage()
	if err != nil {
		tb.Fatalf("read feed: %v", err)
	}
	var m FeedMessage
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatalf("feed message %q: %v", data, err)
	}
	return m
}

// ReadUntil reads messages until one of type typ arrives, and returns it.
func ReadUntil(tb testing.TB, conn *websocket.Conn, typ string, timeout time.Duration) FeedMessage {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m := ReadMessage(tb, conn, time.Until(deadline))
		if m.Type == typ {
			return m
		}
	}
}

// APIRequest sends an API request with token ("" for none) and returns the
// status and the body.
func APIRequest(tb testing.TB, srv *overlay.Server, method, path, token, body string) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, b
}
