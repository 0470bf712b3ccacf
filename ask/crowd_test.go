package ask_test

import (
	"context"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

func TestCrowd(t *testing.T) {
	e := newEnv(t, options{})
	// A question from elsewhere, for the crowd to vote on from the start.
	if _, err := e.svc.Ask(context.Background(), tribune.Actor{Login: "host", UserID: "1", Source: tribune.SourceTwitch}, "What should we talk about first?"); err != nil {
		t.Fatal(err)
	}
	c := ask.NewCrowd(e.url, 42)
	c.Browsers = 8
	c.Pause = 15 * time.Millisecond
	c.Logger = tribunetest.QuietLogger()
	run := tribunetest.Run(t, "Run", c.Run)
	tribunetest.Eventually(t, 20*time.Second, "the crowd asks and votes", func() bool {
		s := c.Stats()
		return s.Asked >= 4 && s.Voted >= 20
	})
	if err := run.Stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}

	s := c.Stats()
	web := 0
	for _, q := range tribunetest.Questions(t, e.svc, "") {
		if q.Source == tribune.SourceWeb {
			web++
			if q.Channel != "web" || q.AuthorID == "" {
				t.Errorf("web question %+v", q)
			}
		}
		// One vote per browser: never more than the crowd (and the host).
		if q.Votes > c.Browsers+1 {
			t.Errorf("#%d has %d votes from %d browsers", q.ID, q.Votes, c.Browsers)
		}
	}
	if web == 0 || int64(web) > s.Asked {
		t.Errorf("%d web questions for %d accepted asks", web, s.Asked)
	}
	if q := tribunetest.Get(t, e.svc, 1); q.Votes < 2 {
		t.Errorf("the host's question has %d votes: the crowd did not vote on it", q.Votes)
	}
	t.Logf("crowd: %+v, %d web questions", s, web)

	t.Run("BadURL", func(t *testing.T) {
		if err := ask.NewCrowd("ftp://example.org", 1).Run(context.Background()); err == nil {
			t.Error("a crowd of an ftp URL ran")
		}
	})
}
