package overlay

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

func TestHTTPStatusRoundTrip(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{tribune.EINVALID, http.StatusBadRequest},
		{tribune.ENOTFOUND, http.StatusNotFound},
		{tribune.ECONFLICT, http.StatusConflict},
		{tribune.EUNAUTHORIZED, http.StatusUnauthorized},
		{tribune.EFORBIDDEN, http.StatusForbidden},
		{tribune.ERATELIMIT, http.StatusTooManyRequests},
		{tribune.EUNAVAILABLE, http.StatusServiceUnavailable},
		{tribune.EINTERNAL, http.StatusInternalServerError},
		{"something_new", http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			if got := tribune.HTTPStatus(tc.code); got != tc.want {
				t.Errorf("HTTPStatus(%q)=%d, want %d", tc.code, got, tc.want)
			}
			if tc.code != "something_new" {
				if back := codeOf(tc.want); back != tc.code {
					t.Errorf("codeOf(%d)=%q, want %q", tc.want, back, tc.code)
				}
			}
		})
	}
}

// TestHubResync checks what the hub does when the Service tells it that it
// missed events: pages get the current state again, consoles a resync.
func TestHubResync(t *testing.T) {
	svc := tribunetest.OpenService(t, "hubtest", func(s *tribune.Service) {
		s.Premoderate = false
		s.Logger = slog.New(slog.DiscardHandler)
	})
	q := tribunetest.Ask(t, svc, tribune.Actor{Login: "ann", DisplayName: "Ann", UserID: "1"}, "Resync?")

	h := newHub(svc, svc.Logger, true)
	defer h.sub.Close()
	feed := &client{send: make(chan []byte, 8), kind: kindFeed, top: true}
	card := &client{send: make(chan []byte, 8), kind: kindFeed}
	events := &client{send: make(chan []byte, 8), kind: kindEvents}
	for _, c := range []*client{feed, card, events} {
		h.add(c)
		for len(c.send) > 0 {
			<-c.send // the state on connect
		}
	}
	// The state changed behind the hub's back, as when it missed events.
	if _, err := svc.Show(context.Background(), q.ID); err != nil {
		t.Fatal(err)
	}
	h.handle(tribune.Event{Type: tribune.EventResync})

	types := func(c *client) []string {
		var out []string
		for len(c.send) > 0 {
			var m struct {
				Type     string            `json:"type"`
				Question *tribune.Question `json:"question"`
			}
			json.Unmarshal(<-c.send, &m)
			if m.Type == "onair" && (m.Question == nil || m.Question.ID != q.ID) {
				t.Errorf("onair %+v, want #%d", m.Question, q.ID)
			}
			out = append(out, m.Type)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		c    *client
		want []string
	}{
		{"Feed", feed, []string{"onair", "top"}},
		{"CardOnly", card, []string{"onair"}},
		{"Events", events, []string{"resync"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := types(tc.c)
			if len(got) != len(tc.want) {
				t.Fatalf("messages %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("messages %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestServer_Timeouts checks the plain HTTP timeouts with short values: a
// client that never finishes its headers is cut, an idle keep-alive
// connection is closed, and a websocket outlives them all.
func TestServer_Timeouts(t *testing.T) {
	svc := tribunetest.OpenService(t, "timeouts", func(svc *tribune.Service) { svc.Premoderate = false })
	q := tribunetest.Ask(t, svc, tribune.Actor{Login: "ann", DisplayName: "Ann", UserID: "1"}, "Still there?")
	s := NewServer(svc)
	s.Addr = "127.0.0.1:0"
	s.Logger = tribunetest.QuietLogger()
	const short = 200 * time.Millisecond
	s.timeouts = httpTimeouts{readHeader: short, read: short, write: short, idle: short, report: short}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := s.ln.Addr().String()

	t.Run("SlowHeaders", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: tribune\r\n") // and never the blank line
		if !tribunetest.HungUp(c, 5*time.Second) {
			t.Error("a request whose headers never end was not cut")
		}
	})
	t.Run("Idle", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: tribune\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		if !tribunetest.HungUp(c, 5*time.Second) {
			t.Error("an idle keep-alive connection was not closed")
		}
	})
	t.Run("WebsocketOutlivesThem", func(t *testing.T) {
		conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/overlay/ws?top=0", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := conn.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * short) // past the read, write and idle timeouts
		if _, err := svc.Show(context.Background(), q.ID); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := conn.ReadMessage()
		if err != nil || !strings.Contains(string(data), `"onair"`) {
			t.Errorf("feed after the timeouts: %s %v, want the onair message", data, err)
		}
	})
}
