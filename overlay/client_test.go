package overlay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/overlay"
)

func newClient(t *testing.T, srv *overlay.Server, token string) *overlay.Client {
	t.Helper()
	c := overlay.NewClient(srv.URL(), token)
	c.Logger = tribunetest.QuietLogger()
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClient_Moderation(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	c := newClient(t, srv, testToken)
	c.Moderator = "alice"
	ctx := context.Background()
	var m tribune.Moderation = c

	status := func(t *testing.T, id int, want tribune.Status) {
		t.Helper()
		if got := tribunetest.Get(t, svc, id).Status; got != want {
			t.Errorf("#%d Status=%s, want %s", id, got, want)
		}
	}
	lastModerator := func(t *testing.T, want string) {
		t.Helper()
		log := svc.Log()
		if got := log[len(log)-1].Moderator; got != want {
			t.Errorf("Moderator=%q, want %q", got, want)
		}
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Session", func(t *testing.T) {
			s, err := m.Session(ctx)
			if err != nil || s != tribunetest.Session(t, svc) {
				t.Errorf("Session = %+v, %v; want %+v", s, err, tribunetest.Session(t, svc))
			}
		}},
		{"QuestionsAll", func(t *testing.T) {
			qs, err := m.Questions(ctx, "")
			if err != nil || len(qs) != 4 || qs[0].Text != tribunetest.Get(t, svc, 1).Text {
				t.Errorf("Questions = %d, %v; want 4", len(qs), err)
			}
		}},
		{"QuestionsPending", func(t *testing.T) {
			qs, err := m.Questions(ctx, tribune.StatusPending)
			if err != nil || len(qs) != 1 || qs[0].ID != 3 {
				t.Errorf("pending = %+v, %v; want #3", qs, err)
			}
		}},
		{"Approve", func(t *testing.T) {
			q, err := m.Approve(ctx, 3)
			if err != nil || q.Status != tribune.StatusApproved {
				t.Fatalf("Approve = %+v, %v", q, err)
			}
			status(t, 3, tribune.StatusApproved)
			lastModerator(t, "alice")
		}},
		{"ShowAsBob", func(t *testing.T) {
			bob := tribune.NewContext(ctx, tribune.Actor{Login: "bob", DisplayName: "Bob", Moderator: true})
			if _, err := m.Show(bob, 1); err != nil {
				t.Fatal(err)
			}
			status(t, 1, tribune.StatusOnAir)
			lastModerator(t, "Bob")
		}},
		{"HideOverlay", func(t *testing.T) {
			q, err := m.HideOverlay(ctx)
			if err != nil || q.ID != 1 {
				t.Fatalf("HideOverlay = %+v, %v", q, err)
			}
			status(t, 1, tribune.StatusApproved)
		}},
		{"Answer", func(t *testing.T) {
			if _, err := m.Answer(ctx, 1); err != nil {
				t.Fatal(err)
			}
			status(t, 1, tribune.StatusAnswered)
		}},
		{"Restore", func(t *testing.T) {
			if _, err := m.Restore(ctx, 1); err != nil {
				t.Fatal(err)
			}
			status(t, 1, tribune.StatusApproved)
		}},
		{"Reject", func(t *testing.T) {
			if _, err := m.Reject(ctx, 4); err != nil {
				t.Fatal(err)
			}
			status(t, 4, tribune.StatusRejected)
		}},
		{"Merge", func(t *testing.T) {
			q, err := m.Merge(ctx, 3, 1)
			if err != nil || q.MergedInto != 1 {
				t.Fatalf("Merge = %+v, %v", q, err)
			}
			status(t, 3, tribune.StatusMerged)
		}},
		{"Edit", func(t *testing.T) {
			q, err := m.Edit(ctx, 2, "Will the library open on Sunday mornings?")
			if err != nil || q.Text != "Will the library open on Sunday mornings?" {
				t.Fatalf("Edit = %+v, %v", q, err)
			}
		}},
		{"Undo", func(t *testing.T) {
			e, err := m.Undo(ctx)
			if err != nil || e.Action != tribune.ActionEdit {
				t.Fatalf("Undo = %+v, %v", e, err)
			}
			if got := tribunetest.Get(t, svc, 2).Text; got != "Will the library open on Sundays?" {
				t.Errorf("Text=%q after undo", got)
			}
		}},
		{"Ban", func(t *testing.T) {
			b, err := m.Ban(ctx, "@Viewer2")
			if err != nil || b.Login != "viewer2" || b.By != "alice" {
				t.Fatalf("Ban = %+v, %v", b, err)
			}
			status(t, 2, tribune.StatusRejected)
		}},
		{"Health", func(t *testing.T) {
			h, err := m.Health(ctx)
			if err != nil || h[tribune.HealthOverlay] != "0" {
				t.Errorf("Health = %v, %v", h, err)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, st.run)
	}
}

func TestClient_Errors(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	c := newClient(t, srv, testToken)
	ctx := context.Background()

	// A port where nothing listens.
	deadAddr := tribunetest.FreeAddr(t)
	dead := overlay.NewClient(deadAddr, testToken)

	tests := []struct {
		name   string
		call   func() error
		code   string
		reason string
	}{
		{"Unknown", func() error { _, err := c.Approve(ctx, 999); return err }, tribune.ENOTFOUND, tribune.ReasonUnknown},
		{"Conflict", func() error { _, err := c.Approve(ctx, 1); return err }, tribune.ECONFLICT, tribune.ReasonBadTransition},
		{"SelfMerge", func() error { _, err := c.Merge(ctx, 2, 2); return err }, tribune.EINVALID, tribune.ReasonSelfMerge},
		{"EmptyEdit", func() error { _, err := c.Edit(ctx, 2, " "); return err }, tribune.EINVALID, tribune.ReasonEmpty},
		{"BadStatus", func() error { _, err := c.Questions(ctx, "bogus"); return err }, tribune.EINVALID, tribune.ReasonInvalidStatus},
		{"NothingOnAir", func() error { _, err := c.HideOverlay(ctx); return err }, tribune.ECONFLICT, tribune.ReasonNothingOnAir},
		{"WrongToken", func() error { _, err := newClient(t, srv, "nope").Questions(ctx, ""); return err }, tribune.EUNAUTHORIZED, ""},
		{"SubscribeWrongToken", func() error { _, err := newClient(t, srv, "nope").Subscribe(ctx); return err }, tribune.EUNAUTHORIZED, ""},
		{"Unreachable", func() error { _, err := dead.Session(ctx); return err }, tribune.EUNAVAILABLE, ""},
		{"SubscribeUnreachable", func() error { _, err := dead.Subscribe(ctx); return err }, tribune.EUNAVAILABLE, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var te *tribune.Error
			if !asError(err, &te) {
				t.Fatalf("err = %#v, want a *tribune.Error", err)
			}
			if te.Code != tc.code {
				t.Errorf("code=%q, want %q (%v)", te.Code, tc.code, err)
			}
			if tc.reason != "" && te.Reason != tc.reason {
				t.Errorf("reason=%q, want %q", te.Reason, tc.reason)
			}
			if tribune.ErrorMessage(err) == "" {
				t.Error("no message")
			}
		})
	}
	t.Run("ArgsAreInts", func(t *testing.T) {
		_, err := c.Edit(ctx, 2, strings.Repeat("x", tribune.MaxQuestionRunes+1))
		if v, _ := tribune.ErrorArg(err, "max"); v != tribune.MaxQuestionRunes {
			t.Errorf("max = %#v, want %d", v, tribune.MaxQuestionRunes)
		}
	})
}

func asError(err error, target **tribune.Error) bool {
	e, ok := err.(*tribune.Error)
	if ok {
		*target = e
	}
	return ok
}

// next returns the next event of sub that is not a health event of the
// overlay count, failing after timeout.
func next(t *testing.T, sub *tribune.Subscription, timeout time.Duration) tribune.Event {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				t.Fatal("subscription closed")
			}
			if ev.Type == tribune.EventHealth && ev.Health[overlay.HealthAPI] == "" {
				continue
			}
			return ev
		case <-timer.C:
			t.Fatalf("no event within %v", timeout)
		}
	}
}

func TestClient_Subscribe(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	c := newClient(t, srv, testToken)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, sub, 5*time.Second); ev.Type != tribune.EventHealth || ev.Health[overlay.HealthAPI] != "connected" {
		t.Fatalf("first event %+v, want health api connected", ev)
	}
	// Subscribe returned after the server registered the stream, so this
	// event cannot be missed.
	q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Can a remote console see me?")
	if ev := next(t, sub, 5*time.Second); ev.Type != tribune.EventCreated || ev.Question == nil || ev.Question.ID != q.ID {
		t.Fatalf("event %+v, want created #%d", ev, q.ID)
	}
	tribunetest.Show(t, svc, q.ID)
	seen := map[tribune.EventType]bool{}
	for !seen[tribune.EventOnAir] {
		seen[next(t, sub, 5*time.Second).Type] = true
	}
	if !seen[tribune.EventUpdated] {
		t.Errorf("no updated event before onair: %v", seen)
	}

	t.Run("EndsWithContext", func(t *testing.T) {
		cancel()
		timer := time.After(5 * time.Second)
		for {
			select {
			case _, ok := <-sub.C:
				if !ok {
					return
				}
			case <-timer:
				t.Fatal("subscription still open after its context ended")
			}
		}
	})
}

// TestClient_Reconnect restarts the server under a subscription: the
// client reports the loss, reconnects by itself, and asks for a resync.
func TestClient_Reconnect(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	addr := strings.TrimPrefix(srv.URL(), "http://")
	c := newClient(t, srv, testToken)
	sub, err := c.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next(t, sub, 5*time.Second) // connected

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, sub, 5*time.Second); ev.Type != tribune.EventHealth || ev.Health[overlay.HealthAPI] != "disconnected" {
		t.Fatalf("event %+v, want health api disconnected", ev)
	}
	q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Asked while the console was away")
	StartServer(t, svc, addr)

	if ev := next(t, sub, 15*time.Second); ev.Type != tribune.EventHealth || ev.Health[overlay.HealthAPI] != "connected" {
		t.Fatalf("event %+v, want health api connected", ev)
	}
	if ev := next(t, sub, 5*time.Second); ev.Type != tribune.EventResync {
		t.Fatalf("event %+v, want resync", ev)
	}
	// What the console reloads on resync includes what it missed.
	qs, err := c.Questions(context.Background(), "")
	if err != nil || len(qs) != 1 || qs[0].ID != q.ID {
		t.Errorf("Questions after resync = %+v, %v; want #%d", qs, err, q.ID)
	}
	tribunetest.Vote(t, svc, tribunetest.Voter(1), q.ID)
	if ev := next(t, sub, 5*time.Second); ev.Type != tribune.EventVoted || ev.Question.Votes != 2 {
		t.Errorf("event %+v, want voted with 2 votes", ev)
	}
}

// TestClient_Close checks that Close ends every subscription.
func TestClient_Close(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	c := overlay.NewClient(srv.URL(), testToken)
	var subs []*tribune.Subscription
	for range 3 {
		sub, err := c.Subscribe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	c.Close()
	for i, sub := range subs {
		for range sub.C {
		}
		t.Logf("subscription %d closed", i)
	}
}
