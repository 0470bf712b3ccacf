package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// bench holds what the phases share: the configuration, the working
// directory, and what prepare made once for every phase that needs it.
type bench struct {
	cfg    Config
	stdout io.Writer
	stderr io.Writer
	env    []string // the environment of children
	dir    string
	bin    string // tribune binary (child target, ready time)
	seeded string // database with cfg.SeedQuestions questions
	token  string
	logger *slog.Logger
	logf   *os.File
	start  time.Time
}

func newBench(m *Main) (*bench, error) {
	dir, err := os.MkdirTemp("", "tribune-bench-")
	if err != nil {
		return nil, fmt.Errorf("working directory: %w", err)
	}
	tok := make([]byte, 16)
	rand.Read(tok)
	b := &bench{cfg: m.Config, stdout: m.Stdout, stderr: m.Stderr, env: m.Environ(), dir: dir,
		bin: m.Config.Tribune, token: hex.EncodeToString(tok), start: time.Now()}
	if b.cfg.Keep {
		fmt.Fprintln(b.stderr, "working directory:", dir)
	}
	// Tribune's own logs, in process, go to a file: warnings about
	// lagging feeds are part of what a run shows.
	if b.logf, err = os.Create(filepath.Join(dir, "inproc.log")); err != nil {
		b.close()
		return nil, err
	}
	b.logger = slog.New(slog.NewTextHandler(b.logf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return b, nil
}

func (b *bench) close() {
	if b.logf != nil {
		b.logf.Close()
	}
	if !b.cfg.Keep {
		os.RemoveAll(b.dir)
	}
}

// progress writes a line of progress on standard error, with the time
// since the start.
func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.stderr, "[%5.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

// need is what a phase needs prepared before it runs; prepare makes each
// once, for the first phase that needs it.
type need uint8

const (
	needBinary need = 1 << iota // the tribune binary, whatever the target
	needTarget                  // a Tribune to run: the binary when -target child
	needSeeded                  // a database holding cfg.SeedQuestions questions
)

func (b *bench) prepare(n need) error {
	if (n&needBinary != 0 || n&needTarget != 0 && b.cfg.Target == "child") && b.bin == "" {
		b.progress("building cmd/tribune")
		bin := filepath.Join(b.dir, "tribune")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/tribune-live/tribune/cmd/tribune").CombinedOutput()
		if err != nil {
			return fmt.Errorf("build tribune: %w\n%s", err, out)
		}
		b.bin = bin
	}
	if n&needSeeded != 0 && b.seeded == "" {
		b.progress("seeding a database with %d questions", b.cfg.SeedQuestions)
		path := filepath.Join(b.dir, "seeded.db")
		if err := seedDB(path, b.cfg.SeedQuestions); err != nil {
			return err
		}
		b.seeded = path
	}
	return nil
}

// freshDB returns a new database path in the bench directory.
func (b *bench) freshDB(name string) string {
	return filepath.Join(b.dir, fileName(name)+".db")
}

// fileName turns a run's name into a file name.
func fileName(name string) string {
	return strings.NewReplacer("@", "-", "+", "-").Replace(name)
}

// seededCopy copies the seeded database for one run.
func (b *bench) seededCopy(name string) (string, error) {
	p := b.freshDB(name)
	return p, copyDB(b.seeded, p)
}

func (b *bench) newReport() *Report {
	return &Report{Time: time.Now().UTC(), Commit: commit(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		Target: b.cfg.Target, Quick: b.cfg.Quick, LoadStart: loadavg()}
}

// finish judges the results, prints the table and writes the JSON.
func (b *bench) finish(rep *Report) error {
	rep.WallSecond = time.Since(b.start).Seconds()
	rep.LoadEnd = loadavg()
	rep.Targets = checkTargets(rep)
	printReport(b.stdout, rep)
	if b.cfg.Out == "" {
		return nil
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.cfg.Out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(b.stderr, "wrote", b.cfg.Out)
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
