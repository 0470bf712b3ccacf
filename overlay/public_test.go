package overlay_test

import (
	"context"
	"encoding/json"
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
)

// What the public must never receive of the two askers below.
var (
	// A viewer of the ask page who asked anonymously.
	anonymous = tribune.Actor{
		Source: tribune.SourceWeb, UserID: "b7e1c0ffee5eed5a1d", DisplayName: "Hidden Hannah",
		Login: "hannah_login_x", Channel: "askpage-secret", MessageID: "web-msg-0001", Anonymous: true,
	}
	// A Twitch viewer who asked under their name.
	named = tribune.Actor{
		Source: tribune.SourceTwitch, UserID: "42424242", DisplayName: "Larry L.",
		Login: "larry_login_q", Channel: "partychan_q", MessageID: "tw-msg-7777",
	}
)

// rawFeed collects the raw frames of a feed.
type rawFeed struct {
	conn   *websocket.Conn
	frames []string
}

// until reads frames until one decodes into a message for which done
// holds, and returns it.
func (f *rawFeed) until(t *testing.T, what string, done func(FeedMessage) bool) FeedMessage {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.conn.SetReadDeadline(deadline)
		_, data, err := f.conn.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v (frames so far: %s)", what, err, strings.Join(f.frames, "\n"))
		}
		f.frames = append(f.frames, string(data))
		var m FeedMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("frame %s: %v", data, err)
		}
		if done(m) {
			return m
		}
	}
}

func onAirIs(id int) func(FeedMessage) bool {
	return func(m FeedMessage) bool { return m.Type == "onair" && m.Question != nil && m.Question.ID == id }
}

func topHas(id, votes int) func(FeedMessage) bool {
	return func(m FeedMessage) bool {
		if m.Type != "top" {
			return false
		}
		for _, q := range m.Questions {
			if q.ID == id && q.Votes == votes {
				return true
			}
		}
		return false
	}
}

// TestFeed_PublicForm runs a meeting past a public feed and checks every
// frame it sent: no login, user id, channel or message id ever; the
// anonymous asker's name nowhere; and with ShowAuthors off, no author at
// all. The moderators' stream still carries the whole question.
func TestFeed_PublicForm(t *testing.T) {
	for _, showAuthors := range []bool{true, false} {
		name := "ShowAuthors"
		if !showAuthors {
			name = "HideAuthors"
		}
		t.Run(name, func(t *testing.T) {
			svc := MustOpenService(t)
			ctx := context.Background()
			ask := func(a tribune.Actor, text string) tribune.Question {
				t.Helper()
				res, err := svc.Ask(ctx, a, text)
				if err != nil {
					t.Fatalf("ask as %s: %v", a.Name(), err)
				}
				return res.Question
			}
			anon := ask(anonymous, "Who pays for the new tram line?")
			larry := ask(named, "Will the night buses come back?")
			if !anon.Anonymous || anon.Author != anonymous.DisplayName {
				t.Fatalf("stored anonymous question %+v: want Anonymous and its author kept for moderators", anon)
			}
			tribunetest.Show(t, svc, anon.ID)
			srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) { s.ShowAuthors = showAuthors })
			feed := &rawFeed{conn: DialWS(t, srv, "/overlay/ws", nil)}
			events := DialWS(t, srv, "/api/events", http.Header{"Authorization": {"Bearer " + testToken}})
			ReadUntil(t, events, string(tribune.EventHealth), 5*time.Second)

			feed.until(t, "the anonymous question on air", onAirIs(anon.ID))
			feed.until(t, "the first top", topHas(anon.ID, 1))
			tribunetest.Vote(t, svc, tribunetest.Voter(1), anon.ID)
			feed.until(t, "the vote on air", func(m FeedMessage) bool { return onAirIs(anon.ID)(m) && m.Question.Votes == 2 })
			feed.until(t, "the vote on the board", topHas(anon.ID, 2))
			if _, err := svc.Label(ctx, anon.ID, "transport"); err != nil {
				t.Fatal(err)
			}
			m := feed.until(t, "the label on air", func(m FeedMessage) bool { return onAirIs(anon.ID)(m) && m.Question.Label == "transport" })
			if m.Question.Author != "" {
				t.Errorf("anonymous question on air with author %q", m.Question.Author)
			}
			tribunetest.Show(t, svc, larry.ID)
			m = feed.until(t, "the named question on air", onAirIs(larry.ID))
			if want := map[bool]string{true: named.DisplayName, false: ""}[showAuthors]; m.Question.Author != want {
				t.Errorf("named question on air with author %q, want %q", m.Question.Author, want)
			}
			tribunetest.Vote(t, svc, tribunetest.Voter(2), larry.ID)
			feed.until(t, "the named question's vote on the board", topHas(larry.ID, 2))
			tribunetest.Hide(t, svc)
			feed.until(t, "offair", func(m FeedMessage) bool { return m.Type == "offair" })

			all := strings.Join(feed.frames, "\n")
			never := []string{
				anonymous.DisplayName, anonymous.Login, anonymous.UserID, anonymous.Channel, anonymous.MessageID,
				named.Login, named.UserID, named.Channel, named.MessageID,
				`"login"`, `"user_id"`, `"channel"`, `"message_id"`, `"anonymous"`,
			}
			if !showAuthors {
				never = append(never, named.DisplayName, `"author"`)
			}
			for _, s := range never {
				if strings.Contains(all, s) {
					t.Errorf("the public feed sent %q:\n%s", s, all)
				}
			}
			if showAuthors && !strings.Contains(all, named.DisplayName) {
				t.Errorf("the public feed never named %q, who asked under their name:\n%s", named.DisplayName, all)
			}

			// Moderators see who asked.
			ev := ReadUntil(t, events, string(tribune.EventOnAir), 5*time.Second)
			if ev.Question == nil || ev.Question.AuthorLogin == "" && ev.Question.AuthorID == "" {
				t.Errorf("/api/events onair %+v carries no author identity", ev.Question)
			}
			raw := readRaw(t, events, func(m FeedMessage) bool { return m.Type == string(tribune.EventOffAir) })
			if !strings.Contains(raw, named.Login) {
				t.Errorf("/api/events lost the login: %s", raw)
			}
		})
	}
}

// readRaw reads frames of conn until one satisfies done, and returns them
// all.
func readRaw(t *testing.T, conn *websocket.Conn, done func(FeedMessage) bool) string {
	t.Helper()
	f := &rawFeed{conn: conn}
	f.until(t, "a frame", done)
	return strings.Join(f.frames, "\n")
}

// TestFeed_OnAirSince checks that the onair message carries when the
// question went on air, in RFC 3339, and that the time holds across a
// restart of the whole server, so that a countdown goes on where it was.
func TestFeed_OnAirSince(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	aired := time.Date(2026, 12, 3, 19, 30, 15, 250_000_000, time.UTC)
	clk := fakeclock.New(aired)
	svc1, db1 := OpenServiceClock(t, path, clk)
	q := tribunetest.Ask(t, svc1, tribunetest.Viewer(1), "How long will this take?")
	srv1 := StartServer(t, svc1, "127.0.0.1:0")
	conn := DialWS(t, srv1, "/overlay/ws?top=0", nil)
	if m := ReadMessage(t, conn, 5*time.Second); m.Type != "offair" {
		t.Fatalf("first message %+v, want offair", m)
	}
	tribunetest.Show(t, svc1, q.ID)
	clk.Add(time.Minute) // what follows is not when it went on air
	tribunetest.Vote(t, svc1, tribunetest.Voter(1), q.ID)

	since := func(t *testing.T, conn *websocket.Conn) string {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Type     string `json:"type"`
			Question struct {
				Since string `json:"since"`
			} `json:"question"`
		}
		if err := json.Unmarshal(data, &m); err != nil || m.Type != "onair" {
			t.Fatalf("message %s: %v, want onair", data, err)
		}
		return m.Question.Since
	}
	want := aired.Format(time.RFC3339Nano)
	for _, step := range []string{"Show", "Vote"} {
		if got := since(t, conn); got != want {
			t.Errorf("%s: since=%q, want %q", step, got, want)
		}
	}
	if _, err := time.Parse(time.RFC3339, want); err != nil {
		t.Fatalf("since is not RFC 3339: %v", err)
	}

	srv1.Close()
	svc1.Close()
	db1.Close()
	svc2, _ := OpenServiceClock(t, path, clk)
	srv2 := StartServer(t, svc2, "127.0.0.1:0")
	if got := since(t, DialWS(t, srv2, "/overlay/ws?top=0", nil)); got != want {
		t.Errorf("after a restart: since=%q, want %q", got, want)
	}

	// Off air, a question has no since: its timer is gone.
	tribunetest.Hide(t, svc2)
	raw := readRaw(t, DialWS(t, srv2, "/overlay/ws", nil), func(m FeedMessage) bool {
		return m.Type == "top" && len(m.Questions) == 1 && m.Questions[0].Status == tribune.StatusApproved
	})
	last := raw[strings.LastIndexByte(raw, '\n')+1:]
	if strings.Contains(last, `"since"`) {
		t.Errorf("top message after the question left the air carries a since: %s", last)
	}
}
