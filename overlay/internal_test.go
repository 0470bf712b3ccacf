package overlay

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/store"
)

func TestStatusOf(t *testing.T) {
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
			if got := statusOf(tc.code); got != tc.want {
				t.Errorf("statusOf(%q)=%d, want %d", tc.code, got, tc.want)
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
	db := store.NewDB(filepath.Join(t.TempDir(), "t.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := tribune.NewService(db, "hubtest")
	svc.Premoderate = false
	svc.Logger = slog.New(slog.DiscardHandler)
	if err := svc.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	a := tribune.Actor{Login: "ann", DisplayName: "Ann", UserID: "1"}
	res, err := svc.Ask(context.Background(), a, "Resync?")
	if err != nil {
		t.Fatal(err)
	}

	h := newHub(svc, svc.Logger)
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
	if _, err := svc.Show(context.Background(), res.Question.ID); err != nil {
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
			if m.Type == "onair" && (m.Question == nil || m.Question.ID != res.Question.ID) {
				t.Errorf("onair %+v, want #%d", m.Question, res.Question.ID)
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
