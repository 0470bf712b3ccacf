package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/meeting"
	"github.com/tribune-live/tribune/youtube"
)

// Credentials the bench gives every Tribune it starts. The fake chat server
// accepts any token; with a user and a token the bot replies in chat, as it
// does on a real channel.
const (
	benchBotUser  = "tribune_bot"
	benchBotToken = "oauth:bench"
)

// target is a running Tribune: store, Service, bot and overlay server.
type target interface {
	// URL is the overlay server's base URL.
	URL() string
	// Token is the control API token.
	Token() string
	// Mem returns the memory use of the process that runs Tribune.
	Mem() (procMem, error)
	// Stop shuts Tribune down gracefully: the Service commits what is
	// queued and the database is closed.
	Stop() error
}

// targetOpts says what a target runs against.
type targetOpts struct {
	db       string   // database file
	irc      string   // fake chat server address
	channels []string // Twitch channels (default: benchChannel)
	token    string
	dir      string   // for logs
	env      []string // the environment of a child
	extra    []string // more of it, last: -serve-env
	// youtube, when set, is the fake YouTube API the meeting reads a
	// video's chat from.
	youtube *ytTarget
	// askIDsPerIP lifts the ask page's limit of new browsers per address
	// (every simulated browser comes from 127.0.0.1).
	askIDsPerIP int
}

// ytTarget is a video of a fake YouTube API, and the key that reads it.
type ytTarget struct {
	api, video, key string
}

func (o targetOpts) channelList() []string {
	if len(o.channels) == 0 {
		return []string{benchChannel}
	}
	return o.channels
}

// procMem is a process's resident memory, from /proc/PID/status.
type procMem struct {
	HWM int64 // VmHWM: peak resident set, bytes
	RSS int64 // VmRSS: current resident set, bytes
}

// readProcMem reads VmHWM and VmRSS of pid ("self" for this process).
func readProcMem(pid string) (procMem, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return procMem{}, fmt.Errorf("read memory of %s: %w", pid, err)
	}
	var m procMem
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) < 1 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmHWM":
			m.HWM = kb << 10
		case "VmRSS":
			m.RSS = kb << 10
		}
	}
	return m, nil
}

// childTarget is `tribune serve` in a child process: what a host runs, so
// its memory is Tribune's alone.
type childTarget struct {
	cmd     *exec.Cmd
	url     string
	token   string
	logPath string
	exited  chan struct{}
	waitErr error
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startChild starts `tribune serve` and returns once /healthz answers 200,
// with the time that took from the start of the process.
func startChild(bin string, o targetOpts) (*childTarget, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, fmt.Errorf("pick a port: %w", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	irc := o.irc
	if irc == "" {
		// No chat: a closed port, so the bot keeps retrying in the
		// background while the server starts.
		p, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		irc = "127.0.0.1:" + strconv.Itoa(p)
	}
	c := &childTarget{url: "http://" + addr, token: o.token, logPath: filepath.Join(o.dir, fmt.Sprintf("serve-%d.log", port)), exited: make(chan struct{})}
	args := []string{"serve", "--channel", strings.Join(o.channelList(), ","), "--db", o.db, "--listen", addr,
		"--irc", irc, "--irc-tls=false", "--log", c.logPath}
	env := []string{
		"TRIBUNE_API_TOKEN=" + o.token,
		"TRIBUNE_TWITCH_USER=" + benchBotUser,
		"TRIBUNE_TWITCH_TOKEN=" + benchBotToken,
	}
	if y := o.youtube; y != nil {
		args = append(args, "--youtube", y.video, "--youtube-api", y.api)
		env = append(env, "TRIBUNE_YOUTUBE_API_KEY="+y.key)
	}
	if o.askIDsPerIP > 0 {
		args = append(args, "--ask-ids-per-ip", strconv.Itoa(o.askIDsPerIP))
	}
	c.cmd = exec.Command(bin, args...)
	// Later entries win: the bench's own settings over its environment,
	// -serve-env over both.
	c.cmd.Env = append(append(slices.Clone(o.env), env...), o.extra...)
	// What serve prints on standard error goes next to its log
	// (GODEBUG=gctrace=1 in the bench's environment reaches it).
	errf, err := os.Create(strings.TrimSuffix(c.logPath, ".log") + ".stderr")
	if err != nil {
		return nil, 0, err
	}
	defer errf.Close()
	c.cmd.Stdout, c.cmd.Stderr = io.Discard, errf
	start := time.Now()
	if err := c.cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("start %s serve: %w", bin, err)
	}
	go func() { c.waitErr = c.cmd.Wait(); close(c.exited) }()
	ready, err := waitHealthy(c.url, c.exited, 30*time.Second)
	if err != nil {
		c.Stop()
		return nil, 0, fmt.Errorf("tribune serve: %w (log: %s)", err, tail(c.logPath))
	}
	return c, ready.Sub(start), nil
}

// waitHealthy polls /healthz every millisecond until it answers 200 and
// returns when it did.
func waitHealthy(base string, exited <-chan struct{}, limit time.Duration) (time.Time, error) {
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := hc.Get(base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now(), nil
			}
		}
		select {
		case <-exited:
			return time.Time{}, errors.New("exited before it was ready")
		case <-time.After(time.Millisecond):
		}
	}
	return time.Time{}, fmt.Errorf("not healthy within %s", limit)
}

// tail returns the end of a log file, for error messages.
func tail(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

func (c *childTarget) URL() string   { return c.url }
func (c *childTarget) Token() string { return c.token }
func (c *childTarget) Mem() (procMem, error) {
	return readProcMem(strconv.Itoa(c.cmd.Process.Pid))
}

// Stop sends SIGTERM and waits; SIGKILL after 20 s.
func (c *childTarget) Stop() error {
	select {
	case <-c.exited:
		return c.waitErr
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.waitErr
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("tribune serve did not stop on SIGTERM within 20 s; killed (log: %s)", tail(c.logPath))
	}
}

// inprocTarget runs the meeting `tribune serve` runs, started through the
// same wiring (internal/meeting), in the bench's own process: for CPU
// profiles and for the soak, which counts goroutines.
type inprocTarget struct {
	*meeting.Meeting
	counts *countingStore
}

func startInproc(o targetOpts, logger *slog.Logger) (*inprocTarget, error) {
	t := &inprocTarget{}
	c := meeting.Config{
		DB: o.db, Channels: o.channelList(), Listen: "127.0.0.1:0",
		IRC: o.irc, TwitchUser: benchBotUser, TwitchToken: benchBotToken,
		ReportThreshold: tribune.DefaultReportThreshold, ShowAuthors: true, Lang: "en", Premoderate: true,
		APIToken: o.token, Logger: logger,
		WrapStore: func(st tribune.Store) tribune.Store {
			t.counts = &countingStore{Store: st}
			return t.counts
		},
	}
	// As serve's flag: the ask page's default unless the run lifts it.
	c.AskIDsPerIP = ask.DefaultIDsPerIP
	if o.askIDsPerIP > 0 {
		c.AskIDsPerIP = o.askIDsPerIP
	}
	if y := o.youtube; y != nil {
		c.YouTube, c.YouTubeAPI, c.YouTubeKey = y.video, y.api, y.key
		c.YouTubeOAuth, c.YouTubeQuota = youtube.DefaultTokenURL, youtube.DefaultQuotaPerDay
	}
	m, err := meeting.Start(context.Background(), c)
	if err != nil {
		return nil, err
	}
	t.Meeting = m
	return t, nil
}

func (t *inprocTarget) Token() string         { return t.Meeting.Token }
func (t *inprocTarget) Mem() (procMem, error) { return readProcMem("self") }

// Stop closes the meeting as cmd/tribune does.
func (t *inprocTarget) Stop() error { return t.Close() }

// countingStore counts the Service's transactions and changes: the size of
// its group commits, which the child process cannot tell.
type countingStore struct {
	tribune.Store
	applies, changes atomic.Int64
	nanos            atomic.Int64
}

func (c *countingStore) Apply(ctx context.Context, changes []tribune.Change) error {
	t0 := time.Now()
	err := c.Store.Apply(ctx, changes)
	c.nanos.Add(int64(time.Since(t0)))
	c.applies.Add(1)
	c.changes.Add(int64(len(changes)))
	return err
}
