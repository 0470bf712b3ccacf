package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/match"
)

// line is one chat line and the reply part it must get.
type line struct {
	from twitchfake.User
	text string
	want string // reply part; "" for none
}

// play sends lines, then waits for every expected reply. The lines of one
// step come from different viewers, so their order between viewers does
// not matter; each viewer's own lines are applied in order.
func (e *env) play(t *testing.T, lines ...line) {
	t.Helper()
	for _, l := range lines {
		e.say(t, l.from, l.text)
	}
	for _, l := range lines {
		if l.want != "" {
			e.waitReply(t, l.want)
		}
	}
}

// TestCommands plays every command of the design and every refusal through
// the real go-twitch-irc client and the fake server, and reads the bot's
// replies back from the server.
func TestCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, service: func(s *tribune.Service) {
		s.Premoderate = false
		s.ReportThreshold = 2
		s.RateInterval = 30 * time.Second
		s.SessionCap = 2
		s.Words = match.NewWords("idiot")
	}})
	ctx := context.Background()
	var (
		alice    = twitchfake.User{ID: "101", Login: "alice", DisplayName: "Alice"}
		bob      = twitchfake.User{ID: "102", Login: "bob", DisplayName: "bob"}
		carol    = twitchfake.User{ID: "103", Login: "carol", DisplayName: "Carol"}
		dave     = twitchfake.User{ID: "104", Login: "dave", DisplayName: "Dave"}
		erin     = twitchfake.User{ID: "105", Login: "erin", DisplayName: "Erin", FirstMessage: true}
		eve      = twitchfake.User{ID: "106", Login: "eve", DisplayName: "Eve"}
		frank    = twitchfake.User{ID: "107", Login: "frank", DisplayName: "Frank"}
		mallory  = twitchfake.User{ID: "108", Login: "mallory", DisplayName: "Mallory"}
		streamer = twitchfake.User{ID: twitchfake.RoomID(channel), Login: channel, DisplayName: "TownHall", Broadcaster: true}
		// A viewer whose display name is not their login is addressed by login.
		kenji = twitchfake.User{ID: "109", Login: "kenji_t", DisplayName: "健二"}
	)

	t.Run("Ask", func(t *testing.T) {
		// One at a time: question numbers follow the order of arrival.
		e.play(t, line{alice, "!q What will you do about rising rents in the city?", "@Alice #1"})
		e.play(t, line{bob, "!question   Will the library open on Sundays?  \U000E0000", "@bob #2"})
		e.play(t, line{erin, "!ASK When will the new tram line be finished?", "@Erin #3 (awaiting review)"})
		e.play(t, line{host, "!q Will taxes go up in 2027?", "@Host #4"})
		e.play(t, line{kenji, "!q Where will the new school be built?", "@kenji_t #5"})
	})
	t.Run("AskRefused", func(t *testing.T) {
		e.play(t,
			line{dave, "!q", "@Dave usage: !q your question"},
			line{frank, "!q " + strings.Repeat("x", tribune.MaxQuestionRunes+1), "@Frank too long: 300 characters at most"},
			line{eve, "!q Why is the mayor such an IDIOT?", "@Eve question refused: it contains a banned word"},
			line{alice, "!q Another question from Alice, too soon", "@Alice please wait 30 s before asking again"},
		)
	})
	t.Run("Duplicate", func(t *testing.T) {
		e.play(t, line{carol, "!q What are you going to do about rising rents in our city??", "@Carol voted #1 (already asked)"})
		e.play(t, line{alice, "!q what will you do about RISING RENTS in the city", "@Alice #1 already asked"})
		e.play(t, line{dave, "!q When is the new tram line going to be finished?", "@Dave #3 already asked (awaiting review): vote added"})
	})
	t.Run("Vote", func(t *testing.T) {
		e.play(t,
			line{bob, "!vote #1", "@bob voted #1"},
			line{eve, "!up 4", "@Eve voted #4"},
			line{frank, "!+1 4 \U000E0000", "@Frank voted #4"},
			line{streamer, "!VOTE   5", "@TownHall voted #5"},
		)
	})
	// A viewer hears of one refusal per 30 s at most: each step below
	// starts 31 s later, so that its refusals are told.
	t.Run("VoteRefused", func(t *testing.T) {
		e.clock.Add(31 * time.Second)
		e.play(t,
			line{bob, "!vote 1", "@bob already voted #1"},
			line{eve, "!vote 3", "@Eve #3 is not open for votes"},
			line{frank, "!vote 99", "@Frank no question #99"},
			line{carol, "!vote", "@Carol usage: !vote N (a question number)"},
			line{dave, "!up seven", "@Dave usage: !vote N (a question number)"},
		)
	})
	t.Run("Unvote", func(t *testing.T) {
		e.clock.Add(31 * time.Second)
		e.play(t,
			line{carol, "!unvote 1", "@Carol vote removed from #1"},
			line{dave, "!unvote #1", "@Dave no vote of yours on #1"},
			line{eve, "!unvote 42", "@Eve no question #42"},
		)
	})
	t.Run("Withdraw", func(t *testing.T) {
		e.clock.Add(31 * time.Second)
		e.play(t, line{alice, "!withdraw 2", "@Alice #2 is not your question"})
		e.play(t, line{bob, "!withdraw 2", "@bob #2 withdrawn"})
		e.play(t, line{bob, "!withdraw #2", "@bob #2 can no longer be withdrawn"})
		e.play(t, line{carol, "!withdraw 77", "@Carol no question #77"})
	})
	t.Run("Report", func(t *testing.T) {
		e.clock.Add(31 * time.Second)
		e.play(t, line{frank, "!report 1", "@Frank report on #1 noted"})
		e.play(t, line{frank, "!report #1", "@Frank already reported #1"})
		e.play(t, line{eve, "!report 1", "@Eve report on #1 noted"})
		// Two reporters reach the threshold: #1 is hidden for review.
		if q, _ := e.svc.Get(1); q.Status != tribune.StatusHidden {
			t.Errorf("Status=%s, want hidden", q.Status)
		}
		e.play(t,
			line{dave, "!vote 1", "@Dave #1 is not open for votes"},
			line{carol, "!report 2", "@Carol #2 is not open for votes"},
		)
	})
	t.Run("Limits", func(t *testing.T) {
		e.clock.Add(31 * time.Second)
		e.play(t, line{alice, "!q Will the pool reopen in June?", "@Alice #6"})
		e.clock.Add(31 * time.Second)
		e.play(t, line{alice, "!q Will the pool reopen in July?", "@Alice you reached the limit of 2 questions"})
		// Moderators and the broadcaster bypass the limits.
		e.play(t, line{host, "!q Is the budget for parks going up in 2027?", "@Host #7"})
		e.play(t, line{streamer, "!q Who will chair the youth council?", "@TownHall #8"})
	})
	t.Run("Banned", func(t *testing.T) {
		if _, err := e.svc.Ban(ctx, "mallory"); err != nil {
			t.Fatal(err)
		}
		silenced := e.client.Stats().Silenced
		e.play(t, line{mallory, "!vote 4", "@Mallory you cannot use Tribune commands here"})
		e.play(t,
			line{mallory, "!q Let me in", ""},
			line{mallory, "!report 4", ""},
		)
		e.settle(t)
		// A banned viewer is told once, then ignored.
		n := 0
		for _, r := range e.srv.Replies() {
			n += strings.Count(r.Text, "@Mallory")
		}
		if n != 1 {
			t.Errorf("%d replies to the banned viewer, want 1", n)
		}
		if s := e.client.Stats().Silenced - silenced; s != 2 {
			t.Errorf("Silenced=%d, want the 2 refusals not told", s)
		}
		if q, _ := e.svc.Get(4); q.Votes != 3 || q.Reports != 0 {
			t.Errorf("#4 Votes=%d Reports=%d, want 3 and 0: a banned viewer changes nothing", q.Votes, q.Reports)
		}
	})
	t.Run("Top", func(t *testing.T) {
		e.play(t,
			line{dave, "hello everyone", ""},
			line{carol, "! vote 4", ""},
			line{eve, "vote 4", ""},
			line{frank, "!TOP", ""},
		)
		// The top list names whoever asked for it.
		top := e.waitNotice(t, "@Frank Top questions:")
		if !strings.HasPrefix(top, "@Frank Top questions: #4 (3) Will taxes go up in 2027? | #5 (2) Where will the new school be built? | ") {
			t.Errorf("top=%q, want #4 then #5 first", top)
		}
	})
	t.Run("Help", func(t *testing.T) {
		e.play(t, line{bob, "!qhelp", ""})
		e.waitNotice(t, "@bob Tribune: !q QUESTION to ask · !vote N · !unvote N · !top · !withdraw N · !report N")
	})

	for _, r := range e.srv.Replies() {
		if n := utf8.RuneCountInString(r.Text); n > bot.MaxMessageRunes {
			t.Errorf("reply of %d characters: %q", n, r.Text)
		}
		if r.Channel != channel {
			t.Errorf("reply sent to #%s, want #%s", r.Channel, channel)
		}
	}
	if got, want := e.client.Stats().Ignored, uint64(0); got != want {
		t.Errorf("Ignored=%d, want %d", got, want)
	}
}

func TestFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{moderator: true, client: func(c *bot.Client) { c.Lang = "fr" }, service: func(s *tribune.Service) {
		s.Premoderate = true
	}})
	a := twitchfake.User{ID: "201", Login: "amelie", DisplayName: "Amelie"}
	b := twitchfake.User{ID: "202", Login: "benoit", DisplayName: "Benoit"}
	e.play(t,
		line{a, "!q Quand la piscine municipale va-t-elle rouvrir ?", "@Amelie n°1 (en attente de modération)"},
		line{b, "!vote 9", "@Benoit pas de question n°9"},
	)
	e.play(t, line{b, "!q La piscine municipale va rouvrir quand ?", "@Benoit n°1 déjà posée (en attente de modération) : vote ajouté"})
	e.play(t, line{b, "!top", ""})
	e.waitNotice(t, "@Benoit Aucune question ouverte pour l'instant.")
}

// TestAnonymous runs the bot without credentials: it joins as a justinfan
// user, collects questions and votes, and never sends a message.
func TestAnonymous(t *testing.T) {
	e := newEnv(t, envOptions{anonymous: true, service: func(s *tribune.Service) { s.Premoderate = false }})
	e.waitHealth(t, bot.HealthAnonymous)
	e.say(t, tribunetest.ChatViewer(1), "!q Will the bridge reopen this year?")
	e.settle(t)
	for i := 2; i <= 10; i++ {
		e.say(t, tribunetest.ChatViewer(i), "!vote 1")
	}
	e.say(t, tribunetest.ChatViewer(2), "!top")
	e.say(t, tribunetest.ChatViewer(3), "!qhelp")
	e.say(t, tribunetest.ChatViewer(4), "!vote 99")
	e.settle(t)
	if q, err := e.svc.Get(1); err != nil || q.Votes != 10 || q.Text != "Will the bridge reopen this year?" {
		t.Errorf("Get(1)=%+v, %v; want the question with 10 votes", q, err)
	}
	if r := e.srv.Replies(); len(r) != 0 {
		t.Errorf("anonymous bot sent %d messages: %q", len(r), replyTexts(e.srv))
	}
}

// TestLoginFailed checks that a refused login is shown in the health state
// and does not stop the bot.
func TestLoginFailed(t *testing.T) {
	e := newEnv(t, envOptions{noWait: true, server: func(s *twitchfake.Server) { s.RejectLogin(true) }})
	e.waitHealth(t, bot.HealthAuthFailed)
	if !strings.Contains(e.logs.String(), "login authentication failed") {
		t.Errorf("log does not say why: %s", e.logs.String())
	}
}

// flakyStore refuses writes while fail is set, as a full disk would.
type flakyStore struct {
	tribune.Store
	fail atomic.Bool
}

func (s *flakyStore) Apply(ctx context.Context, changes []tribune.Change) error {
	if s.fail.Load() {
		return errors.New("disk full")
	}
	return s.Store.Apply(ctx, changes)
}

// TestStorageRefused checks the reply when storage refuses a change: the
// viewer is told it was not saved, and the bot goes on.
func TestStorageRefused(t *testing.T) {
	t.Parallel()
	fs := &flakyStore{}
	e := newEnv(t, envOptions{service: func(s *tribune.Service) {
		s.Premoderate = false
		fs.Store = s.Store
		s.Store = fs
	}})
	q := openQuestion(t, e, "Will the canal be dredged?")
	fs.fail.Store(true)
	e.play(t, line{tribunetest.ChatViewer(1), fmt.Sprintf("!vote %d", q.ID), "@Viewer1 sorry: not saved; try again in a moment"})
	fs.fail.Store(false)
	e.play(t, line{tribunetest.ChatViewer(1), fmt.Sprintf("!vote %d", q.ID), "@Viewer1 voted #1"})
	if got, _ := e.svc.Get(q.ID); got.Votes != 2 {
		t.Errorf("Votes=%d, want 2", got.Votes)
	}
}
