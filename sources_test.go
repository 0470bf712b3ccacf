package tribune_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
)

// youtuber returns a YouTube viewer; ids are channel ids, names are not
// identities.
func youtuber(id, name string) tribune.Actor {
	return tribune.Actor{Source: tribune.SourceYouTube, UserID: id, DisplayName: name, Channel: "dQw4w9WgXcQ"}
}

func TestIdentityIsSourceAndUserID(t *testing.T) {
	f := newFixture(t, openModeration)
	q := f.ask(t, viewer(1), "Will the trams run at night?")

	// The same user id on two platforms is two viewers.
	same := tribune.Actor{Source: tribune.SourceYouTube, UserID: viewer(2).UserID, DisplayName: "Two on YouTube"}
	if _, err := f.svc.Vote(ctx, viewer(2), q.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Vote(ctx, same, q.ID)
	if err != nil {
		t.Fatalf("a YouTube viewer with a Twitch viewer's id: %v", err)
	}
	if got.Votes != 3 {
		t.Errorf("Votes=%d, want 3: author, Twitch viewer, YouTube viewer", got.Votes)
	}
	// One YouTube channel under two display names is one viewer.
	if _, err := f.svc.Vote(ctx, youtuber(viewer(2).UserID, "Renamed"), q.ID); tribune.ErrorReason(err) != tribune.ReasonAlreadyVoted {
		t.Errorf("the same channel under another name voted again: %v", err)
	}

	// Limits are per identity: a YouTube viewer is not held by the Twitch
	// viewer of the same id who just asked.
	if _, err := f.svc.Ask(ctx, viewer(3), "What about night buses?"); err != nil {
		t.Fatal(err)
	}
	yt := youtuber(viewer(3).UserID, "Three")
	res, err := f.svc.Ask(ctx, yt, "Can the library open on Sundays?")
	if err != nil {
		t.Fatalf("a YouTube viewer is rate limited by a Twitch viewer: %v", err)
	}
	if res.Question.Source != tribune.SourceYouTube || res.Question.Channel != "dQw4w9WgXcQ" {
		t.Errorf("Source=%q Channel=%q, want youtube and the video", res.Question.Source, res.Question.Channel)
	}
	if _, err := f.svc.Ask(ctx, yt, "And on Saturdays?"); tribune.ErrorReason(err) != tribune.ReasonTooFast {
		t.Errorf("second question within the interval: %v, want too fast", err)
	}

	// Votes survive a restart with their sources.
	f.restart(t, openModeration)
	if _, err := f.svc.Vote(ctx, same, q.ID); tribune.ErrorReason(err) != tribune.ReasonAlreadyVoted {
		t.Errorf("after a restart the YouTube vote is forgotten: %v", err)
	}
	if _, err := f.svc.Unvote(ctx, same, q.ID); err != nil {
		t.Errorf("Unvote of the YouTube vote: %v", err)
	}
	if got := f.get(t, q.ID); got.Votes != 2 {
		t.Errorf("Votes=%d after the YouTube unvote, want 2", got.Votes)
	}
}

func TestBanTargets(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, tribune.Actor{Login: "troll", DisplayName: "Troll", UserID: "555", Source: tribune.SourceTwitch}, "lol nope")
	yt := f.ask(t, youtuber("UCabcdefghijklmnopqrstuv", "Spammer"), "buy my stuff")
	web := f.ask(t, tribune.Actor{Source: tribune.SourceWeb, UserID: "9f86d081884c7d659a2feaa0c55ad015", DisplayName: "anon"}, "first!!!")

	for _, bad := range []string{"", "  ", "a b", "nul\x00", "semi;colon", strings.Repeat("a", 26), "mastodon:123", "youtube:", "youtube:has space", "web:" + strings.Repeat("f", 65)} {
		if _, err := f.svc.Ban(ctx, bad); tribune.ErrorCode(err) != tribune.EINVALID {
			t.Errorf("Ban(%q): %v, want invalid", bad, err)
		}
	}
	if n := len(f.svc.Log()); n != 0 {
		t.Fatalf("refused bans wrote %d log entries", n)
	}

	// A Twitch login; the ban learns the user id from the question.
	b, err := f.svc.Ban(ctx, "@Troll")
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != tribune.SourceTwitch || b.Login != "troll" || b.UserID != "555" || b.Target() != "troll" {
		t.Errorf("ban = %+v, want twitch troll with user id 555", b)
	}
	// A renamed account is still banned: the id holds.
	if _, err := f.svc.Vote(ctx, tribune.Actor{Login: "troll_v2", UserID: "555", Source: tribune.SourceTwitch}, yt.ID); tribune.ErrorReason(err) != tribune.ReasonBanned {
		t.Errorf("renamed banned account voted: %v", err)
	}
	// Other platforms by source:id, as tribune.BanTarget names them.
	for _, q := range []tribune.Question{yt, web} {
		target := tribune.BanTarget(q)
		if !strings.HasPrefix(target, q.Source+":") {
			t.Errorf("BanTarget(%s question) = %q", q.Source, target)
		}
		if _, err := f.svc.Ban(ctx, target); err != nil {
			t.Fatalf("Ban(%q): %v", target, err)
		}
		if got := f.get(t, q.ID); got.Status != tribune.StatusRejected {
			t.Errorf("#%d is %s after its author's ban, want rejected", q.ID, got.Status)
		}
	}
	if _, err := f.svc.Ask(ctx, youtuber("UCabcdefghijklmnopqrstuv", "New name"), "again"); tribune.ErrorReason(err) != tribune.ReasonBanned {
		t.Errorf("banned YouTube channel asked: %v", err)
	}
	// The same id on Twitch is someone else.
	if _, err := f.svc.Ask(ctx, tribune.Actor{Login: "someone", UserID: "UCabcdefghijklmnopqrstuv", Source: tribune.SourceTwitch}, "a fair question?"); err != nil {
		t.Errorf("a Twitch viewer is banned by a YouTube ban: %v", err)
	}
	if _, err := f.svc.Ban(ctx, tribune.BanTarget(yt)); tribune.ErrorCode(err) != tribune.ECONFLICT {
		t.Errorf("second ban: %v, want conflict", err)
	}

	// Bans survive a restart, and undo lifts the last one.
	f.restart(t, openModeration)
	if !f.svc.Banned(tribune.Actor{UserID: "555", Source: tribune.SourceTwitch}) || !f.svc.Banned(tribune.Actor{Login: "troll", Source: tribune.SourceTwitch}) {
		t.Error("the Twitch ban is lost after a restart")
	}
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	webViewer := tribune.Actor{Source: tribune.SourceWeb, UserID: web.AuthorID}
	if f.svc.Banned(webViewer) || f.get(t, web.ID).Status != tribune.StatusApproved {
		t.Errorf("undo of the web ban: banned=%v status=%s", f.svc.Banned(webViewer), f.get(t, web.ID).Status)
	}
}

func TestDeleteMessage(t *testing.T) {
	f := newFixture(t, openModeration)
	a := viewer(1)
	a.MessageID = "b34ccfc7-4977-403a-8a94-33c6bac34fb8"
	q := f.ask(t, a, "Will taxes go up?")
	if _, err := f.svc.Show(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(90 * time.Second)
	sub := f.subscribe(t)

	if _, err := f.svc.DeleteMessage(ctx, tribune.SourceTwitch, "no-such-message"); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("unknown message: %v, want not found", err)
	}
	if _, err := f.svc.DeleteMessage(ctx, tribune.SourceYouTube, a.MessageID); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("a Twitch message id on YouTube: %v, want not found", err)
	}
	got, err := f.svc.DeleteMessage(ctx, tribune.SourceTwitch, a.MessageID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != tribune.StatusHidden {
		t.Errorf("status %s, want hidden", got.Status)
	}
	if _, on := f.svc.OnAir(); on {
		t.Error("the deleted question is still on air")
	}
	offAir := false
	for len(sub.C) > 0 {
		if e := <-sub.C; e.Type == tribune.EventOffAir {
			offAir = true
		}
	}
	if !offAir {
		t.Error("no offair event")
	}
	log := f.svc.Log()
	last := log[len(log)-1]
	if last.Moderator != "twitch" || last.Action != tribune.ActionDeleted || last.Reason != "deleted on twitch" {
		t.Errorf("log entry %+v, want deleted by twitch", last)
	}
	if _, err := f.svc.DeleteMessage(ctx, tribune.SourceTwitch, a.MessageID); tribune.ErrorCode(err) != tribune.ECONFLICT {
		t.Errorf("second deletion: %v, want conflict", err)
	}
	// Undo puts it back on air, with its time on air kept.
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	on, ok := f.svc.OnAir()
	if !ok || on.ID != q.ID || !on.Aired.Equal(f.clock.Now().Add(-90*time.Second)) {
		t.Errorf("after undo: on air %+v (%v), want #%d aired 90 s ago", on, ok, q.ID)
	}
}

func TestPlatformBanAndTimeout(t *testing.T) {
	f := newFixture(t, openModeration)
	troll := tribune.Actor{Login: "troll", UserID: "666", Source: tribune.SourceTwitch}
	first := f.ask(t, troll, "first question")
	f.clock.Add(time.Minute)
	second := f.ask(t, troll, "second question here")
	other := f.ask(t, viewer(2), "a fine question")

	hidden, err := f.svc.PlatformTimeout(ctx, troll)
	if err != nil || len(hidden) != 2 {
		t.Fatalf("PlatformTimeout = %d questions, %v; want 2", len(hidden), err)
	}
	for _, id := range []int{first.ID, second.ID} {
		if st := f.get(t, id).Status; st != tribune.StatusHidden {
			t.Errorf("#%d %s after timeout, want hidden", id, st)
		}
	}
	if st := f.get(t, other.ID).Status; st != tribune.StatusApproved {
		t.Errorf("another viewer's question is %s", st)
	}
	if _, err := f.svc.PlatformTimeout(ctx, troll); tribune.ErrorCode(err) != tribune.ECONFLICT {
		t.Errorf("timeout with nothing open: %v, want conflict", err)
	}
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if st := f.get(t, first.ID).Status; st != tribune.StatusApproved {
		t.Errorf("#%d %s after undo of the timeout, want approved", first.ID, st)
	}

	b, err := f.svc.PlatformBan(ctx, troll)
	if err != nil {
		t.Fatal(err)
	}
	if b.By != "twitch" || b.UserID != "666" || b.Login != "troll" {
		t.Errorf("ban %+v, want by twitch with id and login", b)
	}
	if _, err := f.svc.Vote(ctx, troll, other.ID); tribune.ErrorReason(err) != tribune.ReasonBanned {
		t.Errorf("banned viewer voted: %v", err)
	}
	log := f.svc.Log()
	if e := log[len(log)-1]; e.Moderator != "twitch" || e.Action != tribune.ActionBan || e.Reason != "banned on twitch" {
		t.Errorf("log entry %+v, want a ban by twitch", e)
	}
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if f.svc.Banned(troll) {
		t.Error("undo did not lift the platform ban")
	}
}

func TestLabel(t *testing.T) {
	f := newFixture(t, openModeration)
	q := f.ask(t, viewer(1), "When will line 3 open?")
	got, err := f.svc.Label(ctx, q.ID, "  transport ")
	if err != nil || got.Label != "transport" {
		t.Fatalf("Label = %q, %v; want transport", got.Label, err)
	}
	if _, err := f.svc.Label(ctx, q.ID, strings.Repeat("x", tribune.MaxLabelRunes+1)); tribune.ErrorCode(err) != tribune.EINVALID {
		t.Errorf("long label: %v, want invalid", err)
	}
	if _, err := f.svc.Label(ctx, 99, "x"); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("label of #99: %v, want not found", err)
	}
	if _, err := f.svc.Label(ctx, q.ID, "budget"); err != nil {
		t.Fatal(err)
	}
	f.restart(t, openModeration)
	if l := f.get(t, q.ID).Label; l != "budget" {
		t.Errorf("label %q after restart, want budget", l)
	}
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if l := f.get(t, q.ID).Label; l != "transport" {
		t.Errorf("label %q after undo, want transport", l)
	}
	if got, err := f.svc.Label(ctx, q.ID, ""); err != nil || got.Label != "" {
		t.Errorf("empty label: %q, %v; want it removed", got.Label, err)
	}
}

func TestNext(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Next(ctx); tribune.ErrorReason(err) != tribune.ReasonNothingToShow {
		t.Errorf("Next with nothing: %v, want nothing to show", err)
	}
	mod := tribune.Actor{Login: "mod", UserID: "1", Moderator: true}
	a := f.ask(t, mod, "older, two votes")
	b := f.ask(t, mod, "newer, two votes too")
	pending := f.ask(t, viewer(9), "pending with many votes")
	for i := 2; i <= 3; i++ {
		if _, err := f.svc.Vote(ctx, viewer(i), a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(ctx, viewer(i+10), b.ID); err != nil {
			t.Fatal(err)
		}
	}
	_ = pending
	got, err := f.svc.Next(ctx)
	if err != nil || got.ID != a.ID || got.Status != tribune.StatusOnAir || !got.Aired.Equal(f.clock.Now()) {
		t.Fatalf("Next = #%d %s aired %v, %v; want #%d on air now", got.ID, got.Status, got.Aired, err, a.ID)
	}
	// The one on air is not next again; the pending one is never shown.
	if got, err = f.svc.Next(ctx); err != nil || got.ID != b.ID {
		t.Fatalf("second Next = #%d, %v; want #%d", got.ID, err, b.ID)
	}
	if st := f.get(t, a.ID).Status; st != tribune.StatusApproved {
		t.Errorf("#%d is %s once the next one went on air, want approved", a.ID, st)
	}
}

func TestRejectMany(t *testing.T) {
	f := newFixture(t, openModeration)
	var ids []int
	for i := 1; i <= 4; i++ {
		ids = append(ids, f.ask(t, viewer(i), "same question "+itoa(i)).ID)
	}
	if _, err := f.svc.Withdraw(ctx, viewer(4), ids[3]); err != nil {
		t.Fatal(err)
	}
	before := f.questions(t, "")
	if _, err := f.svc.RejectMany(ctx, append(ids, 99)); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("wave with an unknown id: %v, want not found", err)
	}
	if !same(before, f.questions(t, "")) {
		t.Fatal("a refused wave changed questions")
	}
	done, err := f.svc.RejectMany(ctx, ids)
	if err != nil || len(done) != 3 {
		t.Fatalf("RejectMany = %d, %v; want the 3 open ones", len(done), err)
	}
	if st := f.get(t, ids[3]).Status; st != tribune.StatusWithdrawn {
		t.Errorf("withdrawn question became %s", st)
	}
	if _, err := f.svc.RejectMany(ctx, ids); tribune.ErrorCode(err) != tribune.ECONFLICT {
		t.Errorf("second wave: %v, want conflict", err)
	}
	if _, err := f.svc.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if !same(before, f.questions(t, "")) {
		t.Errorf("one undo did not reverse the whole wave")
	}
}

func TestPublicView(t *testing.T) {
	f := newFixture(t, openModeration)
	web := tribune.Actor{Source: tribune.SourceWeb, UserID: "abc", DisplayName: "Léa", Anonymous: true}
	anon := f.ask(t, web, "Who pays for it?")
	named := f.ask(t, viewer(2), "And when?")
	if _, err := f.svc.Show(ctx, named.ID); err != nil {
		t.Fatal(err)
	}
	named = f.get(t, named.ID)
	if anon.Author != "Léa" || !anon.Anonymous {
		t.Fatalf("moderators lost the anonymous author: %+v", anon)
	}
	for _, tt := range []struct {
		name        string
		q           tribune.Question
		showAuthors bool
		author      string
	}{
		{"Named", named, true, named.Author},
		{"NamedHidden", named, false, ""},
		{"Anonymous", anon, true, ""},
		{"AnonymousHidden", anon, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.q.Public(tt.showAuthors)
			if p.Author != tt.author || p.ID != tt.q.ID || p.Text != tt.q.Text || p.Votes != tt.q.Votes {
				t.Errorf("Public = %+v, want author %q", p, tt.author)
			}
		})
	}
	if p := named.Public(true); !p.Since.Equal(named.Aired) || p.Since.IsZero() {
		t.Errorf("Since=%v, want the time it went on air %v", p.Since, named.Aired)
	}
	if p := anon.Public(true); !p.Since.IsZero() {
		t.Errorf("Since=%v for a question not on air", p.Since)
	}
	counts := f.svc.Counts()
	if counts[tribune.StatusApproved] != 1 || counts[tribune.StatusOnAir] != 1 {
		t.Errorf("Counts=%v, want one approved and one on air", counts)
	}
}

func TestCannotRecord(t *testing.T) {
	tests := []struct {
		name   string
		health map[string]string
		want   []string
	}{
		{"OK", map[string]string{"storage": "ok", "chat": "disconnected", "obs": "unreachable"}, nil},
		{"ReadOnly", map[string]string{"storage": "read-only", "chat": "connected"}, []string{"storage: read-only"}},
		{"NotOpen", map[string]string{"chat": "connected"}, []string{"storage: not open"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tribune.CannotRecord(tc.health); !slices.Equal(got, tc.want) {
				t.Errorf("CannotRecord=%q, want %q", got, tc.want)
			}
		})
	}
}
