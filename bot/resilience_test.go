package bot_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

func openQuestion(t testing.TB, e *env, text string) tribune.Question {
	t.Helper()
	res, err := e.svc.Ask(context.Background(), tribune.Actor{Login: host.Login, UserID: host.ID, Moderator: true}, text)
	if err != nil {
		t.Fatalf("Ask: %v", err)
	}
	return res.Question
}

// TestDropMidMeeting drops the connection in the middle of a meeting: the
// bot reconnects, rejoins, says so in its health and log, and no command
// sent after the rejoin is lost.
func TestDropMidMeeting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) { s.Premoderate = false }})
	e.waitHealth(t, bot.HealthConnected)
	q := openQuestion(t, e, "Will the tram run at night?")
	for i := range 100 {
		e.say(t, tribunetest.ChatViewer(i), fmt.Sprintf("!vote %d", q.ID))
	}
	e.settle(t)
	waitAcked(t, e, q.ID, 100)

	e.srv.Drop()
	seen := e.waitHealth(t, bot.HealthConnected)
	if !slices.Contains(seen, bot.HealthReconnecting) {
		t.Errorf("health went %q after the drop, want %q before %q", seen, bot.HealthReconnecting, bot.HealthConnected)
	}
	e.waitJoined(t)
	if !strings.Contains(e.logs.String(), "reconnected") {
		t.Errorf("the log does not mention the reconnection:\n%s", e.logs.String())
	}

	// Every viewer votes after the rejoin, the first hundred again.
	for i := range 300 {
		e.say(t, tribunetest.ChatViewer(i), fmt.Sprintf("!vote #%d", q.ID))
	}
	e.settle(t)
	if got, _ := e.svc.Get(q.ID); got.Votes != 301 {
		t.Errorf("Votes=%d, want 301 (the host and 300 viewers)", got.Votes)
	}
	waitAcked(t, e, q.ID, 300)
	e.waitReply(t, "@Viewer0 already voted #1")
	if s := e.client.Stats(); s.Connects != 2 {
		t.Errorf("Connects=%d, want 2", s.Connects)
	}
}

// TestReconnectRequest sends Twitch's RECONNECT: the bot reconnects and
// rejoins, and commands keep working.
func TestReconnectRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{service: func(s *tribune.Service) { s.Premoderate = false }})
	q := openQuestion(t, e, "Will the market move downtown?")
	if n := e.srv.Reconnect(); n != 1 {
		t.Fatalf("RECONNECT reached %d connections, want 1", n)
	}
	e.waitHealth(t, bot.HealthReconnecting)
	e.waitHealth(t, bot.HealthConnected)
	tribunetest.Eventually(t, tribunetest.WaitLimit, "a single joined connection", func() bool { return e.srv.Connections() == 1 && e.srv.Joined(channel) })
	for i := range 50 {
		e.say(t, tribunetest.ChatViewer(i), fmt.Sprintf("!vote %d", q.ID))
	}
	e.settle(t)
	if got, _ := e.svc.Get(q.ID); got.Votes != 51 {
		t.Errorf("Votes=%d, want 51", got.Votes)
	}
}

// TestMalformedLines sends lines that make go-twitch-irc's parser panic:
// the bot recovers, reconnects, and the meeting goes on.
func TestMalformedLines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{service: func(s *tribune.Service) { s.Premoderate = false }})
	q := openQuestion(t, e, "Will the harbour be cleaned?")
	bad := []string{
		"PRIVMSG",               // no parameters
		":tmi.twitch.tv NOTICE", // no parameters
		"@badges=broken;user-id=1;room-id=2 :x!x@x.tmi.twitch.tv PRIVMSG #" + channel + " :!vote 1", // a badge without '/'
	}
	for i, line := range bad {
		t.Run(fmt.Sprintf("Line%d", i), func(t *testing.T) {
			panics := e.client.Stats().Panics
			connects := e.client.Stats().Connects
			e.srv.SendRaw(line)
			tribunetest.Eventually(t, tribunetest.WaitLimit, "the panic to be recovered", func() bool { return e.client.Stats().Panics == panics+1 })
			e.waitHealth(t, bot.HealthReconnecting)
			e.waitHealth(t, bot.HealthConnected)
			if c := e.client.Stats().Connects; c != connects+1 {
				t.Errorf("Connects=%d, want %d", c, connects+1)
			}
			e.say(t, tribunetest.ChatViewer(i), fmt.Sprintf("!vote %d", q.ID))
			e.settle(t)
			if got, _ := e.svc.Get(q.ID); got.Votes != i+2 {
				t.Errorf("Votes=%d, want %d", got.Votes, i+2)
			}
		})
	}
	// Lines that are odd but parse do no harm.
	for _, line := range []string{"", ":tmi.twitch.tv", "@", "PING", ":tmi.twitch.tv 421 tribunebot WHO :Unknown command", "\xff\xfe"} {
		e.srv.SendRaw(line)
	}
	e.say(t, tribunetest.ChatViewer(10), fmt.Sprintf("!vote %d", q.ID))
	e.settle(t)
	if s := e.client.Stats(); s.Panics != uint64(len(bad)) {
		t.Errorf("Panics=%d, want %d", s.Panics, len(bad))
	}
	if !strings.Contains(e.logs.String(), "panicked") {
		t.Error("the log does not mention the panic")
	}
}

// TestCrowdLoad fires 10 000 mixed lines from 2 000 simulated viewers —
// votes, repeated votes, unvotes, unknown numbers, malformed commands,
// chat, !top — and checks every question's vote count exactly, in memory
// and in the database.
func TestCrowdLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) { s.Premoderate = false }})
	const (
		viewers   = 2000
		lines     = 10000
		questions = 20
	)
	for i := 1; i <= questions; i++ {
		openQuestion(t, e, fmt.Sprintf("Question %d of the town hall about district %d?", i, i))
	}
	rng := rand.New(rand.NewPCG(42, 7))
	voters := make([]map[string]bool, questions+1) // question → voter ids
	for i := range voters {
		voters[i] = map[string]bool{}
	}
	msgs := make([]twitchfake.Message, 0, lines)
	commands := 0
	for range lines {
		u := tribunetest.ChatViewer(rng.IntN(viewers))
		id := 1 + rng.IntN(questions)
		var text string
		switch r := rng.IntN(100); {
		case r < 55:
			text = []string{"!vote %d", "!vote #%d", "!up %d", "!+1 %d", "!VOTE  %d \U000E0000"}[rng.IntN(5)]
			text = fmt.Sprintf(text, id)
			voters[id][u.ID] = true
		case r < 70:
			text = fmt.Sprintf("!unvote %d", id)
			delete(voters[id], u.ID)
		case r < 73:
			text = fmt.Sprintf("!vote %d", 500+id) // unknown
		case r < 75:
			text = "!vote please"
		case r < 77:
			text = "!top"
		default:
			text = []string{"hello", "lol", "great question", "! vote 3", "vote 3", "Kappa Kappa", "!voting"}[rng.IntN(7)]
		}
		if _, ok := chat.Parse(text); ok {
			commands++
		}
		msgs = append(msgs, twitchfake.Message{User: u, Text: text})
	}
	for i := 0; i < len(msgs); i += 500 {
		if n := e.srv.SayAll(channel, msgs[i:min(i+500, len(msgs))]); n != 1 {
			t.Fatalf("SayAll reached %d connections, want 1", n)
		}
	}
	e.waitApplied(t, uint64(commands))
	t.Logf("%d lines, %d commands: %+v", lines, commands, e.client.Stats())
	if s := e.client.Stats(); s.Lines != lines {
		t.Errorf("Lines=%d, want %d", s.Lines, lines)
	}

	sessionID := tribunetest.Session(t, e.svc).ID
	for id := 1; id <= questions; id++ {
		want := 1 + len(voters[id]) // the host's own vote
		if got, _ := e.svc.Get(id); got.Votes != want {
			t.Errorf("#%d Votes=%d, want %d", id, got.Votes, want)
		}
	}
	// What was acknowledged is in the database.
	st, err := e.db.LoadSession(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	stored := make([]int, questions+1)
	for _, v := range st.Votes {
		stored[v.QuestionID]++
	}
	for id := 1; id <= questions; id++ {
		if want := 1 + len(voters[id]); stored[id] != want {
			t.Errorf("#%d stored votes=%d, want %d", id, stored[id], want)
		}
	}
	checkSendLimits(t, e.srv.Replies(), bot.ModeratorLimit)
}

// TestBurstFolded has 500 viewers vote at once: their acknowledgements are
// folded into a few messages of at most 500 characters, and those that
// cannot leave within 5 s are counted in a summary: every vote is
// acknowledged once, none lost.
func TestBurstFolded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) { s.Premoderate = false },
		client: func(c *bot.Client) { c.Linger = bot.DefaultLinger }})
	q := openQuestion(t, e, "Will the stadium be renovated?")
	msgs := make([]twitchfake.Message, 500)
	for i := range msgs {
		msgs[i] = twitchfake.Message{User: tribunetest.ChatViewer(i), Text: fmt.Sprintf("!vote %d", q.ID)}
	}
	e.srv.SayAll(channel, msgs)
	e.waitApplied(t, 500)
	want := map[string]bool{}
	for i := range msgs {
		want[fmt.Sprintf("@Viewer%d voted #%d", i, q.ID)] = true
	}
	var acked, summed int
	tribunetest.Eventually(t, tribunetest.WaitLimit, "500 acknowledgements", func() bool {
		acked, summed = 0, 0
		seen := map[string]bool{}
		for _, r := range e.srv.Replies() {
			summed += summaryCounts(t, r.Text)[q.ID]
			for _, p := range strings.Split(r.Text, ", ") {
				if want[p] {
					if seen[p] {
						t.Fatalf("%q acknowledged twice", p)
					}
					seen[p] = true
					acked++
				}
			}
		}
		return acked+summed == len(want)
	})
	replies := e.srv.Replies()
	t.Logf("500 acknowledgements in %d messages: %d one by one, %d in summaries", len(replies), acked, summed)
	if len(replies) > 30 {
		t.Errorf("500 acknowledgements took %d messages, want at most 30", len(replies))
	}
	for _, r := range replies {
		if n := utf8.RuneCountInString(r.Text); n > bot.MaxMessageRunes {
			t.Errorf("message of %d characters", n)
		}
	}
	checkSendLimits(t, replies, bot.ModeratorLimit)
	if s := e.client.Stats(); s.Parts != uint64(acked) || s.Folded != uint64(summed) || s.Dropped != 0 || s.Replies != uint64(len(replies)) {
		t.Errorf("Stats %+v, want Parts %d, Folded %d, no drop, Replies %d", s, acked, summed, len(replies))
	}
}

// waitAcked waits until n votes for question id have been acknowledged,
// one by one ("@name voted #id") or counted in a summary.
func waitAcked(t testing.TB, e *env, id, n int) {
	t.Helper()
	ack := regexp.MustCompile(fmt.Sprintf(`^@\S+ voted #%d( \x{E0000})?$`, id))
	got := 0
	tribunetest.EventuallyEvery(t, tribunetest.WaitLimit, tribunetest.Poll, fmt.Sprintf("%d votes for #%d acknowledged", n, id), func() (bool, string) {
		got = 0
		for _, r := range e.srv.Replies() {
			got += summaryCounts(t, r.Text)[id]
			for _, p := range strings.Split(r.Text, ", ") {
				if ack.MatchString(p) {
					got++
				}
			}
		}
		return got >= n, fmt.Sprintf("%d acknowledged", got)
	})
	if got != n {
		t.Fatalf("%d votes for #%d acknowledged, want %d", got, id, n)
	}
}

// summaryCounts reads a summary message ("votes counted: #12 +40, #7
// +12") into votes by question; a message that is not a summary gives
// nothing.
func summaryCounts(t testing.TB, text string) map[int]int {
	t.Helper()
	rest, ok := strings.CutPrefix(text, "votes counted: ")
	if !ok {
		return nil
	}
	out := map[int]int{}
	for _, item := range strings.Split(rest, ", ") {
		var id, n int
		if _, err := fmt.Sscanf(item, "#%d +%d", &id, &n); err != nil {
			t.Fatalf("summary %q: item %q: %v", text, item, err)
		}
		out[id] += n
	}
	return out
}

// checkSendLimits fails if the server received more than limit messages
// within any 30 s.
func checkSendLimits(t *testing.T, replies []twitchfake.Reply, limit int) {
	t.Helper()
	j := 0
	for i := range replies {
		for replies[i].Time.Sub(replies[j].Time) >= bot.RateWindow {
			j++
		}
		if n := i - j + 1; n > limit {
			t.Fatalf("%d messages within 30 s, want at most %d", n, limit)
		}
	}
}

// TestStall has the server hang before it welcomes the bot: the bot gives
// up on the silent connection and connects again.
func TestStall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{noWait: true,
		server: func(s *twitchfake.Server) { s.Hold(true) },
		client: func(c *bot.Client) { c.StallTimeout = 200 * time.Millisecond }})
	tribunetest.Eventually(t, tribunetest.WaitLimit, "a stalled connection", func() bool { return e.client.Stats().Stalls > 0 })
	e.srv.Hold(false)
	e.waitHealth(t, bot.HealthConnected)
	q := openQuestion(t, e, "Will the ferry run in winter?")
	e.say(t, tribunetest.ChatViewer(1), fmt.Sprintf("!vote %d", q.ID))
	e.settle(t)
	if got, _ := e.svc.Get(q.ID); got.Votes != 2 {
		t.Errorf("Votes=%d, want 2", got.Votes)
	}
}
