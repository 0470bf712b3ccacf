package ask

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a Crowd.
const (
	DefaultCrowdBrowsers = 12
	DefaultCrowdPause    = 3 * time.Second
)

// crowdQuestions are what the demo's web viewers ask, in both languages.
var crowdQuestions = []string{
	"What will you do about public transport in the outer suburbs?",
	"Quand la ligne de tram vers le nord sera-t-elle terminée ?",
	"How will the new housing plan keep rents affordable?",
	"Que prévoyez-vous pour les commerces du centre-ville ?",
	"Will the school canteens serve more local food next year?",
	"Comment financer la rénovation énergétique des écoles ?",
	"Can the library stay open on Sunday afternoons?",
	"Quelle place pour les vélos sur le nouveau pont ?",
	"What is the timeline for the new swimming pool?",
	"Allez-vous publier les comptes rendus des conseils de quartier ?",
	"How can residents take part in the participatory budget?",
	"Que faire contre le bruit des livraisons la nuit ?",
}

var crowdNames = []string{"Camille", "Alex", "Sam", "Léa", "Jordan", "Inès", "Noah", "Maya", ""}

// Crowd is a simulated crowd of web viewers for `tribune demo`: each is a
// Browser with its own cookie jar that asks now and then and votes for
// the questions it sees, through the page's real routes.
type Crowd struct {
	BaseURL string
	Seed    uint64
	// Browsers is how many viewers (DefaultCrowdBrowsers).
	Browsers int
	// Pause is the mean time between two actions of one viewer
	// (DefaultCrowdPause).
	Pause time.Duration
	// Questions are the texts viewers ask; nil for the built-in ones.
	Questions []string
	// AsksPerBrowser is how many questions a viewer asks at most (2).
	AsksPerBrowser int
	Code           string // the meeting code, when the page needs one
	Transport      http.RoundTripper
	Logger         *slog.Logger

	asked, voted, unvoted, refused atomic.Int64
}

// NewCrowd returns a crowd of the ask page at baseURL (without /ask),
// whose choices follow seed.
func NewCrowd(baseURL string, seed uint64) *Crowd {
	return &Crowd{
		BaseURL: baseURL, Seed: seed, Browsers: DefaultCrowdBrowsers, Pause: DefaultCrowdPause,
		AsksPerBrowser: 2, Logger: slog.Default(),
	}
}

// CrowdStats counts what a crowd did that the page accepted, and its
// refusals (rate limits, repeated votes: a crowd meets them too).
type CrowdStats struct {
	Asked, Voted, Unvoted, Refused int64
}

// Stats returns what the crowd did so far.
func (c *Crowd) Stats() CrowdStats {
	return CrowdStats{Asked: c.asked.Load(), Voted: c.voted.Load(), Unvoted: c.unvoted.Load(), Refused: c.refused.Load()}
}

// Run runs the crowd until ctx ends, and returns nil then; an error only
// when the crowd cannot start (a bad base URL).
func (c *Crowd) Run(ctx context.Context) error {
	n := c.Browsers
	if n <= 0 {
		n = DefaultCrowdBrowsers
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	browsers := make([]*Browser, n)
	for i := range browsers {
		b, err := NewBrowser(c.BaseURL, c.Transport)
		if err != nil {
			return err
		}
		b.Code = c.Code
		browsers[i] = b
	}
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.viewer(ctx, b, rand.New(rand.NewPCG(c.Seed, uint64(i))), logger)
		}()
	}
	wg.Wait()
	return nil
}

// viewer is one simulated web viewer's life: pause, then ask, vote or
// change its mind, until ctx ends.
func (c *Crowd) viewer(ctx context.Context, b *Browser, rng *rand.Rand, logger *slog.Logger) {
	pause := c.Pause
	if pause <= 0 {
		pause = DefaultCrowdPause
	}
	texts := c.Questions
	if len(texts) == 0 {
		texts = crowdQuestions
	}
	name := crowdNames[rng.IntN(len(crowdNames))]
	asks := 0
	for {
		// Exponential pauses: viewers do not act in step.
		wait := time.Duration(rng.ExpFloat64() * float64(pause))
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(wait, 10*pause)):
		}
		var err error
		switch p := rng.Float64(); {
		case asks < c.AsksPerBrowser && p < 0.2:
			asks++
			_, err = b.Ask(ctx, AskRequest{Text: texts[rng.IntN(len(texts))], Name: name, Anonymous: rng.IntN(5) == 0})
			if err == nil {
				c.asked.Add(1)
			}
		default:
			err = c.vote(ctx, b, rng)
		}
		var refused *APIError
		switch {
		case err == nil:
		case errors.As(err, &refused):
			c.refused.Add(1)
			logger.Debug("web crowd: refused", "reason", refused.Reason, "status", refused.Status)
		case ctx.Err() != nil:
			return
		default:
			logger.Debug("web crowd: request failed", "err", err)
		}
	}
}

// vote votes for a listed question the viewer has not voted for, the
// most voted more often; now and then it takes a vote back.
func (c *Crowd) vote(ctx context.Context, b *Browser, rng *rand.Rand) error {
	st, err := b.State(ctx)
	if err != nil {
		return err
	}
	mine := map[int]bool{}
	for _, id := range st.Voted {
		mine[id] = true
	}
	if len(st.Voted) > 0 && rng.IntN(12) == 0 {
		if _, err := b.Unvote(ctx, st.Voted[rng.IntN(len(st.Voted))]); err != nil {
			return err
		}
		c.unvoted.Add(1)
		return nil
	}
	var open []int
	for _, q := range st.Questions {
		if !mine[q.ID] {
			open = append(open, q.ID)
		}
	}
	if len(open) == 0 {
		return nil
	}
	// The list comes most voted first: favour its head, as people do.
	i := min(len(open)-1, int(rng.ExpFloat64()*float64(len(open))/3))
	if _, err := b.Vote(ctx, open[i]); err != nil {
		return err
	}
	c.voted.Add(1)
	return nil
}
