package store_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/store"
)

// openService opens a Service for channel "chan" on a store.DB at path and
// closes both at the end of the test (or earlier, through the returned func).
func openService(t *testing.T, path string, clk *fakeclock.Clock) (*tribune.Service, func()) {
	t.Helper()
	db := store.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	svc := tribune.NewService(db, "#Chan")
	svc.Now = clk.Now
	svc.RateInterval = 0
	svc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Open(context.Background()); err != nil {
		db.Close()
		t.Fatalf("Service.Open: %v", err)
	}
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			if err := svc.Close(); err != nil {
				t.Errorf("Service.Close: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Errorf("DB.Close: %v", err)
			}
		})
	}
	t.Cleanup(closeAll)
	return svc, closeAll
}

func viewer(login string) tribune.Actor {
	return tribune.Actor{Login: login, DisplayName: login, UserID: "id-" + login, Source: tribune.SourceTwitch}
}

// TestServiceRestart runs the Service on a real database, restarts it, and
// checks that questions, votes, the on-air question, bans and the
// moderation log are restored, and that undo works across the restart.
func TestServiceRestart(t *testing.T) {
	ctx := context.Background()
	mod := tribune.NewContext(ctx, tribune.Actor{Login: "mod", DisplayName: "Mod", Moderator: true, Source: tribune.SourceConsole})
	path := filepath.Join(t.TempDir(), "tribune.db")
	clk := fakeclock.NewTicking(t0, time.Second)

	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	svc, stop := openService(t, path, clk)
	for _, ask := range []struct{ who, text string }{
		{"ann", "What is the plan for the <b>bridge</b>?"},
		{"bob", "Will taxes rise?"},
		{"cat", "What about schools?"},
		{"troll", "Something rude"},
	} {
		res, err := svc.Ask(ctx, viewer(ask.who), ask.text)
		if err != nil {
			t.Fatalf("Ask(%s): %v", ask.who, err)
		}
		if res.Question.Status != tribune.StatusPending {
			t.Errorf("#%d Status=%s, want pending", res.Question.ID, res.Question.Status)
		}
	}
	for id := 1; id <= 3; id++ {
		must(svc.Approve(mod, id))
	}
	must(svc.Vote(ctx, viewer("dan"), 1))
	must(svc.Vote(ctx, viewer("eve"), 1))
	must(svc.Vote(ctx, viewer("fay"), 2))
	must(svc.Report(ctx, viewer("gus"), 1))
	must(svc.Merge(mod, 2, 1)) // bob's and fay's votes move to #1
	must(svc.Show(mod, 3))
	must(svc.Ban(mod, "troll")) // #4 is rejected
	if q, _ := svc.Get(1); q.Votes != 5 {
		t.Fatalf("#1 Votes=%d after the merge, want 5", q.Votes)
	}
	session := tribunetest.Session(t, svc)
	questions := tribunetest.Questions(t, svc, "")
	log := svc.Log()
	stop()

	// Restart: everything comes back as it was.
	svc, stop = openService(t, path, clk)
	if got := tribunetest.Session(t, svc); got != session {
		t.Errorf("Session=%+v, want %+v", got, session)
	}
	if got := tribunetest.Questions(t, svc, ""); !reflect.DeepEqual(got, questions) {
		t.Errorf("Questions after restart:\n got %+v\nwant %+v", got, questions)
	}
	if got := svc.Log(); !reflect.DeepEqual(got, log) {
		t.Errorf("Log after restart:\n got %+v\nwant %+v", got, log)
	}
	if q, ok := svc.OnAir(); !ok || q.ID != 3 {
		t.Errorf("OnAir=#%d, %v; want #3", q.ID, ok)
	}
	if !svc.Banned(tribunetest.TwitchViewer("troll")) {
		t.Error("troll is not banned after restart")
	}
	// The restored votes still dedupe: dan voted for #1 before the restart.
	if _, err := svc.Vote(ctx, viewer("dan"), 1); tribune.ErrorCode(err) != tribune.ECONFLICT {
		t.Errorf("second vote after restart: ErrorCode=%q, want %q (err %v)", tribune.ErrorCode(err), tribune.ECONFLICT, err)
	}

	// Undo after the restart, newest first: the ban, the show, the merge.
	for _, want := range []tribune.Action{tribune.ActionBan, tribune.ActionShow, tribune.ActionMerge} {
		e, err := svc.Undo(mod)
		if err != nil {
			t.Fatalf("Undo of %s: %v", want, err)
		}
		if e.Action != want {
			t.Errorf("Undo undid %s, want %s", e.Action, want)
		}
	}
	stop()

	// Restart again: the undos were stored.
	svc, _ = openService(t, path, clk)
	if svc.Banned(tribunetest.TwitchViewer("troll")) {
		t.Error("troll still banned after undo and restart")
	}
	if q, ok := svc.OnAir(); ok {
		t.Errorf("OnAir=#%d after undoing the show, want none", q.ID)
	}
	for _, tt := range []struct {
		id     int
		status tribune.Status
		votes  int
	}{
		{1, tribune.StatusApproved, 3}, // ann, dan, eve: the merged votes went back
		{2, tribune.StatusApproved, 2}, // bob, fay
		{3, tribune.StatusApproved, 1},
		{4, tribune.StatusPending, 1},
	} {
		q, err := svc.Get(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != tt.status || q.Votes != tt.votes {
			t.Errorf("#%d Status=%s Votes=%d, want %s %d", tt.id, q.Status, q.Votes, tt.status, tt.votes)
		}
	}
	if q, _ := svc.Get(2); q.MergedInto != 0 {
		t.Errorf("#2 MergedInto=%d after undo, want 0", q.MergedInto)
	}
	undone := 0
	for _, e := range svc.Log() {
		if e.Undone {
			undone++
		}
	}
	if undone != 3 {
		t.Errorf("log entries marked undone=%d, want 3", undone)
	}
	// bob's vote can move again: it is on #2 only.
	if _, err := svc.Vote(ctx, viewer("bob"), 1); err != nil {
		t.Errorf("bob's vote on #1 after the merge was undone: %v", err)
	}
}

// TestServiceStoreRefuses shows the Service on a read-only database: the
// command is refused with EUNAVAILABLE and nothing changes, in memory or on
// disk.
func TestServiceStoreRefuses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tribune.db")
	clk := fakeclock.NewTicking(t0, time.Second)
	svc, stop := openService(t, path, clk)
	if _, err := svc.Ask(ctx, viewer("ann"), "first"); err != nil {
		t.Fatal(err)
	}
	stop()

	db := store.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc = tribune.NewService(db, "chan")
	svc.Now = clk.Now
	svc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := svc.Open(ctx); err != nil {
		t.Fatalf("Service.Open on a read-only database: %v", err)
	}
	t.Cleanup(func() { svc.Close() })
	_, err := svc.Ask(ctx, viewer("bob"), "second")
	if code := tribune.ErrorCode(err); code != tribune.EUNAVAILABLE {
		t.Errorf("Ask on a read-only database: ErrorCode=%q, want %q (err %v)", code, tribune.EUNAVAILABLE, err)
	}
	if n := len(tribunetest.Questions(t, svc, "")); n != 1 {
		t.Errorf("Questions=%d after a refused Ask, want 1", n)
	}
	// What /healthz shows: storage names what is wrong.
	if h := tribunetest.Health(svc)[tribune.HealthStorage]; h != "read-only" {
		t.Errorf("Health[%s]=%q, want read-only", tribune.HealthStorage, h)
	}
}
