package ask_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

func TestFeed(t *testing.T) {
	e := newEnv(t, options{service: func(s *tribune.Service) { s.Premoderate = true }})
	ctx := context.Background()
	author := e.browser(t)
	mustAsk(t, author, "Mine first, to get a cookie?") // #1, pending
	if _, err := e.svc.Approve(ctx, 1); err != nil {
		t.Fatal(err)
	}
	public := e.openFeed(t, nil)
	own := e.openFeed(t, &http.Client{Jar: author.Client.Jar})

	snap := own.next(t, "snapshot", 5*time.Second)
	if mine, _ := snap["mine"].([]any); len(mine) != 1 {
		t.Errorf("the author's snapshot has mine=%v, want their question", snap["mine"])
	}
	if fmt.Sprint(snap["voted"]) != "[1]" {
		t.Errorf("the author's snapshot has voted=%v, want [1]", snap["voted"])
	}
	psnap := public.next(t, "snapshot", 5*time.Second)
	if mine, _ := psnap["mine"].([]any); len(mine) != 0 || len(questionsOf(psnap)) != 1 {
		t.Errorf("a browser without id: snapshot %v", psnap)
	}

	t.Run("PendingIsPrivate", func(t *testing.T) {
		mustAsk(t, author, "Waiting for a moderator?") // #2, pending
		m := own.next(t, "mine", 5*time.Second)
		q := questionsOf(m)[2]
		if q == nil || q["status"] != "pending" || q["text"] != "Waiting for a moderator?" {
			t.Fatalf("the author's feed: %v, want #2 pending", m)
		}
		// The public feed hears of #2 only once it is approved.
		if _, err := e.svc.Approve(ctx, 2); err != nil {
			t.Fatal(err)
		}
		public.until(t, 5*time.Second, "#2 in the public feed", func(m map[string]any, _ string) bool {
			q := questionsOf(m)[2]
			if q != nil && q["status"] != "approved" {
				t.Errorf("the public feed carries #2 as %v", q["status"])
			}
			return q != nil
		})
		own.until(t, 5*time.Second, "the author told of the approval", func(m map[string]any, _ string) bool {
			q := questionsOf(m)[2]
			return m["type"] == "mine" && q != nil && q["status"] == "approved"
		})
	})
	t.Run("VotesFold", func(t *testing.T) {
		const voters = 40
		var wg sync.WaitGroup
		for i := 0; i < voters; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.browser(t).Vote(ctx, 2); err != nil {
					t.Errorf("vote: %v", err)
				}
			}()
		}
		wg.Wait()
		deltas := 0
		public.until(t, 5*time.Second, "the feed shows every vote", func(m map[string]any, _ string) bool {
			if m["type"] != "delta" {
				return false
			}
			deltas++
			q := questionsOf(m)[2]
			return q != nil && q["votes"] == float64(voters+1)
		})
		if deltas >= voters {
			t.Errorf("%d deltas for %d votes: the feed does not fold changes", deltas, voters)
		}
		t.Logf("%d votes reached the feed in %d deltas", voters, deltas)
	})
	t.Run("OnAirAndGone", func(t *testing.T) {
		if _, err := e.svc.Show(ctx, 1); err != nil {
			t.Fatal(err)
		}
		public.until(t, 5*time.Second, "#1 on air", func(m map[string]any, _ string) bool {
			q := questionsOf(m)[1]
			return m["type"] == "delta" && q != nil && q["status"] == "onair" && q["since"] != nil
		})
		if _, err := e.svc.Answer(ctx, 1); err != nil {
			t.Fatal(err)
		}
		public.until(t, 5*time.Second, "#1 off the list", func(m map[string]any, _ string) bool {
			removed, _ := m["removed"].([]any)
			return m["type"] == "delta" && len(removed) == 1 && removed[0] == float64(1)
		})
		if st, _ := author.State(ctx); len(st.Questions) != 1 || st.Questions[0].ID != 2 {
			t.Errorf("listed after the answer: %+v, want only #2", st.Questions)
		}
	})
	t.Run("Order", func(t *testing.T) {
		for _, text := range []string{"Third question, no votes?", "Fourth question, two votes?"} {
			mustAsk(t, e.browser(t), text)
		}
		for _, id := range []int{3, 4} {
			if _, err := e.svc.Approve(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		e.browser(t).Vote(ctx, 4)
		if _, err := e.svc.Show(ctx, 3); err != nil {
			t.Fatal(err)
		}
		tribunetest.Eventually(t, 5*time.Second, "three questions listed", func() bool {
			st, _ := author.State(ctx)
			return len(st.Questions) == 3
		})
		fresh := e.openFeed(t, nil)
		snap := fresh.next(t, "snapshot", 5*time.Second)
		var order []int
		for _, v := range snap["questions"].([]any) {
			order = append(order, int(v.(map[string]any)["id"].(float64)))
		}
		st, _ := author.State(ctx)
		var listed []int
		for _, q := range st.Questions {
			listed = append(listed, q.ID)
		}
		// On air first, then by votes: #3 (on air), #2 (41), #4 (2).
		if fmt.Sprint(order) != "[3 2 4]" || fmt.Sprint(listed) != "[3 2 4]" {
			t.Errorf("snapshot order %v, state order %v, want [3 2 4]", order, listed)
		}
	})
}

func TestFeedLimits(t *testing.T) {
	e := newEnv(t, options{server: func(s *ask.Server) { s.MaxStreams = 2 }})
	e.openFeed(t, nil).next(t, "snapshot", 5*time.Second)
	e.openFeed(t, nil).next(t, "snapshot", 5*time.Second)
	res, body := e.request(t, nil, http.MethodGet, "/ask/events", "", "", nil)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("a third feed: %d %q, Retry-After %q; want 503 with Retry-After", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	if r := errorBody(t, body).Error.Reason; r != "busy" {
		t.Errorf("reason %q", r)
	}
}

func TestCloseEndsFeeds(t *testing.T) {
	e := newEnv(t, options{})
	f := e.openFeed(t, nil)
	f.next(t, "snapshot", 5*time.Second)
	start := time.Now()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with a feed open", d)
	}
	select {
	case _, open := <-f.msgs:
		if open {
			for range f.msgs {
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the feed is still open after Close")
	}
}

func TestFeedResync(t *testing.T) {
	e := newEnv(t, options{})
	mustAsk(t, e.browser(t), "Asked before the resync?")
	f := e.openFeed(t, nil)
	f.next(t, "snapshot", 5*time.Second)
	// The feed fell behind the Service: every page starts again.
	ask.ApplyEvent(e.srv, tribune.Event{Type: tribune.EventResync})
	select {
	case _, open := <-f.msgs:
		if open {
			t.Fatal("a message after a resync, want the feed closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the feed is still open after a resync")
	}
	snap := e.openFeed(t, nil).next(t, "snapshot", 5*time.Second)
	if q := questionsOf(snap)[1]; q == nil || q["text"] != "Asked before the resync?" {
		t.Errorf("snapshot after the resync %v", snap)
	}
}
