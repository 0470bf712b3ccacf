package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tribune-live/tribune/bot"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// topN is how many questions the overlay's leaderboard carries.
const topN = 20

// Latency summarises delays in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func summarize(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	slices.Sort(ns)
	ms := func(v int64) float64 { return float64(v) / 1e6 }
	at := func(p float64) int64 { return ns[min(len(ns)-1, int(p*float64(len(ns))))] }
	return Latency{N: len(ns), P50: ms(at(0.50)), P99: ms(at(0.99)), Max: ms(ns[len(ns)-1])}
}

// RunResult is one scenario through the full path.
type RunResult struct {
	Name     string   `json:"name"`
	Channels []string `json:"channels,omitempty"`
	Lines    int      `json:"lines"`
	Commands int      `json:"commands"`
	Mirrors  int      `json:"mirrors,omitempty"`
	// CommandMirrors are the mirrors that copy a command.
	CommandMirrors int     `json:"command_mirrors,omitempty"`
	YouTube        int     `json:"youtube_messages,omitempty"`
	LineBytes      int     `json:"avg_line_bytes"`
	Rate           float64 `json:"paced_lines_per_sec,omitempty"` // 0: as fast as possible
	// Seconds runs from the first line written to the last effect seen by
	// both clients.
	Seconds     float64 `json:"seconds"`
	LinesPerSec float64 `json:"lines_per_sec"`
	// CommandsPerSec counts commands made durable and delivered per second.
	CommandsPerSec float64    `json:"commands_per_sec"`
	Raw            *rawResult `json:"raw,omitempty"`
	Ratio          float64    `json:"full_over_raw,omitempty"`
	// PairRatios are the full/raw ratios of every alternated pair, in the
	// order run, when there were more than one; the run is the median
	// pair's, its peak RSS the highest of them.
	PairRatios []float64 `json:"pair_ratios,omitempty"`
	// API is the delay from the server writing a command line to the
	// /api/events client receiving its event; Overlay is the same to the
	// overlay feed's leaderboard, which is coalesced by design.
	API     Latency `json:"api_latency"`
	Overlay Latency `json:"overlay_latency"`
	// APIBusy is the share of the run the /api/events client spent
	// decoding and recording its messages: near 1, the bench's own client
	// would be the limit.
	APIBusy float64 `json:"api_client_busy"`
	// APIEnd and OverlayEnd are when each client saw the last effect.
	APIEnd     float64 `json:"api_end_seconds"`
	OverlayEnd float64 `json:"overlay_end_seconds"`
	Resyncs    int     `json:"resyncs,omitempty"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	EndRSSMB   float64 `json:"end_rss_mb"`
	DB         dbCheck `json:"db"`
	// Bot is what the in-process bot counted during the run (its
	// mirrors skipped, its replies folded).
	Bot *bot.Stats `json:"bot,omitempty"`
	// Drop scenario only.
	LostLines        int     `json:"lines_sent_while_disconnected,omitempty"`
	Delivered        int     `json:"lines_sent_to_bot,omitempty"`
	Received         int     `json:"lines_received_by_bot,omitempty"`
	ReceivedCommands int     `json:"commands_received_by_bot,omitempty"`
	StoredCommands   int     `json:"commands_stored,omitempty"`
	ReconnectMS      float64 `json:"reconnect_ms,omitempty"`
	// SettleMS is how long the settling question took (fullOpts.settle).
	SettleMS float64  `json:"settle_ms,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func (r *RunResult) fail(format string, args ...any) {
	r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
}

// fullOpts varies a full-path run.
type fullOpts struct {
	setup *script // broadcaster questions asked before the clock starts
	// settle, on a seeded database, has the broadcaster ask one question
	// before the clock starts: after a restart, questions wait for the
	// duplicate index to be built and commands for the votes to be read
	// (about half a second with 100 000 questions), and the latency runs
	// measure a meeting under way, not that start. The wait is reported.
	settle bool
	rate   float64 // lines per second; 0 as fast as possible
	drop   bool    // cut the chat connection a third of the way through (in process)
	raw    *rawResult
	// youtube, when set, is the fake YouTube API the meeting reads; the
	// script's YouTube lines are replayed there, beside its Twitch lines.
	youtube *youtubeFake
	// askIDsPerIP is passed to the target (the ask page's load test).
	askIDsPerIP int
	// beside, when set, is a load that runs while the script is sent,
	// once both clients are connected and the setup is done.
	beside besideLoad
	// after, when set, runs once every effect has arrived, with Tribune
	// still running.
	after func(ctx context.Context, t target, srv *twitchfake.Server, r *run, res *RunResult)
}

// besideLoad is work that runs beside a script (the ask page's browsers):
// it sees every message of both clients before the script's run does.
type besideLoad interface {
	onAPI(ev *apiMessage, at time.Time)
	onFeed(m *feedMessage, at time.Time)
	// prepare runs once Tribune is up, before the clock starts; an error
	// ends the run.
	prepare(ctx context.Context, t target) error
	// run runs the load; runFull waits for it before it waits for the
	// script's effects.
	run(ctx context.Context, t target) error
}

// targetOpts returns the options of a target on db with chat at irc.
func (b *bench) targetOpts(db, irc string, channels []string) targetOpts {
	return targetOpts{db: db, irc: irc, channels: channels, token: b.token, dir: b.dir, env: b.env, extra: b.cfg.ServeEnv}
}

// startTarget starts Tribune as configured (child or in process).
func (b *bench) startTarget(o targetOpts) (target, error) {
	if b.cfg.Target == "inproc" {
		return startInproc(o, b.logger)
	}
	c, _, err := startChild(b.bin, o)
	return c, err
}

// runFull plays s through Tribune started on db: fake chat server → bot →
// Service → SQLite → events → one /api/events and one /overlay/ws client.
func (b *bench) runFull(ctx context.Context, s *script, db string, o fullOpts) RunResult {
	res := RunResult{Name: s.name, Lines: len(s.lines), Commands: s.commands(), Mirrors: s.mirrors, CommandMirrors: s.commandMirrors, LineBytes: s.avgLine(), Rate: o.rate, Raw: o.raw}
	if len(s.channels) > 1 {
		res.Channels = s.channels
	}
	ytFrom, ytTo := s.span(viaYouTube)
	res.YouTube = ytTo - ytFrom
	srv, err := twitchfake.Start()
	if err != nil {
		res.fail("%v", err)
		return res
	}
	defer srv.Close()
	to := b.targetOpts(db, srv.Addr(), s.channels)
	to.askIDsPerIP = o.askIDsPerIP
	if y := o.youtube; y != nil {
		to.youtube = &ytTarget{api: y.replay.URL, video: y.video, key: y.key}
	}
	var t target
	if o.drop {
		t, err = startInproc(to, b.logger)
	} else {
		t, err = b.startTarget(to)
	}
	if err != nil {
		res.fail("%v", err)
		return res
	}
	stopped := false
	defer func() {
		if !stopped {
			t.Stop()
		}
	}()
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, ch := range s.channels {
		if err := srv.WaitJoined(jctx, ch); err != nil {
			res.fail("the bot did not join #%s: %v", ch, err)
			return res
		}
	}
	if y := o.youtube; y != nil && res.YouTube > 0 {
		// The source reads the recent messages once at the start, then
		// opens the stream when its quota plan allows (seconds later):
		// the clock starts once the stream is open, as in a meeting under
		// way.
		select {
		case <-y.replay.opened:
		case <-jctx.Done():
			res.fail("the YouTube source did not open the chat's stream: %v", jctx.Err())
			return res
		}
	}
	api, err := dialWS(ctx, t, "/api/events", "api")
	if err != nil {
		res.fail("%v", err)
		return res
	}
	defer api.Close()
	feed, err := dialWS(ctx, t, "/overlay/ws", "overlay")
	if err != nil {
		res.fail("%v", err)
		return res
	}
	defer feed.Close()

	questionsBefore := len(s.base) - 1
	if o.setup != nil && !prelude(ctx, srv, api, o.setup) {
		res.fail("setup: the broadcaster's questions did not all arrive")
		return res
	}
	settled := 0
	if o.settle {
		at := time.Now()
		s0 := setupScript(1, 11)
		if !prelude(ctx, srv, api, s0) {
			res.fail("settle: the broadcaster's question did not arrive")
			return res
		}
		res.SettleMS = float64(time.Since(at)) / 1e6
		settled = s0.newQuestions
	}

	if o.beside != nil {
		if err := o.beside.prepare(ctx, t); err != nil {
			res.fail("%v", err)
			return res
		}
	}

	var before bot.Stats
	it, inproc := t.(*inprocTarget)
	if inproc {
		before = it.Bot.Stats() // the setup's commands are not the run's
	}
	r := newRun(s, topN)
	var alsoAPI func(*apiMessage, time.Time)
	var alsoFeed func(*feedMessage, time.Time)
	if o.beside != nil {
		alsoAPI, alsoFeed = o.beside.onAPI, o.beside.onFeed
	}
	api.attach(r.apiHandler(alsoAPI))
	feed.attach(r.feedHandler(alsoFeed))
	busy0 := api.busy.Load()
	if b.cfg.CPUProfile != "" {
		if f, err := os.Create(b.cfg.CPUProfile + "." + fileName(s.name)); err == nil {
			defer f.Close()
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var reconnected atomic.Int64
	so := sendOpts{rate: o.rate}
	if o.drop {
		dropped := false
		so.before = func(i int) {
			if dropped || i < len(s.lines)/3 {
				return
			}
			dropped = true
			at := time.Now()
			srv.Drop()
			go func() {
				// The bot rejoins on a new connection.
				wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				defer cancel()
				for wctx.Err() == nil {
					if srv.Joined(benchChannel) {
						reconnected.Store(int64(time.Since(at)))
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
	}
	besideErr := make(chan error, 1)
	if o.beside != nil {
		go func() { besideErr <- o.beside.run(ctx, t) }()
	}
	var sr sendResult
	if res.YouTube > 0 {
		// Twitch and YouTube lines go at once, each at its share of the
		// rate, from their own sender.
		share := func(n int) float64 { return o.rate * float64(n) / float64(len(s.lines)) }
		yo, tw := so, so
		yo.from, yo.to, yo.rate = ytFrom, ytTo, share(ytTo-ytFrom)
		tw.from, tw.to, tw.rate = 0, ytFrom, share(ytFrom)
		ytDone := make(chan sendResult, 1)
		go func() { ytDone <- send(ctx, replaySink{o.youtube.replay}, r, yo) }()
		if ytFrom > 0 {
			sr = send(ctx, twitchSink{srv}, r, tw)
		}
		ysr := <-ytDone
		if ytFrom == 0 {
			sr = ysr
		} else {
			sr.start, sr.end = min(sr.start, ysr.start), max(sr.end, ysr.end)
			sr.connected += ysr.connected
			sr.lost += ysr.lost
		}
	} else {
		sr = send(ctx, twitchSink{srv}, r, so)
	}
	res.LostLines, res.Delivered = sr.lost, sr.connected
	if o.beside != nil {
		if err := <-besideErr; err != nil {
			res.fail("%v", err)
		}
	}

	limit := 60*time.Second + time.Duration(len(s.lines))*50*time.Microsecond
	var apiEnd, feedEnd int64
	if o.drop {
		// Lines sent to nobody have no effect to wait for, and lines in
		// flight at the cut may die in the socket or in go-twitch-irc's
		// buffers before the bot sees them: the bot's own counters say what
		// it received, and the run ends when it has applied all of it.
		end, err := waitQuiet(it, r, limit)
		if err != nil {
			res.fail("%v", err)
		}
		st := it.Bot.Stats()
		res.Received = int(st.Lines - before.Lines)
		res.ReceivedCommands = int(st.Commands - before.Commands)
		apiEnd, feedEnd = end, end
		res.ReconnectMS = float64(reconnected.Load()) / 1e6
	} else {
		wctx, cancel := context.WithTimeout(ctx, limit)
		for _, sd := range []*side{&r.api, &r.feed} {
			select {
			case <-sd.done:
			case <-wctx.Done():
			}
		}
		cancel()
		var lat []int64
		var resyncs, unexpected, left int
		lat, apiEnd, resyncs, unexpected, left = r.api.results()
		res.API, res.Resyncs = summarize(lat), resyncs
		if left > 0 {
			res.fail("api client: %d effects never arrived (resyncs %d, client closed: %v)", left, resyncs, api.closed())
		}
		if unexpected > 0 {
			res.fail("api client: %d unexpected events", unexpected)
		}
		lat, feedEnd, _, _, left = r.feed.results()
		res.Overlay = summarize(lat)
		if left > 0 {
			res.fail("overlay client: never showed the final leaderboard (client closed: %v)", feed.closed())
		}
	}
	pprof.StopCPUProfile() // a no-op unless profiling: the run is over
	end := max(apiEnd, feedEnd)
	res.APIEnd = (time.Duration(apiEnd) - sr.start).Seconds()
	res.OverlayEnd = (time.Duration(feedEnd) - sr.start).Seconds()
	res.Seconds = (time.Duration(end) - sr.start).Seconds()
	if res.Seconds > 0 {
		res.LinesPerSec = float64(len(s.lines)) / res.Seconds
		res.CommandsPerSec = float64(s.commands()-countLost(r, true)) / res.Seconds
		res.APIBusy = float64(api.busy.Load()-busy0) / 1e9 / res.Seconds
	}
	if o.raw != nil && o.raw.LinesPerSec > 0 {
		res.Ratio = res.LinesPerSec / o.raw.LinesPerSec
	}
	if o.after != nil {
		o.after(ctx, t, srv, r, &res)
	}
	if inproc {
		a, c, ns := it.counts.applies.Load(), it.counts.changes.Load(), it.counts.nanos.Load()
		if a > 0 {
			b.progress("  %s: %d transactions, %.1f changes each, %.0f µs each in Apply (%.1f s)", s.name, a, float64(c)/float64(a), float64(ns)/float64(a)/1e3, float64(ns)/1e9)
		}
		st := it.Bot.Stats()
		res.Bot = &st
	}
	if b.cfg.MemProfile != "" {
		if f, err := os.Create(b.cfg.MemProfile + "." + fileName(s.name)); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if m, err := t.Mem(); err == nil && !o.drop {
		// (The drop run is in process: its memory is the bench's too.)
		res.PeakRSSMB, res.EndRSSMB = float64(m.HWM)/(1<<20), float64(m.RSS)/(1<<20)
	}
	api.Close()
	feed.Close()
	stopped = true
	if err := t.Stop(); err != nil {
		res.fail("stop: %v", err)
	}

	setupN := 0
	if o.setup != nil {
		setupN = o.setup.newQuestions
	}
	want := func(id int) int {
		if id >= len(s.votes) || len(s.votes[id])+s.other(id) == 0 {
			return -1
		}
		n := s.base[id] + s.other(id)
		for _, l := range s.votes[id] {
			if !r.lost[l] {
				n++
			}
		}
		return n
	}
	wantQ := questionsBefore + settled + s.newQuestions + len(s.otherAsks)
	if o.setup != nil {
		wantQ = setupN + s.newQuestions + len(s.otherAsks)
	}
	if o.drop {
		// Which delivered lines the bot received is known only in total.
		want = func(int) int { return -1 }
	}
	check, err := checkDB(db, wantQ-countLostAsks(r), want)
	if err != nil {
		res.fail("check database: %v", err)
	}
	res.DB = check
	if check.Mismatched > 0 || check.Detail != "" {
		res.fail("database: %s", check.Detail)
	}
	if o.drop {
		stored := check.VoteRows - setupN // the broadcaster's own votes
		res.StoredCommands = stored
		if stored != res.ReceivedCommands {
			res.fail("the bot received %d votes, %d are stored", res.ReceivedCommands, stored)
		}
	}
	return res
}

// countLost counts the commands among lost lines (all of them when
// commands is false).
func countLost(r *run, commands bool) int {
	n := 0
	for i, l := range r.lost {
		if l && (!commands || isCommand(r.s.kind[i])) {
			n++
		}
	}
	return n
}

func countLostAsks(r *run) int {
	n := 0
	for i, l := range r.lost {
		if l && r.s.kind[i] == lineAsk {
			n++
		}
	}
	return n
}

// waitQuiet waits until the in-process bot has applied every command it
// received and nothing new arrived for half a second, and returns when the
// last command was applied, in nanoseconds since r's base.
func waitQuiet(t *inprocTarget, r *run, limit time.Duration) (int64, error) {
	deadline := time.Now().Add(limit)
	var last bot.Stats
	quietSince := time.Now()
	for time.Now().Before(deadline) {
		st := t.Bot.Stats()
		if st != last {
			last, quietSince = st, time.Now()
		}
		if st.Applied == st.Commands && time.Since(quietSince) > 500*time.Millisecond {
			return r.now() - int64(time.Since(quietSince)), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r.now(), fmt.Errorf("bot still busy after %s: %+v", limit, last)
}

// ReadyResult is how long `tribune serve` takes to answer /healthz.
type ReadyResult struct {
	Questions int     `json:"questions"`
	EmptyMS   float64 `json:"empty_ms"`
	SeededMS  float64 `json:"seeded_ms"`
	Ratio     float64 `json:"seeded_over_empty"`
	Runs      int     `json:"runs"`
}

// measureReady starts `tribune serve` on an empty database and on a copy
// of the seeded one, runs times each, and keeps the medians.
func (b *bench) measureReady(runs int) (ReadyResult, error) {
	res := ReadyResult{Questions: b.cfg.SeedQuestions, Runs: runs}
	if b.bin == "" {
		return res, errors.New("ready time needs the tribune binary")
	}
	var empty, seeded []time.Duration
	for i := range runs {
		for _, kind := range []string{"empty", "seeded"} {
			path := filepath.Join(b.dir, fmt.Sprintf("ready-%s-%d.db", kind, i))
			if kind == "seeded" {
				if err := copyDB(b.seeded, path); err != nil {
					return res, err
				}
			}
			c, d, err := startChild(b.bin, b.targetOpts(path, "", nil))
			if err != nil {
				return res, err
			}
			if err := c.Stop(); err != nil {
				return res, err
			}
			if kind == "empty" {
				empty = append(empty, d)
			} else {
				seeded = append(seeded, d)
			}
			os.Remove(path)
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
		}
	}
	med := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / 1e6
	}
	res.EmptyMS, res.SeededMS = med(empty), med(seeded)
	res.Ratio = res.SeededMS / res.EmptyMS
	return res, nil
}

// prelude plays s before the clock starts and reports whether the API
// client saw all of its effects within 30 s.
func prelude(ctx context.Context, srv *twitchfake.Server, api *wsClient, s *script) bool {
	r := newRun(s, topN)
	api.attach(r.apiHandler(nil))
	send(ctx, twitchSink{srv}, r, sendOpts{rate: 1000})
	select {
	case <-r.api.done:
		return true
	case <-time.After(30 * time.Second):
		return false
	}
}

// joinNames returns the channels as #a, #b.
func joinNames(chs []string) string {
	out := make([]string, len(chs))
	for i, c := range chs {
		out[i] = "#" + c
	}
	return strings.Join(out, ", ")
}
