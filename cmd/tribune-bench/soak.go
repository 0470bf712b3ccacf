package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// SoakResult is the soak: memory and goroutines sampled each second while
// commands flow at a steady rate.
type SoakResult struct {
	Duration string       `json:"duration"`
	Rate     float64      `json:"commands_per_sec"`
	Lines    int          `json:"lines"`
	Commands int          `json:"commands"`
	Samples  []SoakSample `json:"samples"`
	// Start and end values are means of the first and last minute; trends
	// are least-squares slopes over the samples after the first minute,
	// when caches and buffers have reached their size.
	HeapStartMB          float64  `json:"heap_start_mb"`
	HeapEndMB            float64  `json:"heap_end_mb"`
	HeapTrendMBPerMin    float64  `json:"heap_trend_mb_per_min"`
	RSSStartMB           float64  `json:"rss_start_mb"`
	RSSEndMB             float64  `json:"rss_end_mb"`
	RSSTrendMBPerMin     float64  `json:"rss_trend_mb_per_min"`
	GoroutinesStart      int      `json:"goroutines_start"`
	GoroutinesEnd        int      `json:"goroutines_end"`
	GoroutineTrendPerMin float64  `json:"goroutine_trend_per_min"`
	CountsExact          bool     `json:"counts_exact"`
	Errors               []string `json:"errors,omitempty"`
}

// SoakSample is one second of the soak.
type SoakSample struct {
	T          float64 `json:"t"`
	HeapMB     float64 `json:"heap_mb"`
	RSSMB      float64 `json:"rss_mb"`
	Goroutines int     `json:"goroutines"`
	Commands   int     `json:"commands"`
}

// soakQuestions is how many approved questions the soak votes on.
const soakQuestions = 1000

// soak runs Tribune in this process, so that goroutines can be counted,
// with the two websocket clients attached, and sends rate commands per
// second with nine chat lines per command. The commands keep the meeting's
// state bounded, so that any growth is a leak and not data: every vote is
// withdrawn (!unvote) a few seconds later by the same viewer, and one
// command in a hundred is !top. Lines are made as they are sent, so the
// bench's own memory stays flat.
func (b *bench) soak(ctx context.Context, d time.Duration) (*SoakResult, error) {
	res := &SoakResult{Duration: d.String(), Rate: b.cfg.CommandRate}
	db := b.freshDB("soak")
	if err := seedDB(db, soakQuestions); err != nil {
		return nil, err
	}
	srv, err := twitchfake.Start()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	t, err := startInproc(b.targetOpts(db, srv.Addr(), nil), b.logger)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			t.Stop()
		}
	}()
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.WaitJoined(jctx, benchChannel); err != nil {
		return nil, err
	}
	api, err := dialWS(ctx, t, "/api/events", "api")
	if err != nil {
		return nil, err
	}
	defer api.Close()
	feed, err := dialWS(ctx, t, "/overlay/ws", "overlay")
	if err != nil {
		return nil, err
	}
	defer feed.Close()

	rng := rand.New(rand.NewPCG(9, 9))
	mk := &lineMaker{sent: time.Now()}
	const viewers = 50_000
	type pair struct{ v, q int }
	var pending []pair // votes to withdraw, oldest first
	active := map[pair]bool{}
	lag := int(5 * b.cfg.CommandRate) // a vote is withdrawn about 5 s later
	next := func(drain bool) (string, bool) {
		if len(pending) > 0 && (drain || len(pending) >= lag) {
			p := pending[0]
			pending = pending[1:]
			delete(active, p)
			return mk.line(benchChannel, viewer(p.v), "!unvote "+strconv.Itoa(p.q)), true
		}
		if drain {
			return "", false
		}
		if rng.IntN(100) == 0 {
			return mk.line(benchChannel, viewer(rng.IntN(viewers)), "!top"), true
		}
		for {
			p := pair{rng.IntN(viewers), 1 + rng.IntN(soakQuestions)}
			if !active[p] {
				active[p] = true
				pending = append(pending, p)
				return mk.line(benchChannel, viewer(p.v), "!vote "+strconv.Itoa(p.q)), true
			}
		}
	}

	sample := func(start time.Time) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		pm, _ := readProcMem("self")
		res.Samples = append(res.Samples, SoakSample{
			T: time.Since(start).Seconds(), HeapMB: float64(ms.HeapInuse) / (1 << 20), RSSMB: float64(pm.RSS) / (1 << 20),
			Goroutines: runtime.NumGoroutine(), Commands: res.Commands,
		})
	}
	start := time.Now()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	batch := make([]string, 0, 1024)
	sample(start)
	for time.Since(start) < d && ctx.Err() == nil {
		select {
		case <-sec.C:
			sample(start)
			if n := len(res.Samples); n%60 == 0 {
				s := res.Samples[n-1]
				b.progress("soak: %.0f s, heap %.1f MB, RSS %.1f MB, %d goroutines", s.T, s.HeapMB, s.RSSMB, s.Goroutines)
			}
			continue
		case <-tick.C:
		}
		due := int(b.cfg.CommandRate * time.Since(start).Seconds())
		batch = batch[:0]
		for res.Commands < due {
			line, _ := next(false)
			batch = append(batch, line)
			for range 9 {
				batch = append(batch, mk.line(benchChannel, viewer(rng.IntN(viewers)), chatLine(rng)))
			}
			res.Commands++
		}
		res.Lines += len(batch)
		if len(batch) > 0 {
			srv.SendLines(benchChannel, batch)
		}
	}
	// Withdraw the votes still standing, so every count is back to one.
	batch = batch[:0]
	for {
		line, ok := next(true)
		if !ok {
			break
		}
		batch = append(batch, line)
		res.Commands++
	}
	res.Lines += len(batch)
	srv.SendLines(benchChannel, batch)

	// Wait until the bot has applied every command, then check.
	deadline := time.Now().Add(60 * time.Second)
	for t.Bot.Stats().Applied < uint64(res.Commands) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if st := t.Bot.Stats(); st.Lines != uint64(res.Lines) || st.Applied != uint64(res.Commands) {
		res.Errors = append(res.Errors, fmt.Sprintf("bot saw %d lines, applied %d commands; sent %d lines, %d commands", st.Lines, st.Applied, res.Lines, res.Commands))
	}
	wrong := 0
	approved, err := t.Service.Questions(context.Background(), tribune.StatusApproved)
	if err != nil {
		res.Errors = append(res.Errors, err.Error())
	}
	for _, q := range approved {
		if q.Votes != 1 {
			wrong++
		}
	}
	if api.closed() != nil || feed.closed() != nil {
		res.Errors = append(res.Errors, fmt.Sprintf("a client was dropped: api %v, overlay %v", api.closed(), feed.closed()))
	}
	api.Close()
	feed.Close()
	stopped = true
	if err := t.Stop(); err != nil {
		res.Errors = append(res.Errors, "stop: "+err.Error())
	}
	check, err := checkDB(db, soakQuestions, func(int) int { return 1 })
	if err != nil {
		return nil, err
	}
	res.CountsExact = wrong == 0 && check.Mismatched == 0 && check.Detail == ""
	if !res.CountsExact {
		res.Errors = append(res.Errors, fmt.Sprintf("%d questions not back to one vote in memory; database: %s", wrong, check.Detail))
	}
	res.summarize()
	if len(res.Samples) < 3 {
		return res, errors.New("soak too short to sample")
	}
	return res, nil
}

// summarize computes the start and end means and the trends.
func (s *SoakResult) summarize() {
	n := len(s.Samples)
	if n < 3 {
		return
	}
	w := min(60, n/3)
	mean := func(from, to int, f func(SoakSample) float64) float64 {
		sum := 0.0
		for _, x := range s.Samples[from:to] {
			sum += f(x)
		}
		return sum / float64(to-from)
	}
	heap := func(x SoakSample) float64 { return x.HeapMB }
	rss := func(x SoakSample) float64 { return x.RSSMB }
	gor := func(x SoakSample) float64 { return float64(x.Goroutines) }
	s.HeapStartMB, s.HeapEndMB = mean(0, w, heap), mean(n-w, n, heap)
	s.RSSStartMB, s.RSSEndMB = mean(0, w, rss), mean(n-w, n, rss)
	s.GoroutinesStart, s.GoroutinesEnd = int(mean(0, w, gor)+0.5), int(mean(n-w, n, gor)+0.5)
	slope := func(f func(SoakSample) float64) float64 {
		pts := s.Samples[w:]
		var sx, sy, sxx, sxy float64
		for _, p := range pts {
			x := p.T / 60
			y := f(p)
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
		k := float64(len(pts))
		den := k*sxx - sx*sx
		if den == 0 {
			return 0
		}
		return (k*sxy - sx*sy) / den
	}
	s.HeapTrendMBPerMin, s.RSSTrendMBPerMin, s.GoroutineTrendPerMin = slope(heap), slope(rss), slope(gor)
}
