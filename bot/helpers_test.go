package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/match"
	"github.com/tribune-live/tribune/store"
)

const (
	channel  = "townhall"
	botUser  = "tribunebot"
	botToken = "s3cret-t0ken-value"
)

// env is a running bot: a fake Twitch server, a Service on a real SQLite
// file, and a bot.Client connected to the server.
type env struct {
	srv    *twitchfake.Server
	db     *store.DB
	svc    *tribune.Service
	client *bot.Client
	clock  *fakeclock.Clock
	logs   *tribunetest.Buffer
	health chan string   // chat health states, in order
	sent   atomic.Uint64 // command lines sent with say
	// channels are the channels the bot joins, channel first.
	channels []string
}

type envOptions struct {
	service   func(*tribune.Service)
	client    func(*bot.Client)
	moderator bool // the bot account is a moderator of the channel
	anonymous bool
	noWait    bool // do not wait for the join
	server    func(*twitchfake.Server)
	// channels are the channels the bot joins; by default only channel.
	channels []string
	// clientClock runs the client on the test's clock (reply ages,
	// pacing) rather than the wall clock.
	clientClock bool
}

// newEnv starts a fake server, opens a Service and runs a bot client
// against them; everything stops at the end of the test.
func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{clock: fakeclock.New(time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)), logs: &tribunetest.Buffer{}, health: make(chan string, 1024),
		channels: o.channels}
	if len(e.channels) == 0 {
		e.channels = []string{channel}
	}
	// Last, once everything below has stopped and logged all it will.
	t.Cleanup(func() {
		if strings.Contains(e.logs.String(), botToken) {
			t.Errorf("the Twitch token appears in the logs")
		}
	})
	e.srv = tribunetest.StartTwitch(t)
	e.srv.SetModerator(o.moderator)
	if o.server != nil {
		o.server(e.srv)
	}
	e.svc, e.db = tribunetest.OpenServiceAt(t, filepath.Join(t.TempDir(), "t.db"), channel, func(svc *tribune.Service) {
		svc.Now = e.clock.Now
		svc.Logger = e.logs.Logger(slog.LevelInfo)
		svc.Matcher = match.NewMatcher()
		if o.service != nil {
			o.service(svc)
		}
	})
	sub := tribunetest.Subscribe(t, e.svc)
	go func() {
		for ev := range sub.C {
			if st, ok := ev.Health[tribune.HealthChat]; ok && ev.Type == tribune.EventHealth {
				select {
				case e.health <- st:
				default:
				}
			}
		}
	}()

	names := make([]string, len(e.channels))
	for i, ch := range e.channels {
		names[i] = "#" + strings.ToUpper(ch)
	}
	c := bot.NewClient(e.svc, names...)
	if o.clientClock {
		c.Now = e.clock.Now
	}
	c.IrcAddress, c.TLS = e.srv.Addr(), false
	if !o.anonymous {
		c.User, c.Token = botUser, botToken
	}
	c.Logger = e.logs.Logger(slog.LevelDebug)
	c.Linger = 50 * time.Millisecond
	if o.client != nil {
		o.client(c)
	}
	e.client = c
	tribunetest.Run(t, "Run", c.Run)
	if !o.noWait {
		e.waitJoined(t)
	}
	return e
}

func (e *env) waitJoined(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	for _, ch := range e.channels {
		if err := e.srv.WaitJoined(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
}

// say sends a chat line from u.
func (e *env) say(t testing.TB, u twitchfake.User, text string) {
	t.Helper()
	e.sayIn(t, channel, u, text)
}

// sayIn sends a chat line from u in ch.
func (e *env) sayIn(t testing.TB, ch string, u twitchfake.User, text string) {
	t.Helper()
	if n := e.srv.Say(ch, u, text); n == 0 {
		t.Fatalf("Say(%q): no connection has joined #%s", text, ch)
	}
	if _, ok := chat.Parse(text); ok {
		e.sent.Add(1)
	}
}

// waitReplyIn waits for a reply in ch that has want as one of its parts,
// and returns it.
func (e *env) waitReplyIn(t testing.TB, ch, want string) twitchfake.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	r, err := e.srv.WaitFor(ctx, func(r twitchfake.Reply) bool { return r.Channel == ch && containsPart(r.Text, want) })
	if err != nil {
		t.Fatalf("no reply in #%s contains %q: %v\nreplies: %q", ch, want, err, replyTexts(e.srv))
	}
	return r
}

// settle waits until every command sent with say has been applied.
func (e *env) settle(t testing.TB) {
	t.Helper()
	e.waitApplied(t, e.sent.Load())
}

// waitReply waits for a reply from the bot that contains want.
func (e *env) waitReply(t testing.TB, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	got, err := e.srv.WaitReply(ctx, func(text string) bool { return containsPart(text, want) })
	if err != nil {
		t.Fatalf("no reply contains %q: %v\nreplies: %q", want, err, replyTexts(e.srv))
	}
	return got
}

// containsPart reports whether a folded reply message has want as one of
// its parts, whole or followed by more words ("@a #1" is in "@a #1
// (awaiting review)", not in "@a #12").
func containsPart(msg, want string) bool {
	for _, p := range strings.Split(msg, ", ") {
		if p == want || strings.HasPrefix(p, want+" ") {
			return true
		}
	}
	return false
}

// waitNotice waits for a whole message (top list, help) that starts with
// prefix.
func (e *env) waitNotice(t testing.TB, prefix string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	got, err := e.srv.WaitReply(ctx, func(text string) bool { return strings.HasPrefix(text, prefix) })
	if err != nil {
		t.Fatalf("no message starts with %q: %v\nreplies: %q", prefix, err, replyTexts(e.srv))
	}
	return got
}

func replyTexts(srv *twitchfake.Server) []string {
	var out []string
	for _, r := range srv.Replies() {
		out = append(out, r.Text)
	}
	return out
}

// waitApplied waits until the client has applied n commands in all.
func (e *env) waitApplied(t testing.TB, n uint64) {
	t.Helper()
	tribunetest.Eventually(t, tribunetest.WaitLimit, fmt.Sprintf("%d commands applied", n), func() bool {
		s := e.client.Stats()
		return s.Applied >= n
	})
	if s := e.client.Stats(); s.Applied != n || s.Commands != n {
		t.Fatalf("Applied=%d Commands=%d, want %d", s.Applied, s.Commands, n)
	}
}

// waitHealth waits until the chat health reaches state.
func (e *env) waitHealth(t testing.TB, state string) []string {
	t.Helper()
	var seen []string
	timeout := time.After(tribunetest.WaitLimit)
	for {
		select {
		case st := <-e.health:
			seen = append(seen, st)
			if st == state {
				return seen
			}
		case <-timeout:
			t.Fatalf("chat health never became %q; saw %q", state, seen)
		}
	}
}

var host = twitchfake.User{ID: "9000", Login: "host", DisplayName: "Host", Moderator: true}
