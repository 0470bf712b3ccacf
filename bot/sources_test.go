package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// party is the second channel of a co-stream.
const party = "party"

// question returns the only question with text, failing if there is not
// exactly one.
func question(t testing.TB, e *env, text string) tribune.Question {
	t.Helper()
	var found []tribune.Question
	for _, q := range tribunetest.Questions(t, e.svc, "") {
		if q.Text == text {
			found = append(found, q)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d questions %q, want 1", len(found), text)
	}
	return found[0]
}

// count returns how many accepted replies of the server, in every
// channel, have want as a part, and the channels they went to.
func count(srv *twitchfake.Server, want string) (n int, channels []string) {
	for _, r := range srv.Replies() {
		for _, p := range strings.Split(r.Text, ", ") {
			if p == want || strings.HasPrefix(p, want+" ") {
				n++
				channels = append(channels, r.Channel)
			}
		}
	}
	return n, channels
}

// TestTwoChannels runs a co-stream: both channels feed one queue, each
// question records where it was asked, each reply goes to the channel the
// viewer typed in, and each channel has its health.
func TestTwoChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{channels: []string{channel, party}, service: func(s *tribune.Service) { s.Premoderate = false }})
	tribunetest.Eventually(t, tribunetest.WaitLimit, "both channels connected", func() bool {
		h := tribunetest.Health(e.svc)
		return h[bot.HealthComponent(channel)] == bot.HealthConnected && h[bot.HealthComponent(party)] == bot.HealthConnected &&
			h[tribune.HealthChat] == bot.HealthConnected
	})
	if got := e.client.Channels(); strings.Join(got, ",") != "townhall,party" {
		t.Errorf("Channels=%q", got)
	}
	ann, bob, cid := tribunetest.ChatViewer(1), tribunetest.ChatViewer(2), tribunetest.ChatViewer(3)
	e.sayIn(t, party, ann, "!q Will the party back the tram line?")
	r := e.waitReplyIn(t, party, "@Viewer1 #1")
	e.sayIn(t, channel, bob, "!q Will the town hall open on Sundays?")
	e.waitReplyIn(t, channel, "@Viewer2 #2")
	// One numbering: a vote typed in one channel counts for a question of
	// the other.
	e.sayIn(t, channel, cid, "!vote 1")
	e.waitReplyIn(t, channel, "@Viewer3 voted #1")
	e.sayIn(t, party, cid, "!top")
	top := e.waitReplyIn(t, party, "@Viewer3 Top questions: #1 (2) Will the party back the tram line?")
	e.settle(t)
	if q, _ := e.svc.Get(1); q.Channel != party || q.Votes != 2 {
		t.Errorf("#1 Channel=%q Votes=%d, want %q and 2", q.Channel, q.Votes, party)
	}
	if q, _ := e.svc.Get(2); q.Channel != channel {
		t.Errorf("#2 Channel=%q, want %q", q.Channel, channel)
	}
	for _, want := range []string{"@Viewer1 #1", "@Viewer2 #2", "@Viewer3 voted #1"} {
		if n, chs := count(e.srv, want); n != 1 {
			t.Errorf("%q sent %d times (%v), want once", want, n, chs)
		}
	}
	if r.Channel != party || top.Channel != party {
		t.Errorf("replies went to %q and %q, want %q", r.Channel, top.Channel, party)
	}
}

// sharedOrders are the ways the copies of one Shared Chat message may
// reach the bot: o is the original, m the mirror.
var sharedOrders = []struct {
	name  string
	order string
	text  string // distinct questions, which near-duplicate detection keeps apart
}{
	{"OriginalFirst", "om", "Will the tram run at night?"},
	{"MirrorFirst", "mo", "How many new schools are planned?"},
	{"MirrorOnly", "m", "Is the swimming pool reopening in June?"},
	{"Duplicated", "omom", "What about potholes on Main Street?"},
	{"MirrorsDuplicated", "mmo", "Who pays for the stadium renovation?"},
}

// TestSharedChat sends each command of a Shared Chat session in every
// order its copies may arrive: each original message makes one question
// or one vote, answered once, in the channel it was typed in; a mirror
// from a room Tribune does not join counts once too.
func TestSharedChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{channels: []string{channel, party}, service: func(s *tribune.Service) { s.Premoderate = false }})
	target := openQuestion(t, e, "Will the bus run on Sundays?")
	applied := uint64(0)
	send := func(t *testing.T, order string, u twitchfake.User, text string) string {
		t.Helper()
		orig, mirrors := e.srv.SharedLines(channel, u, text, party)
		for _, c := range order {
			if c == 'o' {
				e.srv.SendLines(channel, []string{orig})
			} else {
				e.srv.SendLines(party, mirrors)
			}
		}
		applied++
		return twitchfake.Tag(orig, "id")
	}
	for i, tt := range sharedOrders {
		t.Run(tt.name, func(t *testing.T) {
			asker, voter := tribunetest.ChatViewer(100+i), tribunetest.ChatViewer(200+i)
			text := tt.text
			id := send(t, tt.order, asker, "!q "+text)
			votes := target.Votes
			send(t, tt.order, voter, fmt.Sprintf("!vote %d", target.ID))
			e.waitApplied(t, applied)
			q := question(t, e, text)
			if q.Channel != channel {
				t.Errorf("Channel=%q, want %q, where it was typed", q.Channel, channel)
			}
			// The question keeps the original's id, which every copy carries.
			if got, err := e.db.QuestionByMessage(context.Background(), q.SessionID, tribune.SourceTwitch, id); err != nil || got != q.ID {
				t.Errorf("QuestionByMessage(original id)=%d, %v; want #%d", got, err, q.ID)
			}
			if got, _ := e.svc.Get(target.ID); got.Votes != votes+1 {
				t.Errorf("Votes=%d, want %d: one vote per original message", got.Votes, votes+1)
			}
			target.Votes = votes + 1
			e.waitReplyIn(t, channel, fmt.Sprintf("@%s #%d", asker.DisplayName, q.ID))
			e.waitReplyIn(t, channel, fmt.Sprintf("@%s voted #%d", voter.DisplayName, target.ID))
			for _, want := range []string{fmt.Sprintf("@%s #%d", asker.DisplayName, q.ID), fmt.Sprintf("@%s voted #%d", voter.DisplayName, target.ID)} {
				if n, chs := count(e.srv, want); n != 1 || chs[0] != channel {
					t.Errorf("%q sent %d times in %v, want once in #%s", want, n, chs, channel)
				}
			}
		})
	}
	t.Run("ForeignRoom", func(t *testing.T) {
		// A co-streamer's channel Tribune does not join: only its mirror
		// into #party arrives, once or twice.
		u := tribunetest.ChatViewer(300)
		_, mirrors := e.srv.SharedLines("otherparty", u, "!q Will the ferry run at night?", party)
		e.srv.SendLines(party, mirrors)
		e.srv.SendLines(party, mirrors)
		applied++
		e.waitApplied(t, applied)
		q := question(t, e, "Will the ferry run at night?")
		if q.Channel != party {
			t.Errorf("Channel=%q, want %q, where it arrived", q.Channel, party)
		}
		e.waitReplyIn(t, party, fmt.Sprintf("@Viewer300 #%d", q.ID))
		if n, _ := count(e.srv, fmt.Sprintf("@Viewer300 #%d", q.ID)); n != 1 {
			t.Errorf("reply sent %d times, want once", n)
		}
	})
	s := e.client.Stats()
	// Copies beyond the first: om 1, mo 1, m 0, omom 3, mmo 2, each for a
	// question and a vote; the foreign mirror twice.
	if want := uint64(2*(1+1+0+3+2) + 1); s.Duplicates != want {
		t.Errorf("Duplicates=%d, want %d", s.Duplicates, want)
	}
}

// TestSharedChatPrivileges checks how a mirror's badges count: the
// author's standing in the channel they typed in (source-badges) counts
// when that channel is one of the meeting's, never when it is another's.
func TestSharedChatPrivileges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{channels: []string{channel, party}, service: func(s *tribune.Service) { s.Premoderate = true }})
	mod := twitchfake.User{ID: "700", Login: "modann", DisplayName: "ModAnn", Moderator: true}
	owner := twitchfake.User{ID: twitchfake.RoomID(channel), Login: channel, DisplayName: "TownHall", Broadcaster: true}
	foreignMod := twitchfake.User{ID: "701", Login: "othermod", DisplayName: "OtherMod", Moderator: true}
	tests := []struct {
		name   string
		origin string
		u      twitchfake.User
		text   string
		want   tribune.Status
	}{
		{"OurModerator", channel, mod, "Will the market move downtown?", tribune.StatusApproved},
		{"OurBroadcaster", channel, owner, "Who chairs the youth council?", tribune.StatusApproved},
		{"ForeignModerator", "otherparty", foreignMod, "Will the other party join us?", tribune.StatusPending},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Only the mirror into #party: its own badges there are none.
			_, mirrors := e.srv.SharedLines(tt.origin, tt.u, "!q "+tt.text, party)
			e.srv.SendLines(party, mirrors)
			e.waitApplied(t, uint64(i+1))
			if q := question(t, e, tt.text); q.Status != tt.want {
				t.Errorf("Status=%s, want %s", q.Status, tt.want)
			}
		})
	}
}

// TestPlatformModeration obeys Twitch's moderators: a deleted message
// hides its question and takes it off air, a ban bans, a timeout hides the
// author's open questions; each is logged as done by twitch, and undone
// from the console.
func TestPlatformModeration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{channels: []string{channel, party}, service: func(s *tribune.Service) {
		s.Premoderate = false
		s.SessionCap = 10
	}})
	ctx := context.Background()
	lastLog := func(t *testing.T) tribune.LogEntry {
		t.Helper()
		log := e.svc.Log()
		if len(log) == 0 {
			t.Fatal("empty moderation log")
		}
		return log[len(log)-1]
	}
	undo := func(t *testing.T, action tribune.Action) {
		t.Helper()
		entry, err := e.svc.Undo(ctx)
		if err != nil || entry.Action != action || entry.Moderator != tribune.SourceTwitch {
			t.Fatalf("Undo=%+v, %v; want the %s by twitch undone", entry, err, action)
		}
	}
	// ask sends a question and, with no wait, what follows: the platform's
	// action must not overtake it. It returns the question and the id of
	// its message.
	ask := func(t *testing.T, u twitchfake.User, text string, then func(id string)) (tribune.Question, string) {
		t.Helper()
		line := e.srv.Line(channel, u, "!q "+text)
		id := twitchfake.Tag(line, "id")
		e.srv.SendLines(channel, []string{line})
		e.sent.Add(1)
		if then != nil {
			then(id)
		}
		e.settle(t)
		return question(t, e, text), id
	}
	// handled waits until the bot has handled n platform actions in all.
	handled := func(t *testing.T, n uint64) {
		t.Helper()
		tribunetest.Eventually(t, tribunetest.WaitLimit, fmt.Sprintf("%d platform actions", n), func() bool { return e.client.Stats().Platform == n })
	}

	t.Run("DeletedOnAir", func(t *testing.T) {
		u := tribunetest.ChatViewer(1)
		q, id := ask(t, u, "Will the pool reopen in June?", nil)
		if _, err := e.svc.Show(ctx, q.ID); err != nil {
			t.Fatal(err)
		}
		e.srv.Delete(channel, u.Login, id)
		handled(t, 1)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusHidden {
			t.Errorf("Status=%s, want hidden", got.Status)
		}
		if _, on := e.svc.OnAir(); on {
			t.Error("the deleted question is still on air")
		}
		if l := lastLog(t); l.Action != tribune.ActionDeleted || l.Moderator != "twitch" || l.Reason != "deleted on twitch" || l.QuestionID != q.ID {
			t.Errorf("log entry %+v, want the deletion by twitch", l)
		}
		undo(t, tribune.ActionDeleted)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusOnAir {
			t.Errorf("Status=%s after undo, want onair", got.Status)
		}
	})
	t.Run("DeletedAtOnce", func(t *testing.T) {
		// The deletion follows the question on the wire: it waits for it.
		u := tribunetest.ChatViewer(3)
		q, _ := ask(t, u, "Will the station get a lift?", func(id string) { e.srv.Delete(channel, u.Login, id) })
		handled(t, 2)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusHidden {
			t.Errorf("Status=%s, want hidden: the deletion came after the question", got.Status)
		}
		undo(t, tribune.ActionDeleted)
	})
	t.Run("DeletedMirror", func(t *testing.T) {
		// Shared Chat: the deletion names the mirror's id in #party.
		u := tribunetest.ChatViewer(4)
		orig, mirrors := e.srv.SharedLines(channel, u, "!q Will the park get lights?", party)
		e.srv.SendLines(channel, []string{orig})
		e.srv.SendLines(party, mirrors)
		e.sent.Add(1)
		e.settle(t)
		q := question(t, e, "Will the park get lights?")
		e.srv.Delete(party, u.Login, twitchfake.Tag(mirrors[0], "id"))
		handled(t, 3)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusHidden {
			t.Errorf("Status=%s, want hidden", got.Status)
		}
		undo(t, tribune.ActionDeleted)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusApproved {
			t.Errorf("Status=%s after undo, want approved", got.Status)
		}
	})
	t.Run("Ban", func(t *testing.T) {
		u := tribunetest.ChatViewer(5)
		q, _ := ask(t, u, "Why was the youth centre budget cut?", func(string) { e.srv.Ban(channel, u) })
		handled(t, 4)
		if !e.svc.Banned(tribune.Actor{Source: tribune.SourceTwitch, UserID: u.ID}) {
			t.Fatal("not banned")
		}
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusRejected {
			t.Errorf("Status=%s, want rejected: the ban came after the question", got.Status)
		}
		if l := lastLog(t); l.Action != tribune.ActionBan || l.Moderator != "twitch" || l.Ban == nil || l.Ban.UserID != u.ID || l.Ban.Login != u.Login {
			t.Errorf("log entry %+v, want the ban by twitch", l)
		}
		e.play(t, line{u, "!vote 1", "@Viewer5 you cannot use Tribune commands here"})
		undo(t, tribune.ActionBan)
		if e.svc.Banned(tribune.Actor{Source: tribune.SourceTwitch, UserID: u.ID, Login: u.Login}) {
			t.Error("still banned after undo")
		}
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusApproved {
			t.Errorf("Status=%s after undo, want approved", got.Status)
		}
		e.play(t, line{u, "!vote 1", "@Viewer5 voted #1"})
	})
	t.Run("Timeout", func(t *testing.T) {
		u := tribunetest.ChatViewer(6)
		q1, _ := ask(t, u, "Will the library open later?", nil)
		e.clock.Add(tribune.DefaultRateInterval + time.Second)
		q2, _ := ask(t, u, "Will the library hire more staff?", func(string) { e.srv.Timeout(channel, u, 10*time.Minute) })
		handled(t, 5)
		for _, id := range []int{q1.ID, q2.ID} {
			if got, _ := e.svc.Get(id); got.Status != tribune.StatusHidden {
				t.Errorf("#%d Status=%s, want hidden", id, got.Status)
			}
		}
		if l := lastLog(t); l.Action != tribune.ActionTimeout || l.Moderator != "twitch" || len(l.After) != 2 {
			t.Errorf("log entry %+v, want the timeout by twitch of 2 questions", l)
		}
		if e.svc.Banned(tribune.Actor{Source: tribune.SourceTwitch, UserID: u.ID}) {
			t.Error("a timeout banned the viewer")
		}
		undo(t, tribune.ActionTimeout)
		for _, id := range []int{q1.ID, q2.ID} {
			if got, _ := e.svc.Get(id); got.Status != tribune.StatusApproved {
				t.Errorf("#%d Status=%s after undo, want approved", id, got.Status)
			}
		}
	})
	t.Run("Nothing", func(t *testing.T) {
		// An unknown message, a viewer with nothing open, a cleared chat,
		// a malformed id, a second copy of a deletion: nothing changes
		// but the one deletion, and nothing is logged as a failure.
		before := len(e.svc.Log())
		u := tribunetest.ChatViewer(7)
		q, id := ask(t, u, "Will the bridge be painted?", nil)
		e.srv.Delete(channel, "nobody", "00000000-0000-4000-8000-00000000dead")
		e.srv.Timeout(channel, tribunetest.ChatViewer(99), time.Minute)
		e.srv.ClearChat(channel)
		e.srv.Delete(channel, "x", "not an id; with spaces")
		e.srv.Delete(channel, u.Login, id)
		e.srv.Delete(channel, u.Login, id)
		handled(t, 9)
		if got, _ := e.svc.Get(q.ID); got.Status != tribune.StatusHidden {
			t.Errorf("Status=%s, want hidden", got.Status)
		}
		if n := len(e.svc.Log()); n != before+1 {
			t.Errorf("%d log entries added, want 1: %+v", n-before, e.svc.Log()[before:])
		}
		if strings.Contains(e.logs.String(), "platform moderation failed") {
			t.Errorf("an ordinary case was logged as a failure:\n%s", e.logs.String())
		}
	})
}
