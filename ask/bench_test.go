package ask_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
)

// BenchmarkVote measures a new web viewer's first vote through the page
// (cookie minted, Origin checked, JSON answered, over loopback HTTP)
// against the same vote given to the Service directly, in the same run:
// the ratio is what the page costs on top of the Service.
func BenchmarkVote(b *testing.B) {
	e := newEnv(b, options{})
	ctx := context.Background()
	mustAsk(b, e.browser(b), "The question everyone votes for?")
	voter := 0 // across the runs of the sub-benchmark: each vote is a new viewer's
	b.Run("Service", func(b *testing.B) {
		for b.Loop() {
			voter++
			a := tribune.Actor{Source: tribune.SourceWeb, UserID: fmt.Sprintf("bench-service-%d", voter), Channel: "web"}
			if _, err := e.svc.Vote(ctx, a, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("HTTP", func(b *testing.B) {
		tr := &http.Transport{MaxIdleConnsPerHost: 4}
		defer tr.CloseIdleConnections()
		for b.Loop() {
			br, err := ask.NewBrowser(e.url, tr)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := br.Vote(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
