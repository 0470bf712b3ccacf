package youtube_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/youtubefake"
	"github.com/tribune-live/tribune/youtube"
)

// parts returns the replies to viewers that the inserted messages
// carried, in order.
func parts(srv *youtubefake.Server) []string {
	var out []string
	for _, m := range srv.Inserted() {
		out = append(out, strings.Split(m.Text, " · ")...)
	}
	return out
}

// numberOf returns the number of the question asked by channel.
func (e *env) numberOf(t testing.TB, channel string) int {
	t.Helper()
	for _, q := range tribunetest.Questions(t, e.svc, "") {
		if q.AuthorID == channel {
			return q.ID
		}
	}
	t.Fatalf("no question by %s", channel)
	return 0
}

// TestReplies sends, with OAuth only, the numbers of new questions and
// the refusals of questions, folded into one message, and nothing for
// votes, !top or !qhelp.
func TestReplies(t *testing.T) {
	e := newEnv(t, envOptions{oauth: true, noStart: true, source: func(s *youtube.Source) { s.Linger = time.Second }})
	long := strings.Repeat("word ", 61)
	e.say(t, ana, "!q First question?")
	e.say(t, bob, "!q Second question?")
	e.say(t, tribunetest.YouTubeViewer(3), "!q "+long)
	e.say(t, tribunetest.YouTubeViewer(4), "!top")
	e.say(t, tribunetest.YouTubeViewer(5), "!qhelp")
	e.say(t, tribunetest.YouTubeViewer(6), "!vote 99")
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.settle(t)
	e.say(t, tribunetest.YouTubeViewer(7), "!vote 1")
	e.say(t, tribunetest.YouTubeViewer(8), "!unvote 1")
	e.settle(t)
	tribunetest.Eventually(t, tribunetest.WaitLimit, "three replies sent", func() bool { return e.src.Stats().Parts >= 3 })

	got := parts(e.srv)
	want := []string{
		fmt.Sprintf("@Ana #%d", e.numberOf(t, ana.ChannelID)),
		fmt.Sprintf("@bob.martin #%d", e.numberOf(t, bob.ChannelID)),
		"@Viewer 3 too long: 300 characters at most",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("replies %q, want %q", got, want)
	}
	if ins := e.srv.Inserted(); len(ins) != 1 {
		t.Errorf("%d messages %q, want the three replies folded in one", len(ins), ins)
	}
	for _, r := range e.srv.Requests(youtubefake.MethodInsert) {
		if r.Auth != "oauth" {
			t.Errorf("an insert authenticated with %q, want oauth", r.Auth)
		}
	}
	for _, r := range e.srv.Requests(youtubefake.MethodStream) {
		if r.Auth != "key" {
			t.Errorf("a stream authenticated with %q, want the key", r.Auth)
		}
	}
	h := e.waitHealth(t, "streaming")
	if want := "streaming · quota 31/10 000 (0 %)"; h != want {
		t.Errorf("health %q, want %q (no read-only: it replies)", h, want)
	}
	if used, _ := e.src.Quota(); used != e.srv.Calls().Units {
		t.Errorf("the meter says %d units, the fake charged %d", used, e.srv.Calls().Units)
	}
}

func TestRepliesFrench(t *testing.T) {
	e := newEnv(t, envOptions{oauth: true, source: func(s *youtube.Source) { s.Lang = "fr" }})
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q Quand le pont rouvrira-t-il ?")
	e.settle(t)
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	if _, err := e.srv.WaitInserted(ctx, func(text string) bool { return text == "@Ana n°1" }); err != nil {
		t.Fatalf("no French reply: %v; inserted %q", err, e.srv.Inserted())
	}
}

// TestReplyBudget stops replying, and says so, once the reply budget is
// spent; the source reads on.
func TestReplyBudget(t *testing.T) {
	e := newEnv(t, envOptions{oauth: true, source: func(s *youtube.Source) {
		s.ReplyBudget = 2 * youtube.CostInsert
		s.Linger = 10 * time.Millisecond
	}})
	e.waitHealth(t, "streaming")
	for i := 1; i <= 3; i++ {
		e.say(t, tribunetest.YouTubeViewer(i), fmt.Sprintf("!q Question number %d?", i))
		e.settle(t)
		if i < 3 {
			tribunetest.Eventually(t, tribunetest.WaitLimit, "a reply", func() bool { return len(e.srv.Inserted()) == i })
		}
	}
	h := e.waitHealth(t, "streaming · reply budget spent")
	if !strings.Contains(h, "quota 51/10 000") {
		t.Errorf("health %q: want the 11 units of reading and 40 of replies", h)
	}
	if n := len(e.srv.Inserted()); n != 2 {
		t.Errorf("%d replies, want 2: the budget pays for two", n)
	}
	e.say(t, tribunetest.YouTubeViewer(9), "!q Still read?")
	e.settle(t)
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 4 {
		t.Errorf("%d questions, want 4: reading goes on", n)
	}
}

// TestRepliesRefused turns the source read-only when Google stops
// granting access tokens in the middle of the meeting; it reads on.
func TestRepliesRefused(t *testing.T) {
	e := newEnv(t, envOptions{oauth: true, noStart: true, source: func(s *youtube.Source) { s.Linger = 10 * time.Millisecond }})
	// Tokens that expire at once: every insert asks for a new one.
	e.srv.SetTokenTTL(time.Second)
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q Before the revocation?")
	e.settle(t)
	tribunetest.Eventually(t, tribunetest.WaitLimit, "a reply", func() bool { return len(e.srv.Inserted()) == 1 })
	e.srv.SetCredentials(youtubefake.Credentials{APIKey: apiKey, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: "1//another"})
	e.say(t, bob, "!q After?")
	e.settle(t)
	h := e.waitHealth(t, "streaming · read-only")
	if !strings.Contains(e.logs.String(), "invalid_grant") {
		t.Errorf("the log does not say why (invalid_grant); health %q", h)
	}
	e.say(t, tribunetest.YouTubeViewer(3), "!q Still read?")
	e.settle(t)
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 3 {
		t.Errorf("%d questions, want 3", n)
	}
}

// TestNoSecrets runs a whole session with failures of every kind (a
// refused OAuth start, a server that quotes the key, drops, a rate-limited
// reply, a revoked refresh token, the quota spent) and checks that the API
// key, the client secret, the refresh token and the access tokens appear
// in no log line, error or health state.
func TestNoSecrets(t *testing.T) {
	e := newEnv(t, envOptions{oauth: true, noStart: true, source: func(s *youtube.Source) { s.Linger = 10 * time.Millisecond }})
	var errs []error
	e.srv.Fail(youtubefake.MethodToken, youtubefake.Fault{Status: 400, Reason: "invalid_grant", Message: "bad refresh token " + refreshToken}, 1)
	errs = append(errs, e.src.Check(context.Background()))
	e.srv.Fail(youtubefake.MethodVideos, youtubefake.Fault{Status: 400, Reason: "badRequest", Message: "API key " + apiKey + " and secret " + clientSecret}, 1)
	errs = append(errs, e.src.Check(context.Background()))
	e.srv.SetTokenTTL(time.Second) // every call refreshes the access token
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.DropStream(1)
	e.srv.Fail(youtubefake.MethodStream, youtubefake.Fault{Status: 503, Reason: "backendError", Message: "overloaded for key " + apiKey}, 1)
	e.srv.Fail(youtubefake.MethodInsert, youtubefake.Fault{Status: 403, Reason: "rateLimitExceeded"}, 1)
	e.run(t)
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q One?")
	e.settle(t)
	e.say(t, bob, "!q Two?")
	e.settle(t)
	tribunetest.Eventually(t, 2*tribunetest.WaitLimit, "replies after the rate limit", func() bool { return e.src.Stats().Parts >= 2 })
	e.srv.SetCredentials(youtubefake.Credentials{APIKey: apiKey, ClientID: clientID, ClientSecret: clientSecret, RefreshToken: "1//revoked"})
	e.say(t, tribunetest.YouTubeViewer(3), "!q Three?")
	e.settle(t)
	e.waitHealth(t, "streaming · read-only")
	e.srv.SetQuota(1)
	e.srv.CutStreams()
	errs = append(errs, e.waitStopped(t))
	if h := e.health(); !strings.HasPrefix(h, "stopped: quota exceeded") {
		t.Errorf("health %q", h)
	}

	logs := e.logs.String()
	for _, want := range []string{"invalid_grant", "rateLimitExceeded", "quotaExceeded", "resuming from the last page token", "overloaded for key [redacted]"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the session did not go through %s (not in the log)", want)
		}
	}
	if errs[0] == nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v, want two failed Checks and a Run that returned nil", errs)
	}
	for _, err := range errs[:2] {
		e.assertNoSecrets(t, err.Error(), "an error")
		if !regexp.MustCompile(`\[redacted\]`).MatchString(err.Error()) {
			t.Errorf("error %q: the quoted secret was not redacted", err)
		}
	}
	if len(e.srv.AccessTokens()) < 2 {
		t.Errorf("%d access tokens granted; the session should have refreshed", len(e.srv.AccessTokens()))
	}
	e.assertNoSecrets(t, logs, "the logs")
	for _, st := range e.healthStates() {
		e.assertNoSecrets(t, st, "a health state")
	}
}
