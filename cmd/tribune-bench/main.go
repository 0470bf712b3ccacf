// Command tribune-bench measures Tribune end to end on loopback, against
// the ceiling of the parts it is built on, and writes the results as a
// table and as JSON for comparison across commits.
//
//	go run ./cmd/tribune-bench                  # everything, a few minutes on 2 cores
//	go run ./cmd/tribune-bench -quick           # smaller sizes, a smoke run
//	go run ./cmd/tribune-bench -only storm -target inproc -cpuprofile cpu.out
//	go run ./cmd/tribune-bench -soak 10m        # the soak: 1 000 commands/s, sampled each second
//
// The benchmark is a table of phases (phases.go): each says what it needs
// prepared (the tribune binary, the seeded database), how it runs, and how
// its result is judged against its target. `-h` lists them. Tribune runs
// as `tribune serve` in a child process (-target child, the default), or
// in this process (-target inproc, for -cpuprofile), started through the
// same wiring either way (internal/meeting).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	m := NewMain()
	if spec := m.Getenv(rawChildEnv); spec != "" {
		// The bench re-executed as a bare client (send.go): no flags.
		os.Exit(m.RunRawChild(spec))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(m.Stderr, "tribune-bench:", err)
		os.Exit(2)
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(m.Stderr, "tribune-bench:", err)
		os.Exit(1)
	}
}

// Main holds what the program touches outside itself, and its
// configuration once ParseFlags has read it.
type Main struct {
	Stdout io.Writer // the results table
	Stderr io.Writer // progress and errors
	Getenv func(string) string
	// Environ is the environment children inherit (tribune serve, the
	// bare clients).
	Environ func() []string

	Config Config
}

// NewMain returns a Main on the process's standard streams and
// environment, with the default configuration.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ, Config: DefaultConfig()}
}

// Config is what a run measures, and how big.
type Config struct {
	Out     string // bench.json; empty: none
	Target  string // "child" or "inproc"
	Tribune string // tribune binary; empty: build ./cmd/tribune
	// Only lists the phases to run; empty: all of them.
	Only []string

	MixedLines    int     // lines of the mixed meeting
	Viewers       int     // distinct viewers of the mixed meeting
	SeedQuestions int     // questions stored before the mixed meeting
	StormVotes    int     // votes of the vote storm
	PacedSeconds  int     // length of the rate-controlled latency runs
	CommandRate   float64 // commands per second of the latency runs and the soak
	CoStreamLines int     // chat messages of the co-stream, before mirrors
	FloodLines    int     // lines of the flood before the new viewer's question
	YouTubeMsgs   int     // YouTube chat messages of the YouTube phase
	AskBrowsers   int     // simulated browsers of the ask page's load test
	AskAskers     int     // of them, those that ask a question
	AskVotes      int     // votes each browser casts
	AskRate       float64 // web votes per second
	Pairs         int     // alternated raw and full runs of the ratio phases

	CPUProfile string // with inproc: a CPU profile of each full-path run
	MemProfile string // with inproc: a heap profile at the end of each
	Soak       time.Duration
	ServeEnv   []string // extra environment of tribune serve
	Keep       bool     // keep the working directory
	Quick      bool
}

// DefaultConfig returns the sizes of the full benchmark.
func DefaultConfig() Config {
	return Config{
		Out: "bench.json", Target: "child",
		MixedLines: 1_000_000, Viewers: 20_000, SeedQuestions: 100_000, StormVotes: 200_000,
		PacedSeconds: 10, CommandRate: 1000,
		CoStreamLines: 500_000, FloodLines: 20_000, YouTubeMsgs: 200_000,
		AskBrowsers: 2000, AskAskers: 200, AskVotes: 5, AskRate: 1000,
		Pairs: 3,
	}
}

// quick sets the sizes of a smoke run, for the flags the command line did
// not set.
func (c *Config) quick(set map[string]bool) {
	sizes := []struct {
		flag string
		p    *int
		v    int
	}{
		{"mixed-lines", &c.MixedLines, 100_000}, {"questions", &c.SeedQuestions, 10_000},
		{"storm-votes", &c.StormVotes, 20_000}, {"paced-seconds", &c.PacedSeconds, 3},
		{"costream-lines", &c.CoStreamLines, 50_000}, {"flood-lines", &c.FloodLines, 20_000},
		{"youtube-messages", &c.YouTubeMsgs, 20_000},
		{"ask-browsers", &c.AskBrowsers, 500}, {"ask-askers", &c.AskAskers, 50}, {"ask-votes", &c.AskVotes, 4},
		{"pairs", &c.Pairs, 1},
	}
	for _, s := range sizes {
		if !set[s.flag] {
			*s.p = s.v
		}
	}
}

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// ParseFlags reads the command line into m.Config and checks it.
func (m *Main) ParseFlags(args []string) error {
	c := &m.Config
	fs := flag.NewFlagSet("tribune-bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprint(m.Stderr, "Usage: tribune-bench [flags]\n\nMeasures Tribune end to end on loopback against the ceiling of its parts.\n\nPhases (-only NAME,…; every one by default, in this order):\n")
		for _, p := range phases {
			fmt.Fprintf(m.Stderr, "  %-9s %s\n", p.name, p.about)
		}
		fmt.Fprint(m.Stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	var only, serveEnv string
	fs.StringVar(&c.Out, "out", c.Out, "write the results as JSON to this `file` (empty: none)")
	fs.StringVar(&c.Target, "target", c.Target, "where Tribune runs: child (tribune serve) or inproc (this process)")
	fs.StringVar(&c.Tribune, "tribune", c.Tribune, "tribune `binary` to run (default: build ./cmd/tribune)")
	fs.StringVar(&only, "only", "", "comma-separated `phases` to run (default all; see above)")
	fs.IntVar(&c.MixedLines, "mixed-lines", c.MixedLines, "lines of the mixed meeting")
	fs.IntVar(&c.Viewers, "viewers", c.Viewers, "distinct viewers of the mixed meeting")
	fs.IntVar(&c.SeedQuestions, "questions", c.SeedQuestions, "questions in the database before the mixed meeting")
	fs.IntVar(&c.StormVotes, "storm-votes", c.StormVotes, "votes of the vote storm")
	fs.IntVar(&c.PacedSeconds, "paced-seconds", c.PacedSeconds, "duration of the rate-controlled latency runs")
	fs.Float64Var(&c.CommandRate, "rate", c.CommandRate, "commands per second of the latency runs and the soak")
	fs.IntVar(&c.CoStreamLines, "costream-lines", c.CoStreamLines, "chat messages of the co-stream, before Shared Chat mirrors")
	fs.IntVar(&c.FloodLines, "flood-lines", c.FloodLines, "lines of the flood before the new viewer's question")
	fs.IntVar(&c.YouTubeMsgs, "youtube-messages", c.YouTubeMsgs, "YouTube chat messages of the YouTube phase")
	fs.IntVar(&c.AskBrowsers, "ask-browsers", c.AskBrowsers, "simulated browsers of the ask page's load test")
	fs.IntVar(&c.AskAskers, "ask-askers", c.AskAskers, "browsers that also ask a question")
	fs.IntVar(&c.AskVotes, "ask-votes", c.AskVotes, "votes each browser casts")
	fs.Float64Var(&c.AskRate, "ask-rate", c.AskRate, "web votes per second of the load test")
	fs.IntVar(&c.Pairs, "pairs", c.Pairs, "alternated raw and full runs of mixed and costream; the median pair is reported")
	fs.StringVar(&c.CPUProfile, "cpuprofile", c.CPUProfile, "with -target inproc: write a CPU profile of each full-path run to `file`.NAME")
	fs.StringVar(&c.MemProfile, "memprofile", c.MemProfile, "with -target inproc: write a heap profile at the end of each full-path run to `file`.NAME")
	fs.DurationVar(&c.Soak, "soak", c.Soak, "run only the soak for this `duration` (e.g. 10m) at -rate commands/s")
	fs.StringVar(&serveEnv, "serve-env", "", "extra environment of tribune serve, comma-separated `KEY=VALUE` pairs (e.g. GOMEMLIMIT=80MiB)")
	fs.BoolVar(&c.Keep, "keep", c.Keep, "keep the working directory (databases, logs)")
	fs.BoolVar(&c.Quick, "quick", c.Quick, "small sizes: a smoke run of every phase in a minute or two")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if c.Quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		c.quick(set)
	}
	c.Only = nil
	for _, p := range strings.Split(only, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if phaseNamed(p) == nil {
			return usageError{fmt.Sprintf("-only %q: no such phase (want %s)", p, strings.Join(phaseNames(), ", "))}
		}
		c.Only = append(c.Only, p)
	}
	c.ServeEnv = nil
	for _, kv := range strings.Split(serveEnv, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return usageError{fmt.Sprintf("-serve-env %q: want KEY=VALUE pairs", kv)}
		}
		c.ServeEnv = append(c.ServeEnv, kv)
	}
	return c.validate()
}

func (c *Config) validate() error {
	if c.Target != "child" && c.Target != "inproc" {
		return usageError{fmt.Sprintf("-target %q: want child or inproc", c.Target)}
	}
	if (c.CPUProfile != "" || c.MemProfile != "") && c.Target != "inproc" {
		return usageError{"-cpuprofile and -memprofile need -target inproc"}
	}
	positive := []struct {
		name string
		v    float64
	}{
		{"mixed-lines", float64(c.MixedLines)}, {"viewers", float64(c.Viewers)}, {"questions", float64(c.SeedQuestions)},
		{"storm-votes", float64(c.StormVotes)}, {"paced-seconds", float64(c.PacedSeconds)}, {"rate", c.CommandRate},
		{"costream-lines", float64(c.CoStreamLines)}, {"flood-lines", float64(c.FloodLines)},
		{"youtube-messages", float64(c.YouTubeMsgs)}, {"ask-browsers", float64(c.AskBrowsers)},
		{"ask-votes", float64(c.AskVotes)}, {"ask-rate", c.AskRate}, {"pairs", float64(c.Pairs)},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return usageError{fmt.Sprintf("-%s %v: want more than 0", p.name, p.v)}
		}
	}
	if c.AskAskers < 0 || c.AskAskers > c.AskBrowsers {
		return usageError{fmt.Sprintf("-ask-askers %d: want 0 to -ask-browsers (%d)", c.AskAskers, c.AskBrowsers)}
	}
	if c.AskVotes > setupQuestions {
		return usageError{fmt.Sprintf("-ask-votes %d: a browser votes once per question, and the load test has %d", c.AskVotes, setupQuestions)}
	}
	return nil
}

// wants reports whether the configuration runs phase name.
func (c *Config) wants(name string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, name)
}

// Run runs the configured phases (or the soak), prints the table and
// writes the JSON. It returns an error when the bench could not run, or
// when a phase failed (its error is in the table and the JSON too); a
// target missed is a result, not an error.
func (m *Main) Run(ctx context.Context) error {
	b, err := newBench(m)
	if err != nil {
		return err
	}
	defer b.close()
	rep := b.newReport()
	if m.Config.Soak > 0 {
		b.progress("soak: %s at %.0f commands/s (in process)", m.Config.Soak, m.Config.CommandRate)
		s, err := b.soak(ctx, m.Config.Soak)
		if err != nil {
			return err
		}
		rep.Soak = s
		return b.finish(rep)
	}
	for i := range phases {
		p := &phases[i]
		if !m.Config.wants(p.name) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		b.progress("%s: %s", p.name, p.about)
		err := b.prepare(p.needs)
		if err == nil {
			err = p.run(ctx, b, rep)
		}
		if err != nil {
			b.progress("%s: failed: %v", p.name, err)
			rep.Failed = append(rep.Failed, PhaseFailure{Phase: p.name, Error: err.Error()})
		}
	}
	if err := b.finish(rep); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if n := len(rep.Failed); n > 0 {
		return fmt.Errorf("%d phase(s) failed: %s", n, rep.Failed[0].Phase)
	}
	return nil
}
