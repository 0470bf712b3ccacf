package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tribune-live/tribune/ask"
)

// askChatRate is the chat's pace during the ask page's load test, in
// lines per second: a busy meeting's (one line in ten a command).
const askChatRate = 1000

// AskResult is the ask page's load test.
type AskResult struct {
	Browsers int     `json:"browsers"`
	Askers   int     `json:"askers"`
	Votes    int     `json:"votes"`
	Rate     float64 `json:"scheduled_votes_per_sec"`
	// Achieved is the votes answered per second, from the first vote sent
	// to the last answered.
	Achieved float64 `json:"votes_per_sec"`
	// VoteRTT is a vote's round trip: from its request leaving the
	// browser to its answer; AskRTT the same for a question. Late is how
	// far behind its schedule a vote left (the bench keeping up).
	VoteRTT Latency `json:"vote_rtt"`
	AskRTT  Latency `json:"ask_rtt"`
	Late    Latency `json:"vote_late"`
	// VoteFeed is from a vote's request leaving to the /overlay/ws
	// leaderboard showing a count that includes it (the leaderboard is
	// coalesced by design); VoteAPI the same to /api/events.
	VoteFeed Latency `json:"vote_feed"`
	VoteAPI  Latency `json:"vote_api"`
	// NotShown counts votes whose count never showed on the feed.
	NotShown int `json:"not_shown,omitempty"`
	// Accepted counts the votes the page took; Refused and Failed the
	// votes and questions it refused (an HTTP error) or that got no
	// answer.
	Accepted  int      `json:"accepted"`
	Refused   int      `json:"refused"`
	Failed    int      `json:"failed"`
	Errors    []string `json:"errors,omitempty"`
	PeakRSSMB float64  `json:"peak_rss_mb"`
	ChatLines int      `json:"chat_lines"`
}

// webAction is one thing a simulated browser does, at its time.
type webAction struct {
	at       time.Duration // since the load's start
	question int           // a vote for it; 0: ask text
	text     string
}

// webVote is one vote as it went.
type webVote struct {
	question int
	sent     time.Time
	rtt      time.Duration
	late     time.Duration
	count    int // the question's votes in the answer: this vote is in
}

// webLoad is the browsers of the load test: it runs beside a chat script
// and times what it does on both feeds. Questions 1 to setupQuestions are
// the web's; the chat votes for the others.
type webLoad struct {
	cfg     Config
	plans   [][]webAction // per browser
	texts   map[string]bool
	started time.Time

	transport *http.Transport
	browsers  []*ask.Browser

	mu     sync.Mutex // guards what follows
	votes  []webVote
	asks   []time.Duration
	fails  []string
	refuse int
	failed int
	// feedSeen[id] and apiSeen[id] are when each count of a web question
	// first showed, in order of count.
	feedSeen, apiSeen map[int][]seen
}

type seen struct {
	votes int
	at    time.Time
}

// newWebLoad plans the load: vote i of the whole schedule leaves at i/rate
// from browser i % browsers, for a question it has not voted for; the
// askers' questions leave spread over the same span.
func newWebLoad(c Config) *webLoad {
	w := &webLoad{cfg: c, plans: make([][]webAction, c.AskBrowsers), texts: map[string]bool{},
		feedSeen: map[int][]seen{}, apiSeen: map[int][]seen{}}
	total := c.AskBrowsers * c.AskVotes
	span := time.Duration(float64(total) / c.AskRate * float64(time.Second))
	for i := range total {
		br, k := i%c.AskBrowsers, i/c.AskBrowsers
		at := time.Duration(float64(i) / c.AskRate * float64(time.Second))
		w.plans[br] = append(w.plans[br], webAction{at: at, question: 1 + (br+k)%setupQuestions})
	}
	tg := newTextGen(rand.New(rand.NewPCG(31, 31)))
	for j := range c.AskAskers {
		br := j * c.AskBrowsers / max(c.AskAskers, 1)
		text := tg.question()
		w.texts[text] = true
		w.plans[br] = append(w.plans[br], webAction{at: span * time.Duration(2*j+1) / time.Duration(2*c.AskAskers), text: text})
	}
	for _, p := range w.plans {
		slices.SortFunc(p, func(a, b webAction) int { return int(a.at - b.at) })
	}
	return w
}

// span is how long the schedule lasts.
func (w *webLoad) span() time.Duration {
	return time.Duration(float64(w.cfg.AskBrowsers*w.cfg.AskVotes) / w.cfg.AskRate * float64(time.Second))
}

// perQuestion returns how many web votes each question gets.
func (w *webLoad) perQuestion() []int {
	out := make([]int, setupQuestions+1)
	for _, p := range w.plans {
		for _, a := range p {
			if a.question > 0 {
				out[a.question]++
			}
		}
	}
	return out
}

func (w *webLoad) onAPI(ev *apiMessage, at time.Time) {
	if ev.Type == "voted" {
		w.saw(w.apiSeen, ev.Question.ID, ev.Question.Votes, at)
	}
}

func (w *webLoad) onFeed(m *feedMessage, at time.Time) {
	if m.Type != "top" {
		return
	}
	for _, q := range m.Questions {
		w.saw(w.feedSeen, q.ID, q.Votes, at)
	}
}

func (w *webLoad) saw(into map[int][]seen, id, votes int, at time.Time) {
	if id < 1 || id > setupQuestions {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	l := into[id]
	if len(l) == 0 || votes > l[len(l)-1].votes {
		into[id] = append(l, seen{votes, at})
	}
}

// prepare makes the browsers and checks that the page answers.
func (w *webLoad) prepare(ctx context.Context, t target) error {
	w.transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	w.browsers = make([]*ask.Browser, len(w.plans))
	for i := range w.browsers {
		br, err := ask.NewBrowser(t.URL(), w.transport)
		if err != nil {
			return err
		}
		w.browsers[i] = br
	}
	if _, err := w.browsers[0].State(ctx); err != nil {
		return fmt.Errorf("the ask page does not answer on the main listener (%s/ask/questions): %w", t.URL(), err)
	}
	return nil
}

// run plays every browser's plan.
func (w *webLoad) run(ctx context.Context, t target) error {
	defer w.transport.CloseIdleConnections()
	w.started = time.Now()
	var wg sync.WaitGroup
	for i, br := range w.browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.play(ctx, br, w.plans[i])
		}()
	}
	wg.Wait()
	return nil
}

func (w *webLoad) play(ctx context.Context, br *ask.Browser, plan []webAction) {
	for _, a := range plan {
		due := w.started.Add(a.at)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(due)):
		}
		sent := time.Now()
		if a.question == 0 {
			_, err := br.Ask(ctx, ask.AskRequest{Text: a.text, Name: "Web viewer"})
			w.done(err, func() { w.asks = append(w.asks, time.Since(sent)) })
			continue
		}
		res, err := br.Vote(ctx, a.question)
		rtt := time.Since(sent)
		w.done(err, func() {
			w.votes = append(w.votes, webVote{question: a.question, sent: sent, rtt: rtt, late: sent.Sub(due), count: res.Question.Votes})
		})
	}
}

// done records an action's outcome: ok runs under the mutex when it
// succeeded.
func (w *webLoad) done(err error, ok func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var refused *ask.APIError
	switch {
	case err == nil:
		ok()
		return
	case errors.As(err, &refused):
		w.refuse++
	default:
		w.failed++
	}
	if len(w.fails) < 5 {
		w.fails = append(w.fails, err.Error())
	}
}

// result summarises the load once both feeds have shown its end.
func (w *webLoad) result() *AskResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	res := &AskResult{Browsers: w.cfg.AskBrowsers, Askers: w.cfg.AskAskers, Votes: w.cfg.AskBrowsers * w.cfg.AskVotes, Rate: w.cfg.AskRate,
		Accepted: len(w.votes), Refused: w.refuse, Failed: w.failed, Errors: w.fails}
	var rtt, late, feed, api []int64
	var first, last time.Time
	for _, v := range w.votes {
		rtt = append(rtt, int64(v.rtt))
		late = append(late, int64(v.late))
		if first.IsZero() || v.sent.Before(first) {
			first = v.sent
		}
		if end := v.sent.Add(v.rtt); end.After(last) {
			last = end
		}
		if at, ok := firstShowing(w.feedSeen[v.question], v.count); ok {
			feed = append(feed, int64(at.Sub(v.sent)))
		} else {
			res.NotShown++
		}
		if at, ok := firstShowing(w.apiSeen[v.question], v.count); ok {
			api = append(api, int64(at.Sub(v.sent)))
		}
	}
	if d := last.Sub(first).Seconds(); d > 0 {
		res.Achieved = float64(len(w.votes)) / d
	}
	var asks []int64
	for _, d := range w.asks {
		asks = append(asks, int64(d))
	}
	res.VoteRTT, res.Late, res.VoteFeed, res.VoteAPI, res.AskRTT = summarize(rtt), summarize(late), summarize(feed), summarize(api), summarize(asks)
	return res
}

// firstShowing returns when a count of at least n first showed.
func firstShowing(l []seen, n int) (time.Time, bool) {
	i := sort.Search(len(l), func(i int) bool { return l[i].votes >= n })
	if i == len(l) {
		return time.Time{}, false
	}
	return l[i].at, true
}

// runAsk runs the ask page's load test: the broadcaster asks twice the
// setup questions, the web votes for the first half through the page's
// real routes (each browser its own cookie jar), the chat for the second
// half at askChatRate lines/s, and some browsers ask too.
func runAsk(ctx context.Context, b *bench, rep *Report) error {
	w := newWebLoad(b.cfg)
	lines := int(askChatRate * w.span().Seconds())
	nq := 2 * setupQuestions
	wd := world{questions: nq, visible: nq}
	s := newScript("ask+chat", lines, wd)
	mixedInto(s, lines, b.cfg.Viewers, setupQuestions+1, setupQuestions, 41, twitchOne(), 0)
	s.others, s.otherAsks = w.perQuestion(), w.texts
	b.progress("ask: %d browsers, %d votes at %.0f/s, %d questions, beside %d chat lines at %d/s",
		b.cfg.AskBrowsers, b.cfg.AskBrowsers*b.cfg.AskVotes, b.cfg.AskRate, b.cfg.AskAskers, lines, askChatRate)
	run := b.runFull(ctx, s, b.freshDB("ask"), fullOpts{
		setup: setupScript(nq, 3), rate: askChatRate, beside: w,
		// Every browser comes from 127.0.0.1.
		askIDsPerIP: 10 * b.cfg.AskBrowsers,
	})
	rep.Runs = append(rep.Runs, run)
	res := w.result()
	res.PeakRSSMB, res.ChatLines = run.PeakRSSMB, lines
	rep.Ask = res
	return nil
}

func judgeAsk(rep *Report) []TargetCheck {
	a, r := rep.Ask, rep.run("ask+chat")
	if a == nil || r == nil {
		return nil
	}
	exact := len(r.Errors) == 0 && r.DB.Mismatched == 0 && r.DB.Detail == "" && a.Refused == 0 && a.Failed == 0
	return []TargetCheck{
		check("ask page: vote p99 <= 100 ms at 1 000 web votes/s", exact && a.VoteRTT.P99 <= targetAskP99MS && a.Rate >= targetAskVotesPerS && a.Achieved >= 0.95*a.Rate,
			"p99 %.1f ms at %.0f votes/s (%d browsers)", a.VoteRTT.P99, a.Achieved, a.Browsers),
		check("ask page: counts exact beside the chat", exact,
			"%d of %d web votes taken, %d refused, %d failed; %d mismatched", a.Accepted, a.Votes, a.Refused, a.Failed, r.DB.Mismatched),
	}
}

func printAsk(w io.Writer, a *AskResult) {
	fmt.Fprintf(w, "\nask page: %d browsers, %d votes scheduled at %.0f/s (%.0f/s answered), %d questions, beside %d chat lines\n",
		a.Browsers, a.Votes, a.Rate, a.Achieved, a.Askers, a.ChatLines)
	fmt.Fprintf(w, "  vote round trip p50 %.1f ms p99 %.1f ms max %.1f ms; on /overlay/ws p50 %.0f ms p99 %.0f ms; on /api/events p50 %.1f ms p99 %.1f ms; question round trip p99 %.1f ms\n",
		a.VoteRTT.P50, a.VoteRTT.P99, a.VoteRTT.Max, a.VoteFeed.P50, a.VoteFeed.P99, a.VoteAPI.P50, a.VoteAPI.P99, a.AskRTT.P99)
	fmt.Fprintf(w, "  votes left p99 %.1f ms behind schedule; %d refused, %d failed, %d never shown on the feed; peak RSS of Tribune %.0f MB\n",
		a.Late.P99, a.Refused, a.Failed, a.NotShown, a.PeakRSSMB)
	for _, e := range a.Errors {
		fmt.Fprintf(w, "  ask: %s\n", e)
	}
}
