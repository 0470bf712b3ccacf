// Command tribune-bench measures Tribune end to end on loopback, against
// the ceiling of the parts it is built on, and writes the results as a
// table and as JSON for comparison across commits.
//
//	go run ./cmd/tribune-bench                  # everything, about two minutes on 2 cores
//	go run ./cmd/tribune-bench -quick           # smaller sizes, a smoke run
//	go run ./cmd/tribune-bench -only storm -target inproc -cpuprofile cpu.out
//	go run ./cmd/tribune-bench -soak 10m        # the soak: 1 000 commands/s, sampled each second
//
// In one run it measures:
//   - the store's ceiling: votes per second, one per transaction and 100 per
//     transaction;
//   - the raw ceiling: the fake Twitch server sending tagged lines to a
//     go-twitch-irc client with a no-op handler (in a child process, as
//     Tribune runs in one);
//   - the full path on the same lines: fake server → bot → Service → SQLite
//     → events → one /api/events and one /overlay/ws websocket client, with
//     `tribune serve` in a child process (-target inproc runs the same parts
//     in this process, for -cpuprofile): a mixed meeting on a database that
//     already holds 100 000 questions, and a vote storm;
//   - latency from the server writing a command line to the clients
//     receiving its event, at 1 000 commands/s and at 90 % of the peak
//     rate just measured;
//   - peak and final resident memory of Tribune's process (VmHWM, VmRSS);
//   - the chat connection dropped in the middle of a storm (in process, so
//     that what the bot received is known);
//   - how long `tribune serve` takes to answer /healthz on an empty database
//     and on one with 100 000 questions;
//   - how fast the console loads and renders a queue of 100 000 questions.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// peakShare is the share of the measured full-path rate at which the peak
// latency runs send. Sent as fast as the connection takes, lines queue in
// socket buffers and in the bot whatever the pipeline does, and latency is
// only that backlog over the throughput; the latency that says how the
// pipeline behaves at its peak is measured just below saturation.
const peakShare = 0.9

// options are the command's flags.
type options struct {
	out           string
	target        string
	tribune       string
	mixedLines    int
	viewers       int
	seedQuestions int
	stormVotes    int
	pacedSeconds  int
	commandRate   float64
	only          string
	cpuprofile    string
	memprofile    string
	soak          time.Duration
	keep          bool
	childEnv      string
}

// bench holds what the phases share.
type bench struct {
	opts   options
	dir    string
	bin    string // tribune binary (child target and ready time)
	seeded string // database with opts.seedQuestions questions
	token  string
	logger *slog.Logger
}

// Report is the JSON written with -out.
type Report struct {
	Time       time.Time      `json:"time"`
	Commit     string         `json:"commit"`
	GoVersion  string         `json:"go"`
	CPUs       int            `json:"cpus"`
	Target     string         `json:"target"`
	Store      *StoreResult   `json:"store,omitempty"`
	Ready      *ReadyResult   `json:"ready,omitempty"`
	Runs       []RunResult    `json:"runs,omitempty"`
	Console    *ConsoleResult `json:"console,omitempty"`
	Soak       *SoakResult    `json:"soak,omitempty"`
	Targets    []TargetCheck  `json:"targets,omitempty"`
	WallSecond float64        `json:"wall_seconds"`
	// LoadStart and LoadEnd are /proc/loadavg: other work on the machine
	// skews absolute numbers; ratios measured in one run suffer less.
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// StoreResult is the store's own ceiling.
type StoreResult struct {
	SingleVotesPerSec   float64 `json:"single_votes_per_sec"`
	Batch100VotesPerSec float64 `json:"batch100_votes_per_sec"`
}

func main() {
	if spec := os.Getenv(rawChildEnv); spec != "" {
		rawChild(spec)
		return
	}
	var o options
	flag.StringVar(&o.out, "out", "bench.json", "write the results as JSON to this `file` (empty: none)")
	flag.StringVar(&o.target, "target", "child", "where Tribune runs: child (tribune serve) or inproc (this process)")
	flag.StringVar(&o.tribune, "tribune", "", "tribune `binary` to run (default: build ./cmd/tribune)")
	flag.IntVar(&o.mixedLines, "mixed-lines", 1_000_000, "lines of the mixed meeting")
	flag.IntVar(&o.viewers, "viewers", 20_000, "distinct viewers of the mixed meeting")
	flag.IntVar(&o.seedQuestions, "questions", 100_000, "questions in the database before the mixed meeting")
	flag.IntVar(&o.stormVotes, "storm-votes", 200_000, "votes of the vote storm")
	flag.IntVar(&o.pacedSeconds, "paced-seconds", 10, "duration of the rate-controlled latency runs")
	flag.Float64Var(&o.commandRate, "rate", 1000, "commands per second of the latency runs")
	flag.StringVar(&o.only, "only", "", "comma-separated phases to run: store,ready,mixed,storm,paced,drop,console (default all)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "with -target inproc: write a CPU profile of each full-path run to `file`.NAME")
	flag.StringVar(&o.memprofile, "memprofile", "", "with -target inproc: write a heap profile at the end of each full-path run to `file`.NAME")
	flag.DurationVar(&o.soak, "soak", 0, "run only the soak for this `duration` (e.g. 10m) at -rate commands/s")
	flag.StringVar(&o.childEnv, "serve-env", "", "extra environment of tribune serve, comma-separated `KEY=VALUE` pairs (e.g. GOMEMLIMIT=80MiB)")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (databases, logs)")
	quick := flag.Bool("quick", false, "small sizes: a smoke run of every phase in about a minute")
	flag.Parse()
	if *quick {
		o.mixedLines, o.seedQuestions, o.stormVotes, o.pacedSeconds = 100_000, 10_000, 20_000, 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := runBench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "tribune-bench:", err)
		os.Exit(1)
	}
}

func runBench(ctx context.Context, o options) error {
	if o.target != "child" && o.target != "inproc" {
		return fmt.Errorf("-target %q: want child or inproc", o.target)
	}
	dir, err := os.MkdirTemp("", "tribune-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "working directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	b := &bench{opts: o, dir: dir, token: hex.EncodeToString(tok)}
	// Tribune's own logs go to a file: warnings about lagging feeds are
	// part of what a run shows.
	logf, err := os.Create(dir + "/inproc.log")
	if err != nil {
		return err
	}
	defer logf.Close()
	b.logger = slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))

	rep := &Report{Time: time.Now().UTC(), Commit: commit(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Target: o.target, LoadStart: loadavg()}
	start := time.Now()
	want := func(phase string) bool {
		if o.only == "" {
			return true
		}
		for _, p := range strings.Split(o.only, ",") {
			if strings.TrimSpace(p) == phase {
				return true
			}
		}
		return false
	}
	progress := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	if o.target == "child" || want("ready") {
		if b.bin = o.tribune; b.bin == "" {
			progress("building cmd/tribune")
			if b.bin, err = buildTribune(dir); err != nil {
				return err
			}
		}
	}
	if o.soak > 0 {
		progress("soak: %s at %.0f commands/s (in process)", o.soak, o.commandRate)
		s, err := b.soak(ctx, o.soak, progress)
		if err != nil {
			return err
		}
		rep.Soak = s
		return b.finish(rep, start)
	}
	if (o.cpuprofile != "" || o.memprofile != "") && o.target != "inproc" {
		return fmt.Errorf("-cpuprofile and -memprofile need -target inproc")
	}

	if want("store") {
		progress("store ceiling")
		single, batched, err := storeCeiling(dir, 100_000)
		if err != nil {
			return err
		}
		rep.Store = &StoreResult{SingleVotesPerSec: single, Batch100VotesPerSec: batched}
	}
	if want("ready") || want("mixed") || want("paced") || want("console") {
		progress("seeding a database with %d questions", o.seedQuestions)
		b.seeded = dir + "/seeded.db"
		if err := seedDB(b.seeded, o.seedQuestions); err != nil {
			return err
		}
	}
	if want("ready") {
		progress("ready time of tribune serve")
		r, err := b.measureReady(5)
		if err != nil {
			return err
		}
		rep.Ready = &r
	}
	seededWorld := world{questions: o.seedQuestions, visible: o.seedQuestions}
	stormWorld := world{questions: 10, visible: 10}
	rawChildMode := o.target == "child"
	if want("mixed") {
		progress("mixed meeting: generating %d lines", o.mixedLines)
		s := mixedScript("mixed", o.mixedLines, o.viewers, seededWorld, 1)
		progress("mixed meeting: raw ceiling")
		raw, err := measureRaw(ctx, s, rawChildMode)
		if err != nil {
			return err
		}
		progress("mixed meeting: full path (raw %.0f lines/s)", raw.LinesPerSec)
		db, err := b.seededCopy("mixed")
		if err != nil {
			return err
		}
		full := b.runFull(ctx, s, db, fullOpts{raw: &raw})
		rep.Runs = append(rep.Runs, full)
		if want("paced") && full.LinesPerSec > 0 {
			rate := peakShare * full.LinesPerSec
			progress("mixed@peak: %d s at %.0f lines/s", o.pacedSeconds, rate)
			s := mixedScript("mixed@peak", int(rate)*o.pacedSeconds, o.viewers, seededWorld, 3)
			db, err := b.seededCopy("mixed-peak")
			if err != nil {
				return err
			}
			rep.Runs = append(rep.Runs, b.runFull(ctx, s, db, fullOpts{rate: rate, settle: true}))
		}
	}
	if want("storm") {
		s := stormScript("storm", o.stormVotes, stormWorld, 0)
		progress("vote storm: raw ceiling")
		raw, err := measureRaw(ctx, s, rawChildMode)
		if err != nil {
			return err
		}
		progress("vote storm: full path (raw %.0f lines/s)", raw.LinesPerSec)
		full := b.runFull(ctx, s, b.freshDB("storm"), fullOpts{raw: &raw, setup: setupScript(10, 3)})
		rep.Runs = append(rep.Runs, full)
		if want("paced") && full.LinesPerSec > 0 {
			rate := peakShare * full.LinesPerSec
			progress("storm@peak: %d s at %.0f votes/s", o.pacedSeconds, rate)
			s := stormScript("storm@peak", int(rate)*o.pacedSeconds, stormWorld, 0)
			rep.Runs = append(rep.Runs, b.runFull(ctx, s, b.freshDB("storm-peak"), fullOpts{rate: rate, setup: setupScript(10, 3)}))
		}
	}
	if want("paced") {
		n := int(o.commandRate) * o.pacedSeconds
		name := fmt.Sprintf("mixed@%.0f", o.commandRate)
		progress("%s: %d s at %.0f commands/s", name, o.pacedSeconds, o.commandRate)
		s := mixedScript(name, 10*n, o.viewers, seededWorld, 2)
		db, err := b.seededCopy(name)
		if err != nil {
			return err
		}
		rep.Runs = append(rep.Runs, b.runFull(ctx, s, db, fullOpts{rate: 10 * o.commandRate, settle: true}))
		name = fmt.Sprintf("storm@%.0f", o.commandRate)
		progress("%s: %d s at %.0f votes/s", name, o.pacedSeconds, o.commandRate)
		s = stormScript(name, n, stormWorld, 0)
		rep.Runs = append(rep.Runs, b.runFull(ctx, s, b.freshDB(name), fullOpts{rate: o.commandRate, setup: setupScript(10, 3)}))
	}
	if want("drop") {
		progress("vote storm with the chat connection dropped a third of the way")
		s := stormScript("storm+drop", o.stormVotes/2, stormWorld, 0)
		rep.Runs = append(rep.Runs, b.runFull(ctx, s, b.freshDB("drop"), fullOpts{drop: true, setup: setupScript(10, 3)}))
	}
	if want("console") {
		progress("console with %d questions", o.seedQuestions)
		db, err := b.seededCopy("console")
		if err != nil {
			return err
		}
		c, err := measureConsole(ctx, db, b.logger)
		if err != nil {
			return err
		}
		rep.Console = c
	}
	return b.finish(rep, start)
}

// finish checks the targets, prints the table and writes the JSON.
func (b *bench) finish(rep *Report, start time.Time) error {
	rep.WallSecond = time.Since(start).Seconds()
	rep.LoadEnd = loadavg()
	rep.Targets = checkTargets(rep)
	printReport(os.Stdout, rep)
	if b.opts.out != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(b.opts.out, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", b.opts.out)
	}
	return nil
}

// loadavg returns the first three fields of /proc/loadavg.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// commit names the checked-out commit, "+dirty" when the tree has changes.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		c += "+dirty"
	}
	return c
}

// TargetCheck is one target of the issue and whether this run met it.
type TargetCheck struct {
	Target string `json:"target"`
	Got    string `json:"got"`
	OK     bool   `json:"ok"`
}

func checkTargets(rep *Report) []TargetCheck {
	var out []TargetCheck
	add := func(target string, ok bool, format string, args ...any) {
		out = append(out, TargetCheck{Target: target, Got: fmt.Sprintf(format, args...), OK: ok})
	}
	for _, r := range rep.Runs {
		ok := len(r.Errors) == 0
		switch {
		case r.Name == "mixed":
			add("mixed meeting: full >= 70 % of raw", ok && r.Ratio >= 0.70, "%.0f %%", 100*r.Ratio)
			add("RSS <= 100 MB after 1M lines and 100k questions", ok && r.PeakRSSMB <= 100 && r.Lines >= 1_000_000, "peak %.0f MB (%d lines)", r.PeakRSSMB, r.Lines)
		case r.Name == "storm":
			add("vote storm: >= 20 000 durable votes/s, counts exact", ok && r.CommandsPerSec >= 20_000 && r.DB.Mismatched == 0, "%.0f votes/s, %d mismatched", r.CommandsPerSec, r.DB.Mismatched)
		case strings.HasSuffix(r.Name, "@peak"):
			add(fmt.Sprintf("%s (%.0f lines/s): p99 <= 250 ms", r.Name, r.Rate), ok && r.API.P99 <= 250, "%.1f ms", r.API.P99)
		case strings.Contains(r.Name, "@"):
			add(r.Name+": p99 <= 50 ms", ok && r.API.P99 <= 50, "%.1f ms", r.API.P99)
		case r.Name == "storm+drop":
			add("drop: reconnects, nothing received lost", ok && r.DB.Mismatched == 0 && r.StoredCommands == r.ReceivedCommands && r.ReceivedCommands > 0,
				"%d sent while disconnected; %d received, %d stored", r.LostLines, r.ReceivedCommands, r.StoredCommands)
		}
	}
	if rep.Ready != nil {
		add("serve ready <= 300 ms with 100k questions", rep.Ready.SeededMS <= 300 && rep.Ready.Questions >= 100_000, "%.0f ms (%d questions)", rep.Ready.SeededMS, rep.Ready.Questions)
	}
	if c := rep.Console; c != nil {
		// 100 ms is where a reaction stops feeling instant.
		add("console, 100k queue: every key answered within 100 ms", c.Key.Max <= 100 && c.Questions >= 100_000,
			"slowest key %.0f ms (move %.1f, filter %.0f, sort %.0f, search %.0f)", c.Key.Max, c.Keys["move"].Max, c.Keys["filter"].Max, c.Keys["sort"].Max, c.Keys["search"].Max)
	}
	return out
}

func printReport(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "\ntribune-bench %s  commit %s  %s  %d CPUs  target %s  (%.0f s, load %s → %s)\n\n",
		rep.Time.Format(time.RFC3339), rep.Commit, rep.GoVersion, rep.CPUs, rep.Target, rep.WallSecond, rep.LoadStart, rep.LoadEnd)
	if s := rep.Store; s != nil {
		fmt.Fprintf(w, "store ceiling: %.0f votes/s one per transaction, %.0f votes/s 100 per transaction\n", s.SingleVotesPerSec, s.Batch100VotesPerSec)
	}
	if r := rep.Ready; r != nil {
		fmt.Fprintf(w, "serve ready: %.0f ms empty, %.0f ms with %d questions (x%.1f), median of %d\n", r.EmptyMS, r.SeededMS, r.Questions, r.Ratio, r.Runs)
	}
	if len(rep.Runs) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "run\tlines\tcmds\traw lines/s\tfull lines/s\tfull/raw\tcmds/s\tapi p50\tp99\tmax\toverlay p50\tp99\tpeak RSS\tend RSS\terrors\t")
		for _, r := range rep.Runs {
			raw, ratio := "-", "-"
			if r.Raw != nil {
				raw, ratio = fmt.Sprintf("%.0f", r.Raw.LinesPerSec), fmt.Sprintf("%.0f %%", 100*r.Ratio)
			}
			lps := fmt.Sprintf("%.0f", r.LinesPerSec)
			if r.Rate > 0 {
				lps = fmt.Sprintf("(paced %.0f)", r.Rate)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.0f\t%.1f ms\t%.1f ms\t%.1f ms\t%.0f ms\t%.0f ms\t%.0f MB\t%.0f MB\t%d\t\n",
				r.Name, r.Lines, r.Commands, raw, lps, ratio, r.CommandsPerSec, r.API.P50, r.API.P99, r.API.Max,
				r.Overlay.P50, r.Overlay.P99, r.PeakRSSMB, r.EndRSSMB, len(r.Errors))
		}
		tw.Flush()
		if rep.Target == "inproc" {
			fmt.Fprintln(w, "(target inproc: RSS is this process's, the bench's own memory included)")
		}
		for _, r := range rep.Runs {
			if r.Name == "storm+drop" {
				fmt.Fprintf(w, "\ndrop (in process): %d lines sent while the bot was connected, %d while it was not (Twitch's to lose); rejoined after %.0f ms; the bot received %d votes, %d are stored; %d counts differ from their vote rows\n",
					r.Delivered, r.LostLines, r.ReconnectMS, r.ReceivedCommands, r.StoredCommands, r.DB.Mismatched)
			}
			if r.SettleMS > 0 {
				fmt.Fprintf(w, "%s: after the start, the first question took %.0f ms (index built, votes read) before the clock started\n", r.Name, r.SettleMS)
			}
			for _, e := range r.Errors {
				fmt.Fprintf(w, "  %s: %s\n", r.Name, e)
			}
		}
	}
	if c := rep.Console; c != nil {
		fmt.Fprintf(w, "\nconsole, %d questions: load %.0f ms; key+view p50 %.1f ms p99 %.1f ms max %.1f ms; view p99 %.1f ms; %d events in %d batches during a storm, update+view p99 %.1f ms, %d resyncs\n",
			c.Questions, c.LoadMS, c.Key.P50, c.Key.P99, c.Key.Max, c.View.P99, c.Events, c.Batches, c.Batch.P99, c.Resyncs)
		for _, kind := range []string{"move", "filter", "sort", "search"} {
			if l, ok := c.Keys[kind]; ok {
				fmt.Fprintf(w, "  %-6s keys: %3d, p50 %.1f ms, max %.1f ms\n", kind, l.N, l.P50, l.Max)
			}
		}
	}
	if s := rep.Soak; s != nil {
		fmt.Fprintf(w, "\nsoak %s at %.0f commands/s: %d samples; heap %.1f→%.1f MB (trend %+.3f MB/min), RSS %.1f→%.1f MB (trend %+.3f MB/min), goroutines %d→%d (trend %+.2f/min); counts exact: %v\n",
			s.Duration, s.Rate, len(s.Samples), s.HeapStartMB, s.HeapEndMB, s.HeapTrendMBPerMin, s.RSSStartMB, s.RSSEndMB, s.RSSTrendMBPerMin,
			s.GoroutinesStart, s.GoroutinesEnd, s.GoroutineTrendPerMin, s.CountsExact)
		for _, e := range s.Errors {
			fmt.Fprintf(w, "  soak: %s\n", e)
		}
	}
	if len(rep.Targets) > 0 {
		fmt.Fprintln(w, "\ntargets:")
		for _, t := range rep.Targets {
			mark := "MET   "
			if !t.OK {
				mark = "MISSED"
			}
			fmt.Fprintf(w, "  %s %-58s %s\n", mark, t.Target, t.Got)
		}
	}
}
