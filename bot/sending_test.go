package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/match"
)

// TestSlowMode puts both channels in slow mode: where the bot is not a
// moderator its messages are spaced by the slow interval, as the server
// measures them, and none is refused; where it moderates, slow mode does
// not hold it back.
func TestSlowMode(t *testing.T) {
	t.Parallel()
	const slow = 2
	e := newEnv(t, envOptions{channels: []string{channel, party},
		service: func(s *tribune.Service) { s.Premoderate = false },
		server: func(s *twitchfake.Server) {
			s.SetSlow(party, 600) // from the JOIN's ROOMSTATE
			s.SetBotBadgesIn(party, "moderator/1")
		}})
	// A ROOMSTATE while joined; the bot reads it before the commands
	// that follow on the same connection.
	e.srv.SetSlow(channel, slow)
	for i := range 4 {
		e.play(t, line{tribunetest.ChatViewer(i), fmt.Sprintf("!q Question %d about district %d?", i, i), fmt.Sprintf("@Viewer%d #%d", i, i+1)})
	}
	for i := 4; i < 8; i++ {
		e.sayIn(t, party, tribunetest.ChatViewer(i), fmt.Sprintf("!q Question %d about district %d?", i, i))
		e.waitReplyIn(t, party, fmt.Sprintf("@Viewer%d #%d", i, i+1))
	}
	var in []twitchfake.Reply
	for _, r := range e.srv.Attempts() {
		if r.Refused != "" {
			t.Errorf("the server refused %q in #%s: %s", r.Text, r.Channel, r.Refused)
		}
		if r.Channel == channel {
			in = append(in, r)
		}
	}
	if len(in) != 4 {
		t.Fatalf("%d messages in #%s, want 4", len(in), channel)
	}
	for i := 1; i < len(in); i++ {
		if gap := in[i].Time.Sub(in[i-1].Time); gap < slow*time.Second {
			t.Errorf("messages %d and %d arrived %v apart in a %d s slow mode", i-1, i, gap, slow)
		}
	}
}

// TestRateLimitRetry has Twitch refuse replies as too fast: the bot backs
// off and sends the message again, once.
func TestRateLimitRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) { s.Premoderate = false }})
	attempts := func(text string) (accepted, refused int) {
		for _, r := range e.srv.Attempts() {
			if r.Text != text {
				continue
			}
			if r.Refused == "msg_ratelimit" {
				refused++
			} else if r.Refused == "" {
				accepted++
			}
		}
		return accepted, refused
	}
	e.srv.Refuse(channel, "msg_ratelimit", 1)
	e.play(t, line{tribunetest.ChatViewer(1), "!q Will the tram run at night?", "@Viewer1 #1"})
	if a, r := attempts("@Viewer1 #1"); a != 1 || r != 1 {
		t.Errorf("accepted %d, refused %d; want 1 and 1", a, r)
	}
	if s := e.client.Stats(); s.Refused != 1 || s.Retries != 1 || s.Dropped != 0 {
		t.Errorf("Stats %+v, want 1 refused, 1 retry, nothing dropped", s)
	}

	// Refused twice: given up after one retry.
	e.srv.Refuse(channel, "msg_ratelimit", 2)
	e.say(t, tribunetest.ChatViewer(2), "!q Will the bridge reopen this year?")
	tribunetest.Eventually(t, tribunetest.WaitLimit, "the reply given up", func() bool { return e.client.Stats().Dropped == 1 })
	// The next reply gets through after the backoff, and retries come
	// first: a third attempt would be before it.
	e.play(t, line{tribunetest.ChatViewer(3), "!q Will the market move downtown?", "@Viewer3 #3"})
	if a, r := attempts("@Viewer2 #2"); a != 0 || r != 2 {
		t.Errorf("accepted %d, refused %d; want 0 and 2", a, r)
	}
	if s := e.client.Stats(); s.Refused != 3 || s.Retries != 2 {
		t.Errorf("Stats %+v, want 3 refused, 2 retries", s)
	}
}

// TestFloodOfVotes floods a channel where the bot is not a moderator with
// votes: the reply to a new question goes first, and the acknowledgements
// that cannot keep up are counted in a summary; every vote is
// acknowledged once.
func TestFloodOfVotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{service: func(s *tribune.Service) { s.Premoderate = false }})
	q := openQuestion(t, e, "Will the stadium be renovated?")
	const voters = 300
	msgs := make([]twitchfake.Message, voters)
	for i := range msgs {
		msgs[i] = twitchfake.Message{User: tribunetest.ChatViewer(i), Text: fmt.Sprintf("!vote %d", q.ID)}
	}
	e.srv.SayAll(channel, msgs)
	e.sent.Add(voters)
	e.settle(t)
	asker := tribunetest.ChatViewer(1000)
	e.say(t, asker, "!q Will the stadium get solar panels?")
	e.settle(t)
	// The reply is queued: it leaves in the next message composed (the
	// server may not have received the one composed just before).
	sentBefore := len(e.srv.Attempts())
	r := e.waitReply(t, "@Viewer1000 #2")
	if !strings.HasPrefix(r, "@Viewer1000 #2") {
		t.Errorf("the question's reply is in %q, want it first", r)
	}
	all := e.srv.Replies()
	at := slices.IndexFunc(all, func(x twitchfake.Reply) bool { return x.Text == r })
	if at > sentBefore+1 {
		t.Errorf("the question's reply is message %d, %d messages after it was queued; want the next one", at, at-sentBefore)
	}
	var acked, summed, summaries int
	tribunetest.Eventually(t, tribunetest.WaitLimit, "every vote acknowledged", func() bool {
		acked, summed, summaries = 0, 0, 0
		for _, x := range e.srv.Replies() {
			if c := summaryCounts(t, x.Text); c != nil {
				summaries++
				summed += c[q.ID]
			}
			acked += strings.Count(x.Text, fmt.Sprintf("voted #%d", q.ID))
		}
		return acked+summed == voters
	})
	t.Logf("%d votes: %d acknowledged one by one, %d in %d summaries", voters, acked, summed, summaries)
	if summaries != 1 || summed == 0 {
		t.Errorf("%d summaries counting %d votes, want one", summaries, summed)
	}
	if s := e.client.Stats(); s.Folded != uint64(summed) || s.Summaries != 1 || s.Dropped != 0 {
		t.Errorf("Stats %+v, want Folded %d, 1 summary, nothing dropped", s, summed)
	}
	checkSendLimits(t, e.srv.Replies(), bot.UserLimit)
}

// TestReplyTooOld runs the bot on the test's clock: a reply held back by
// the send limits for more than 15 s is dropped, not sent late.
func TestReplyTooOld(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clientClock: true, service: func(s *tribune.Service) { s.Premoderate = false }})
	e.play(t, line{tribunetest.ChatViewer(1), "!q Will the tram run at night?", "@Viewer1 #1"})
	// The clock stands still: the next message must wait the user's gap
	// between two messages, for ever.
	e.say(t, tribunetest.ChatViewer(2), "!q Will the bridge reopen this year?")
	e.settle(t)
	e.clock.Add(bot.DefaultMaxReplyAge + time.Second)
	tribunetest.Eventually(t, tribunetest.WaitLimit, "the old reply dropped", func() bool { return e.client.Stats().Dropped == 1 })
	e.play(t, line{tribunetest.ChatViewer(3), "!q Will the market move downtown?", "@Viewer3 #3"})
	for _, r := range e.srv.Attempts() {
		if strings.Contains(r.Text, "@Viewer2") {
			t.Errorf("the old reply was sent: %q", r.Text)
		}
	}
}

// TestHostileStoredText serves !top from questions as a corrupted or
// hostile store could hold them: what reaches the socket is one IRC line
// per message, with no CR, LF or NUL, no bidi control, no banned word,
// and never a command.
func TestHostileStoredText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) {
		s.Premoderate = false
		s.Words = match.NewWords("idiot")
		ctx := context.Background()
		sess, err := s.Store.OpenSession(ctx, s.Channel, "", s.Now())
		if err != nil {
			t.Fatal(err)
		}
		var changes []tribune.Change
		for i, text := range []string{
			"Parks\r\nPRIVMSG #other :pwned\x00",
			"Why is the mayor an \u202Eidiot\u202C?",
			"\r\nJOIN #elsewhere",
		} {
			changes = append(changes, tribune.Change{Kind: tribune.PutQuestion, Question: tribune.Question{
				ID: i + 1, SessionID: sess.ID, Text: text, Author: "x", AuthorLogin: "x", AuthorID: fmt.Sprint(10 + i),
				Source: tribune.SourceTwitch, Created: s.Now(), Status: tribune.StatusApproved, Votes: 5 - i,
			}})
		}
		if err := s.Store.Apply(ctx, changes); err != nil {
			t.Fatal(err)
		}
	}})
	if n := len(tribunetest.Questions(t, e.svc, tribune.StatusApproved)); n != 3 {
		t.Fatalf("%d stored questions loaded, want 3", n)
	}
	evil := twitchfake.User{ID: "66", Login: "evil", DisplayName: "Evil\r\nJOIN #x"}
	e.play(t, line{evil, "!top", ""})
	top := e.waitNotice(t, "@evil Top questions:")
	if want := "@evil Top questions: #1 (5) Parks PRIVMSG #other :pwned | #2 (4) | #3 (3) JOIN #elsewhere"; top != want {
		t.Errorf("top=%q\nwant %q", top, want)
	}
	e.play(t, line{tribunetest.ChatViewer(1), "!vote 1.5", "@Viewer1 usage: !vote N (a question number)"})
	if q, _ := e.svc.Get(1); q.Votes != 5 {
		t.Errorf("Votes=%d after !vote 1.5, want 5", q.Votes)
	}
	privmsgs := 0
	for _, l := range e.srv.Received() {
		if strings.ContainsAny(l, "\r\n\x00\u202E\u202C") || strings.Contains(strings.ToLower(l), "idiot") {
			t.Errorf("line %q reached the socket", l)
		}
		cmd, rest, _ := strings.Cut(l, " ")
		if strings.HasPrefix(cmd, "@") {
			cmd, rest, _ = strings.Cut(rest, " ")
		}
		switch cmd {
		case "CAP", "NICK", "JOIN", "PART", "PING", "PONG":
			if cmd == "JOIN" && rest != "#"+channel {
				t.Errorf("the bot sent %q", l)
			}
		case "PRIVMSG":
			privmsgs++
			target, text, _ := strings.Cut(rest, " ")
			if target != "#"+channel || strings.HasPrefix(text, ":/") || strings.HasPrefix(text, ":.") {
				t.Errorf("the bot sent %q", l)
			}
		default:
			t.Errorf("the bot sent %q", l)
		}
	}
	if s := e.client.Stats(); uint64(privmsgs) != s.Replies {
		t.Errorf("%d PRIVMSG lines for %d messages sent", privmsgs, s.Replies)
	}
}
