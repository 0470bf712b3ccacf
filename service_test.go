package tribune_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
)

type fixture struct {
	svc   *tribune.Service
	store *memStore
	clock *fakeclock.Clock
}

// newFixture opens a Service on an in-memory store, configured by opts
// before Open.
func newFixture(t *testing.T, opts ...func(*tribune.Service)) *fixture {
	t.Helper()
	f := &fixture{store: newMemStore(), clock: fakeclock.New(time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC))}
	f.svc = f.open(t, opts...)
	return f
}

func (f *fixture) open(t *testing.T, opts ...func(*tribune.Service)) *tribune.Service {
	t.Helper()
	svc := tribune.NewService(f.store, "#TownHall")
	svc.Now = f.clock.Now
	svc.Logger = slog.New(slog.DiscardHandler)
	for _, o := range opts {
		o(svc)
	}
	if err := svc.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// restart closes the Service and opens a new one on the same store, as a
// process restart does.
func (f *fixture) restart(t *testing.T, opts ...func(*tribune.Service)) {
	t.Helper()
	f.svc.Close()
	f.svc = f.open(t, opts...)
}

func openModeration(s *tribune.Service) { s.Premoderate = false }

func (f *fixture) questions(t *testing.T, st tribune.Status) []tribune.Question {
	t.Helper()
	qs, err := f.svc.Questions(ctx, st)
	if err != nil {
		t.Fatalf("Questions(%q): %v", st, err)
	}
	return qs
}

func (f *fixture) session(t *testing.T) tribune.Session {
	t.Helper()
	s, err := f.svc.Session(ctx)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	return s
}

func (f *fixture) subscribe(t *testing.T) *tribune.Subscription {
	t.Helper()
	sub, err := f.svc.Subscribe(ctx)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return sub
}

func viewer(n int) tribune.Actor {
	name := "viewer" + itoa(n)
	return tribune.Actor{Login: name, DisplayName: strings.ToUpper(name[:1]) + name[1:], UserID: "u" + itoa(n), Source: tribune.SourceTwitch}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

var ctx = context.Background()

// ask submits a question that must be accepted.
func (f *fixture) ask(t *testing.T, a tribune.Actor, text string) tribune.Question {
	t.Helper()
	res, err := f.svc.Ask(ctx, a, text)
	if err != nil {
		t.Fatalf("Ask(%q): %v", text, err)
	}
	return res.Question
}

func (f *fixture) get(t *testing.T, id int) tribune.Question {
	t.Helper()
	q, err := f.svc.Get(id)
	if err != nil {
		t.Fatalf("Get(%d): %v", id, err)
	}
	return q
}

func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if tribune.ErrorCode(err) != code || tribune.ErrorReason(err) != reason {
		t.Fatalf("err = %v (code %q, reason %q), want code %q reason %q", err, tribune.ErrorCode(err), tribune.ErrorReason(err), code, reason)
	}
}

func TestAskStatus(t *testing.T) {
	mod := tribune.Actor{Login: "mod", UserID: "m1", Moderator: true}
	host := tribune.Actor{Login: "host", UserID: "b1", Broadcaster: true}
	first := viewer(9)
	first.FirstMessage = true
	tests := []struct {
		name        string
		premoderate bool
		actor       tribune.Actor
		want        tribune.Status
	}{
		{"PremoderatedViewer", true, viewer(1), tribune.StatusPending},
		{"PremoderatedModerator", true, mod, tribune.StatusApproved},
		{"PremoderatedBroadcaster", true, host, tribune.StatusApproved},
		{"OpenViewer", false, viewer(1), tribune.StatusApproved},
		{"OpenFirstTimeChatter", false, first, tribune.StatusPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(s *tribune.Service) { s.Premoderate = tt.premoderate })
			q := f.ask(t, tt.actor, "  What is the plan\tfor the bridge?  ")
			if q.Status != tt.want {
				t.Errorf("Status=%s, want %s", q.Status, tt.want)
			}
			if q.ID != 1 || q.Votes != 1 || q.Text != "What is the plan for the bridge?" {
				t.Errorf("got #%d votes=%d text=%q, want #1 votes=1 cleaned text", q.ID, q.Votes, q.Text)
			}
			if q.AuthorID != tt.actor.UserID || q.Author != tt.actor.Name() {
				t.Errorf("author = %q/%q, want %q/%q", q.Author, q.AuthorID, tt.actor.Name(), tt.actor.UserID)
			}
		})
	}
}

type bannedWords []string

func (b bannedWords) Find(text string) (string, bool) {
	for _, w := range b {
		if strings.Contains(strings.ToLower(text), w) {
			return w, true
		}
	}
	return "", false
}

func TestAskRefusals(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, f *fixture)
		actor  tribune.Actor
		text   string
		code   string
		reason string
	}{
		{name: "ErrEmpty", text: "", code: tribune.EINVALID, reason: tribune.ReasonEmpty},
		{name: "ErrBlank", text: " \t\n\u200b\U000E0000 ", code: tribune.EINVALID, reason: tribune.ReasonEmpty},
		{name: "ErrOnlyControls", text: "\x00\x01\x7f", code: tribune.EINVALID, reason: tribune.ReasonEmpty},
		{name: "ErrInvalidUTF8Only", text: "\xff\xfe", code: tribune.EINVALID, reason: tribune.ReasonEmpty},
		{name: "ErrTooLong", text: strings.Repeat("é", 301), code: tribune.EINVALID, reason: tribune.ReasonTooLong},
		{name: "ErrNoUserID", actor: tribune.Actor{Login: "x"}, text: "hello?", code: tribune.EINVALID, reason: tribune.ReasonInvalidRequest},
		{name: "ErrBannedWord", text: "Is the mayor a Scoundrel?", code: tribune.EINVALID, reason: tribune.ReasonBannedWord},
		{
			name: "ErrBanned", text: "hello?", code: tribune.EFORBIDDEN, reason: tribune.ReasonBanned,
			setup: func(t *testing.T, f *fixture) {
				if _, err := f.svc.Ban(ctx, "viewer1"); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "ErrTooFast", text: "second question?", code: tribune.ERATELIMIT, reason: tribune.ReasonTooFast,
			setup: func(t *testing.T, f *fixture) {
				f.ask(t, viewer(1), "first question?")
				f.clock.Add(29 * time.Second)
			},
		},
		{
			name: "ErrSessionCap", text: "sixth question?", code: tribune.ERATELIMIT, reason: tribune.ReasonSessionCap,
			setup: func(t *testing.T, f *fixture) {
				for i := range 5 {
					f.ask(t, viewer(1), "question number "+itoa(i+1)+" about topic "+strings.Repeat("x", i+1))
					f.clock.Add(time.Minute)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(s *tribune.Service) { s.Words = bannedWords{"scoundrel"} })
			if tt.setup != nil {
				tt.setup(t, f)
			}
			before := f.questions(t, "")
			a := tt.actor
			if a.Login == "" && a.UserID == "" {
				a = viewer(1)
			}
			_, err := f.svc.Ask(ctx, a, tt.text)
			wantCode(t, err, tt.code, tt.reason)
			if after := f.questions(t, ""); len(after) != len(before) {
				t.Errorf("questions=%d after a refusal, want %d", len(after), len(before))
			}
		})
	}
}

func TestAskLimitsDoNotApplyToModerators(t *testing.T) {
	f := newFixture(t)
	mod := tribune.Actor{Login: "mod", UserID: "m1", Moderator: true}
	for i := range 7 {
		f.ask(t, mod, "moderator question "+itoa(i))
	}
	if n := len(f.questions(t, "")); n != 7 {
		t.Errorf("questions=%d, want 7", n)
	}
}

// The limits hold across a restart: the Service counts a viewer's
// questions, and times the interval from the latest of them, as loaded.
func TestAskLimitsSurviveRestart(t *testing.T) {
	f := newFixture(t)
	for i := range 3 {
		f.ask(t, viewer(1), "question number "+itoa(i+1)+" about topic "+strings.Repeat("y", i+1))
		f.clock.Add(time.Minute)
	}
	f.ask(t, viewer(1), "the fourth and latest question?")
	f.ask(t, viewer(2), "another viewer's question?")
	f.restart(t)
	f.clock.Add(29 * time.Second)
	_, err := f.svc.Ask(ctx, viewer(1), "fifth question, too soon?")
	wantCode(t, err, tribune.ERATELIMIT, tribune.ReasonTooFast)
	f.clock.Add(time.Second)
	f.ask(t, viewer(1), "fifth question, in time?")
	f.ask(t, viewer(2), "the other viewer may ask again?")
	f.restart(t)
	f.clock.Add(time.Minute)
	_, err = f.svc.Ask(ctx, viewer(1), "sixth question, over the cap?")
	wantCode(t, err, tribune.ERATELIMIT, tribune.ReasonSessionCap)
}

func TestAskRateLimitExpires(t *testing.T) {
	f := newFixture(t)
	f.ask(t, viewer(1), "first?")
	f.clock.Add(30 * time.Second)
	f.ask(t, viewer(1), "second?")
}

func TestAskExactLimit(t *testing.T) {
	f := newFixture(t)
	q := f.ask(t, viewer(1), strings.Repeat("é", 300))
	if got := len([]rune(q.Text)); got != 300 {
		t.Errorf("runes=%d, want 300", got)
	}
}

// matcher is a fake tribune.Matcher: exact text matches.
type matcher map[int]string

func (m matcher) Add(id int, text string)    { m[id] = text }
func (m matcher) Remove(id int)              { delete(m, id) }
func (m matcher) Wait(context.Context) error { return nil }
func (m matcher) Match(text string) (int, bool) {
	for id, t := range m {
		if t == text {
			return id, true
		}
	}
	return 0, false
}

func TestAskDuplicateBecomesVote(t *testing.T) {
	f := newFixture(t, openModeration, func(s *tribune.Service) { s.Matcher = matcher{} })
	f.ask(t, viewer(1), "Will taxes rise?")
	res, err := f.svc.Ask(ctx, viewer(2), "Will taxes rise?")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Duplicate || !res.Voted || res.Question.ID != 1 || res.Question.Votes != 2 {
		t.Errorf("got %+v, want a vote on #1 with 2 votes", res)
	}
	res, err = f.svc.Ask(ctx, viewer(2), "Will taxes rise?")
	if err != nil || !res.Duplicate || res.Voted || res.Question.Votes != 2 {
		t.Errorf("second duplicate from the same voter: %+v, %v; want duplicate without a new vote", res, err)
	}
	if n := len(f.questions(t, "")); n != 1 {
		t.Errorf("questions=%d, want 1", n)
	}
	// A rejected question no longer absorbs new ones.
	if _, err := f.svc.Reject(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if res := f.mustAsk(t, viewer(3), "Will taxes rise?"); res.Duplicate || res.Question.ID != 2 {
		t.Errorf("after reject: %+v, want new question #2", res)
	}
}

func (f *fixture) mustAsk(t *testing.T, a tribune.Actor, text string) tribune.AskResult {
	t.Helper()
	res, err := f.svc.Ask(ctx, a, text)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVote(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "approved question?")
	q, err := f.svc.Vote(ctx, viewer(2), 1)
	if err != nil || q.Votes != 2 {
		t.Fatalf("Vote: %+v, %v; want 2 votes", q, err)
	}
	t.Run("ErrAlreadyVoted", func(t *testing.T) {
		_, err := f.svc.Vote(ctx, viewer(2), 1)
		wantCode(t, err, tribune.ECONFLICT, tribune.ReasonAlreadyVoted)
		// The author's own vote counts once.
		_, err = f.svc.Vote(ctx, viewer(1), 1)
		wantCode(t, err, tribune.ECONFLICT, tribune.ReasonAlreadyVoted)
	})
	t.Run("SameNameOtherUserID", func(t *testing.T) {
		a := viewer(2)
		a.UserID = "u-other"
		if q, err := f.svc.Vote(ctx, a, 1); err != nil || q.Votes != 3 {
			t.Errorf("Vote by another user id with the same name: %+v, %v; want 3 votes", q, err)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		for _, id := range []int{0, -1, 2, 1 << 30} {
			_, err := f.svc.Vote(ctx, viewer(3), id)
			wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonUnknown)
		}
	})
	t.Run("Unvote", func(t *testing.T) {
		q, err := f.svc.Unvote(ctx, viewer(2), 1)
		if err != nil || q.Votes != 2 {
			t.Fatalf("Unvote: %+v, %v; want 2 votes", q, err)
		}
		_, err = f.svc.Unvote(ctx, viewer(2), 1)
		wantCode(t, err, tribune.ECONFLICT, tribune.ReasonNotVoted)
		if q, err := f.svc.Vote(ctx, viewer(2), 1); err != nil || q.Votes != 3 {
			t.Errorf("vote again after unvote: %+v, %v; want 3 votes", q, err)
		}
	})
	t.Run("ErrNotVisible", func(t *testing.T) {
		if _, err := f.svc.Reject(ctx, 1); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Vote(ctx, viewer(4), 1)
		wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonNotVisible)
	})
	t.Run("ErrBanned", func(t *testing.T) {
		f.ask(t, viewer(5), "another question?")
		if _, err := f.svc.Ban(ctx, "Viewer6"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Vote(ctx, viewer(6), 2)
		wantCode(t, err, tribune.EFORBIDDEN, tribune.ReasonBanned)
		if q := f.get(t, 2); q.Votes != 1 {
			t.Errorf("Votes=%d after a banned vote, want 1", q.Votes)
		}
	})
}

func TestVotePendingQuestionRefused(t *testing.T) {
	f := newFixture(t)
	f.ask(t, viewer(1), "pending?")
	_, err := f.svc.Vote(ctx, viewer(2), 1)
	wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonNotVisible)
}

func TestReportThresholdHides(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "abusive question")
	if _, err := f.svc.Show(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		q, err := f.svc.Report(ctx, viewer(i), 1)
		if err != nil || q.Status != tribune.StatusOnAir || q.Reports != i-1 {
			t.Fatalf("report %d: %+v, %v", i, q, err)
		}
	}
	_, err := f.svc.Report(ctx, viewer(2), 1)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonAlreadyReport)
	q, err := f.svc.Report(ctx, viewer(4), 1)
	if err != nil || q.Status != tribune.StatusHidden || q.Reports != 3 {
		t.Fatalf("third reporter: %+v, %v; want hidden with 3 reports", q, err)
	}
	if _, ok := f.svc.OnAir(); ok {
		t.Error("a hidden question is still on air")
	}
	_, err = f.svc.Report(ctx, viewer(5), 1)
	wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonNotVisible)
}

func TestWithdraw(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "mine?")
	_, err := f.svc.Withdraw(ctx, viewer(2), 1)
	wantCode(t, err, tribune.EFORBIDDEN, tribune.ReasonNotAuthor)
	q, err := f.svc.Withdraw(ctx, viewer(1), 1)
	if err != nil || q.Status != tribune.StatusWithdrawn {
		t.Fatalf("Withdraw: %+v, %v", q, err)
	}
	_, err = f.svc.Withdraw(ctx, viewer(1), 1)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonBadTransition)
	_, err = f.svc.Withdraw(ctx, viewer(1), 9)
	wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonUnknown)
}

func TestShowKeepsOneOnAir(t *testing.T) {
	f := newFixture(t, openModeration)
	for i := 1; i <= 3; i++ {
		f.ask(t, viewer(i), "question "+itoa(i))
	}
	for _, id := range []int{1, 2, 3, 2} {
		if _, err := f.svc.Show(ctx, id); err != nil {
			t.Fatalf("Show(%d): %v", id, err)
		}
		if n := len(f.questions(t, tribune.StatusOnAir)); n != 1 {
			t.Fatalf("after Show(%d): %d questions on air, want 1", id, n)
		}
		if q, ok := f.svc.OnAir(); !ok || q.ID != id {
			t.Fatalf("OnAir=#%d, want #%d", q.ID, id)
		}
	}
	_, err := f.svc.Show(ctx, 2)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonBadTransition)
}

func TestTransitions(t *testing.T) {
	type action func(*tribune.Service, int) (tribune.Question, error)
	approve := (*tribune.Service).Approve
	reject := (*tribune.Service).Reject
	answer := (*tribune.Service).Answer
	restore := (*tribune.Service).Restore
	show := (*tribune.Service).Show
	call := func(f func(*tribune.Service, context.Context, int) (tribune.Question, error)) action {
		return func(s *tribune.Service, id int) (tribune.Question, error) { return f(s, ctx, id) }
	}
	tests := []struct {
		name string
		prep []action // applied to a fresh pending question
		do   action
		want tribune.Status // "" means ECONFLICT
	}{
		{"ApprovePending", nil, call(approve), tribune.StatusApproved},
		{"ErrApproveApproved", []action{call(approve)}, call(approve), ""},
		{"RejectPending", nil, call(reject), tribune.StatusRejected},
		{"RejectOnAir", []action{call(show)}, call(reject), tribune.StatusRejected},
		{"ErrRejectRejected", []action{call(reject)}, call(reject), ""},
		{"ShowPending", nil, call(show), tribune.StatusOnAir},
		{"ErrShowRejected", []action{call(reject)}, call(show), ""},
		{"AnswerOnAir", []action{call(show)}, call(answer), tribune.StatusAnswered},
		{"ErrAnswerRejected", []action{call(reject)}, call(answer), ""},
		{"RestoreRejected", []action{call(reject)}, call(restore), tribune.StatusApproved},
		{"RestoreAnswered", []action{call(show), call(answer)}, call(restore), tribune.StatusApproved},
		{"ErrRestorePending", nil, call(restore), ""},
		{"ShowAnswered", []action{call(show), call(answer)}, call(show), tribune.StatusOnAir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.ask(t, viewer(1), "a question")
			for _, p := range tt.prep {
				if _, err := p(f.svc, 1); err != nil {
					t.Fatal(err)
				}
			}
			before := f.get(t, 1)
			logs := len(f.svc.Log())
			q, err := tt.do(f.svc, 1)
			if tt.want == "" {
				wantCode(t, err, tribune.ECONFLICT, tribune.ReasonBadTransition)
				if after := f.get(t, 1); after != before || len(f.svc.Log()) != logs {
					t.Errorf("refused action changed state: %+v -> %+v", before, after)
				}
				return
			}
			if err != nil || q.Status != tt.want {
				t.Fatalf("got %s, %v; want %s", q.Status, err, tt.want)
			}
		})
	}
	t.Run("ErrUnknown", func(t *testing.T) {
		f := newFixture(t)
		for _, a := range []action{call(approve), call(reject), call(show), call(answer), call(restore)} {
			_, err := a(f.svc, 1)
			wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonUnknown)
		}
		_, err := f.svc.HideOverlay(ctx)
		wantCode(t, err, tribune.ECONFLICT, tribune.ReasonNothingOnAir)
		_, err = f.svc.Edit(ctx, 1, "text")
		wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonUnknown)
		_, err = f.svc.Merge(ctx, 1, 2)
		wantCode(t, err, tribune.ENOTFOUND, tribune.ReasonUnknown)
		_, err = f.svc.Undo(ctx)
		wantCode(t, err, tribune.ECONFLICT, tribune.ReasonNothingToUndo)
		_, err = f.svc.Ban(ctx, " ")
		wantCode(t, err, tribune.EINVALID, tribune.ReasonInvalidRequest)
	})
}

func TestMergeMovesVotesAndUndoMovesThemBack(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "Will the bridge be rebuilt?")
	f.ask(t, viewer(2), "When is the bridge rebuilt?")
	for _, v := range []int{3, 4} {
		if _, err := f.svc.Vote(ctx, viewer(v), 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Vote(ctx, viewer(3), 1); err != nil { // votes for both
		t.Fatal(err)
	}
	_, err := f.svc.Merge(ctx, 2, 2)
	wantCode(t, err, tribune.EINVALID, tribune.ReasonSelfMerge)

	q, err := f.svc.Merge(ctx, 2, 1)
	if err != nil || q.Status != tribune.StatusMerged || q.MergedInto != 1 {
		t.Fatalf("Merge: %+v, %v", q, err)
	}
	// #1 had viewer1 and viewer3; #2 brings viewer2 and viewer4 (viewer3 counts once).
	if got := f.get(t, 1).Votes; got != 4 {
		t.Errorf("Votes=%d after merge, want 4", got)
	}
	// A vote for a merged question counts for its target.
	if q, err := f.svc.Vote(ctx, viewer(5), 2); err != nil || q.ID != 1 || q.Votes != 5 {
		t.Errorf("vote on merged #2: %+v, %v; want a vote on #1 (5 votes)", q, err)
	}
	_, err = f.svc.Merge(ctx, 2, 1)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonBadTransition)

	e, err := f.svc.Undo(ctx)
	if err != nil || e.Action != tribune.ActionMerge {
		t.Fatalf("Undo: %+v, %v", e, err)
	}
	if q1, q2 := f.get(t, 1), f.get(t, 2); q1.Votes != 3 || q2.Status != tribune.StatusApproved || q2.MergedInto != 0 || q2.Votes != 3 {
		t.Errorf("after undo: #1 votes=%d (want 3), #2 %s merged_into=%d votes=%d (want approved, 0, 3)", q1.Votes, q2.Status, q2.MergedInto, q2.Votes)
	}
}

func TestUndo(t *testing.T) {
	tests := []struct {
		name string
		do   func(t *testing.T, s *tribune.Service) error
	}{
		{"Approve", func(t *testing.T, s *tribune.Service) error { _, err := s.Approve(ctx, 1); return err }},
		{"Reject", func(t *testing.T, s *tribune.Service) error { _, err := s.Reject(ctx, 2); return err }},
		{"Show", func(t *testing.T, s *tribune.Service) error { _, err := s.Show(ctx, 2); return err }},
		{"Hide", func(t *testing.T, s *tribune.Service) error { _, err := s.HideOverlay(ctx); return err }},
		{"Answer", func(t *testing.T, s *tribune.Service) error { _, err := s.Answer(ctx, 3); return err }},
		{"Edit", func(t *testing.T, s *tribune.Service) error { _, err := s.Edit(ctx, 2, "Fixed typo?"); return err }},
		{"Ban", func(t *testing.T, s *tribune.Service) error { _, err := s.Ban(ctx, "viewer2"); return err }},
		{"Merge", func(t *testing.T, s *tribune.Service) error { _, err := s.Merge(ctx, 2, 3); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.ask(t, viewer(1), "pending one")
			f.ask(t, viewer(2), "approved two")
			f.ask(t, viewer(3), "on air three")
			mustOK(t, func() error { _, err := f.svc.Approve(ctx, 2); return err })
			mustOK(t, func() error { _, err := f.svc.Show(ctx, 3); return err })
			before := f.questions(t, "")
			mustOK(t, func() error { return tt.do(t, f.svc) })
			if same(before, f.questions(t, "")) {
				t.Fatal("the action changed nothing")
			}
			e, err := f.svc.Undo(ctx)
			if err != nil {
				t.Fatalf("Undo: %v", err)
			}
			if !e.Undone {
				t.Error("undone entry not marked Undone")
			}
			if after := f.questions(t, ""); !same(before, after) {
				t.Errorf("after undo:\n got %+v\nwant %+v", after, before)
			}
			if f.svc.Banned(tribune.Actor{Login: "viewer2", Source: tribune.SourceTwitch}) {
				t.Error("ban survived its undo")
			}
			// Undo reaches back to the previous action (show #3), then the approve.
			if e, err := f.svc.Undo(ctx); err != nil || e.Action != tribune.ActionShow {
				t.Errorf("second Undo: %+v, %v; want the show", e.Action, err)
			}
		})
	}
}

func mustOK(t *testing.T, fn func() error) {
	t.Helper()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
}

func same(a, b []tribune.Question) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBanRejectsOpenQuestions(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "troll one")
	f.ask(t, viewer(2), "fine question")
	mustOK(t, func() error { _, err := f.svc.Show(ctx, 1); return err })
	ban, err := f.svc.Ban(ctx, "@Viewer1")
	if err != nil || ban.Login != "viewer1" {
		t.Fatalf("Ban: %+v, %v", ban, err)
	}
	if q := f.get(t, 1); q.Status != tribune.StatusRejected {
		t.Errorf("Status=%s, want rejected", q.Status)
	}
	if _, ok := f.svc.OnAir(); ok {
		t.Error("the banned user's question is still on air")
	}
	if q := f.get(t, 2); q.Status != tribune.StatusApproved {
		t.Errorf("other user's question Status=%s, want approved", q.Status)
	}
	_, err = f.svc.Ban(ctx, "viewer1")
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonBanned)
	f.clock.Add(time.Hour)
	_, err = f.svc.Ask(ctx, viewer(1), "again")
	wantCode(t, err, tribune.EFORBIDDEN, tribune.ReasonBanned)
}

func TestEventsArePublishedAfterCommit(t *testing.T) {
	f := newFixture(t, openModeration)
	sub := f.subscribe(t)
	defer sub.Close()
	q := f.ask(t, viewer(1), "first?")
	if e := <-sub.C; e.Type != tribune.EventCreated || e.Question.ID != q.ID {
		t.Fatalf("event %+v, want created #1", e)
	}
	mustOK(t, func() error { _, err := f.svc.Show(ctx, 1); return err })
	if e := <-sub.C; e.Type != tribune.EventUpdated {
		t.Fatalf("event %s, want updated", e.Type)
	}
	if e := <-sub.C; e.Type != tribune.EventOnAir || e.Question.ID != 1 {
		t.Fatalf("event %+v, want onair #1", e)
	}
	if _, err := f.svc.Vote(ctx, viewer(2), 1); err != nil {
		t.Fatal(err)
	}
	if e := <-sub.C; e.Type != tribune.EventVoted || e.Question.Votes != 2 {
		t.Fatalf("event %+v, want voted with 2", e)
	}
	if e := <-sub.C; e.Type != tribune.EventOnAir || e.Question.Votes != 2 {
		t.Fatalf("event %+v, want onair refresh with 2 votes", e)
	}
	mustOK(t, func() error { _, err := f.svc.HideOverlay(ctx); return err })
	<-sub.C // updated
	if e := <-sub.C; e.Type != tribune.EventOffAir {
		t.Fatalf("event %s, want offair", e.Type)
	}
}

func TestStorageFailureAcknowledgesNothing(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "stored?")
	sub := f.subscribe(t)
	defer sub.Close()
	f.store.setFail(errors.New("disk I/O error"))

	_, err := f.svc.Ask(ctx, viewer(2), "lost?")
	wantCode(t, err, tribune.EUNAVAILABLE, tribune.ReasonStorage)
	_, err = f.svc.Vote(ctx, viewer(3), 1)
	wantCode(t, err, tribune.EUNAVAILABLE, tribune.ReasonStorage)
	_, err = f.svc.Show(ctx, 1)
	wantCode(t, err, tribune.EUNAVAILABLE, tribune.ReasonStorage)
	if qs := f.questions(t, ""); len(qs) != 1 || qs[0].Votes != 1 || qs[0].Status != tribune.StatusApproved {
		t.Errorf("state after refused writes: %+v, want only #1 approved with 1 vote", qs)
	}
	// The only event is the storage's health, said once.
	if e := <-sub.C; e.Type != tribune.EventHealth || e.Health[tribune.HealthStorage] != "failing" {
		t.Errorf("event %+v, want the storage's health: failing", e)
	}
	select {
	case e := <-sub.C:
		t.Errorf("event %+v published for a write that failed", e)
	default:
	}
	if h, _ := f.svc.Health(ctx); h[tribune.HealthStorage] != "failing" {
		t.Errorf("health %v, want storage failing", h)
	}
	f.store.setFail(nil)
	if q := f.ask(t, viewer(2), "stored now?"); q.ID != 2 {
		t.Errorf("ID=%d after recovery, want 2", q.ID)
	}
	if h, _ := f.svc.Health(ctx); h[tribune.HealthStorage] != tribune.HealthOK {
		t.Errorf("health %v after recovery, want storage ok", h)
	}
}

func TestRestartContinuesSession(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "one")
	f.ask(t, viewer(2), "two")
	mustOK(t, func() error { _, err := f.svc.Vote(ctx, viewer(3), 2); return err })
	mustOK(t, func() error { _, err := f.svc.Show(ctx, 2); return err })
	mustOK(t, func() error { _, err := f.svc.Ban(ctx, "troll"); return err })
	sess := f.session(t)

	f.restart(t, openModeration)
	if got := f.session(t); got.ID != sess.ID {
		t.Errorf("session %d after restart, want %d", got.ID, sess.ID)
	}
	if q, ok := f.svc.OnAir(); !ok || q.ID != 2 || q.Votes != 2 {
		t.Errorf("on air after restart: %+v %v, want #2 with 2 votes", q, ok)
	}
	_, err := f.svc.Vote(ctx, viewer(3), 2)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonAlreadyVoted)
	if !f.svc.Banned(tribune.Actor{Login: "troll", Source: tribune.SourceTwitch}) {
		t.Error("ban lost in restart")
	}
	if q := f.ask(t, viewer(4), "three"); q.ID != 3 {
		t.Errorf("ID=%d after restart, want 3", q.ID)
	}
	// Undo works across the restart: the ban is lifted.
	if e, err := f.svc.Undo(ctx); err != nil || e.Action != tribune.ActionBan || f.svc.Banned(tribune.Actor{Login: "troll", Source: tribune.SourceTwitch}) {
		t.Errorf("Undo after restart: %+v, %v", e, err)
	}

	f.restart(t, func(s *tribune.Service) { s.SessionTitle = "Second meeting" })
	if got := f.session(t); got.ID == sess.ID || len(f.questions(t, "")) != 0 {
		t.Errorf("a new title continued session %d with %d questions", got.ID, len(f.questions(t, "")))
	}
}

// Open serves reads before the votes are read; commands wait for them, and
// are refused, not applied blind, while they cannot be read.
func TestVotesUnreadableRefuseCommands(t *testing.T) {
	f := newFixture(t, openModeration)
	f.ask(t, viewer(1), "one")
	mustOK(t, func() error { _, err := f.svc.Vote(ctx, viewer(2), 1); return err })
	f.store.setFailVotes(errors.New("disk gone"))
	f.restart(t, openModeration)

	if q := f.get(t, 1); q.Votes != 2 {
		t.Errorf("votes=%d read without the vote set, want 2", q.Votes)
	}
	_, err := f.svc.Vote(ctx, viewer(3), 1)
	wantCode(t, err, tribune.EUNAVAILABLE, tribune.ReasonStorage)
	if q := f.get(t, 1); q.Votes != 2 {
		t.Errorf("votes=%d after a refused vote, want 2", q.Votes)
	}

	f.store.setFailVotes(nil)
	_, err = f.svc.Vote(ctx, viewer(2), 1)
	wantCode(t, err, tribune.ECONFLICT, tribune.ReasonAlreadyVoted)
	mustOK(t, func() error { _, err := f.svc.Vote(ctx, viewer(3), 1); return err })
	if q := f.get(t, 1); q.Votes != 3 {
		t.Errorf("votes=%d, want 3", q.Votes)
	}
}

func TestConcurrentVotesCountExactly(t *testing.T) {
	f := newFixture(t, openModeration)
	for i := 1; i <= 5; i++ {
		f.ask(t, viewer(i), "question "+itoa(i))
	}
	const voters = 400
	var wg sync.WaitGroup
	for v := range voters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := 1; q <= 5; q++ {
				f.svc.Vote(ctx, viewer(1000+v), q)
				f.svc.Vote(ctx, viewer(1000+v), q) // a repeat never counts
			}
		}()
	}
	wg.Wait()
	for _, q := range f.questions(t, "") {
		if q.Votes != voters+1 {
			t.Errorf("#%d Votes=%d, want %d", q.ID, q.Votes, voters+1)
		}
	}
	f.restart(t)
	for _, q := range f.questions(t, "") {
		if q.Votes != voters+1 {
			t.Errorf("after restart #%d Votes=%d, want %d", q.ID, q.Votes, voters+1)
		}
	}
}

// TestAskStoresCleanText: what the Service stores is the cleaned text,
// whatever a source sends (text.go's tests hold the cleaning rules).
func TestAskStoresCleanText(t *testing.T) {
	f := newFixture(t, openModeration)
	q := f.ask(t, viewer(1), "  line\nbreak \x07 and \xff <b>html</b>\u200b stays text ")
	if want := "line break and <b>html</b> stays text"; q.Text != want || f.get(t, q.ID).Text != want {
		t.Errorf("Text=%q, stored %q, want %q", q.Text, f.get(t, q.ID).Text, want)
	}
}

func TestTop(t *testing.T) {
	f := newFixture(t, openModeration)
	// votes[i] extra votes for question i+1; #3 is rejected, #6 pending.
	extra := []int{2, 5, 9, 5, 0, 7, 1}
	for i := range extra {
		a := viewer(i + 1)
		if i == 5 {
			a.FirstMessage = true // held pending
		}
		f.ask(t, a, "distinct question "+itoa(i+1))
	}
	for i, n := range extra {
		if i == 5 {
			continue
		}
		for v := range n {
			mustOK(t, func() error { _, err := f.svc.Vote(ctx, viewer(100+v), i+1); return err })
		}
	}
	mustOK(t, func() error { _, err := f.svc.Reject(ctx, 3); return err })
	mustOK(t, func() error { _, err := f.svc.Show(ctx, 7); return err })
	var got []int
	for _, q := range f.svc.Top(4) {
		got = append(got, q.ID)
	}
	// #2 and #4 tie at 6 votes: the older first.
	if want := []int{2, 4, 1, 7}; !slices.Equal(got, want) {
		t.Errorf("Top(4) = %v, want %v", got, want)
	}
	if n := len(f.svc.Top(50)); n != 5 {
		t.Errorf("len(Top(50))=%d, want the 5 visible questions", n)
	}
	if top := f.svc.Top(0); len(top) != 0 {
		t.Errorf("Top(0) = %v", top)
	}
}
