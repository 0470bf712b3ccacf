package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// blastChunk is how many lines the server writes per flush when it sends
// as fast as it can: large enough that the sender is never the limit, small
// enough that a chunk's write time is close to each of its lines'.
const blastChunk = 128

// sink delivers a script's lines to a platform's fake.
type sink interface {
	// deliver sends lines i to j of s and reports whether a client
	// received them (a connected bot, a reader of the chat).
	deliver(s *script, i, j int) bool
}

// twitchSink sends to every connection joined to the script's first
// channel. Lines of the other channel of a co-stream go the same way: the
// bot has one connection joined to both (runFull waits for both joins),
// and the channel a line belongs to is in the line itself, so one write
// per chunk serves both channels as Twitch's one connection does.
type twitchSink struct{ srv *twitchfake.Server }

func (t twitchSink) deliver(s *script, i, j int) bool {
	return t.srv.SendLines(s.channels[0], s.lines[i:j]) > 0
}

// replaySink releases the recording of the script's YouTube messages
// (see youtubeFake) when the first of them is sent: they are all written
// at once, as a busy stream delivers pages of them.
type replaySink struct{ rp *ytReplay }

func (y replaySink) deliver(s *script, i, j int) bool {
	y.rp.Release()
	return true
}

// sendOpts says how to send a script.
type sendOpts struct {
	// rate is in lines per second; 0 sends as fast as the sink takes.
	rate float64
	// before, if set, runs before the chunk that starts at line i; the drop
	// scenario cuts the connection there.
	before func(i int)
	// chunkLines bounds lines per write (blastChunk by default).
	chunkLines int
	// from and to bound the lines sent (to 0: the whole script).
	from, to int
}

// sendResult counts what the server did with a script's lines.
type sendResult struct {
	start, end time.Duration // since the run's base: first write, last write done
	connected  int           // lines written to a connection
	lost       int           // lines sent while no client had joined
}

// send writes r's lines to sk, recording when each was written. Lines
// sent while nobody has joined are marked lost: on Twitch they would be
// lost to the bot too.
func send(ctx context.Context, sk sink, r *run, o sendOpts) sendResult {
	from, to := o.from, o.to
	if to == 0 {
		to = len(r.s.lines)
	}
	chunk := o.chunkLines
	if chunk <= 0 {
		chunk = blastChunk
	}
	var res sendResult
	write := func(i, j int) {
		if o.before != nil {
			o.before(i)
		}
		t := r.now()
		for k := i; k < j; k++ {
			r.written[k].Store(t)
		}
		if !sk.deliver(r.s, i, j) {
			res.lost += j - i
			for k := i; k < j; k++ {
				r.lost[k] = true
				r.written[k].Store(0)
			}
		} else {
			res.connected += j - i
		}
	}
	res.start = time.Duration(r.now())
	if o.rate <= 0 {
		for i := from; i < to && ctx.Err() == nil; i += chunk {
			write(i, min(i+chunk, to))
		}
		res.end = time.Duration(r.now())
		return res
	}
	// Paced: every tick, write what is due by now.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	sent := from
	for sent < to && ctx.Err() == nil {
		<-tick.C
		due := min(from+int(o.rate*time.Since(start).Seconds()), to)
		for sent < due {
			j := min(sent+chunk, due)
			write(sent, j)
			sent = j
		}
	}
	res.end = time.Duration(r.now())
	return res
}

// rawResult is the ceiling: the platform's client alone.
type rawResult struct {
	Lines       int     `json:"lines"`
	Seconds     float64 `json:"seconds"`
	LinesPerSec float64 `json:"lines_per_sec"`
}

// rawChildEnv holds, for a re-executed bench, what its bare client reads
// (a rawSpec in JSON).
const rawChildEnv = "TRIBUNE_BENCH_RAW_CHILD"

// rawSpec tells a bare client what to read and how many messages to wait
// for.
type rawSpec struct {
	Kind     string   `json:"kind"` // "twitch" or "youtube"
	Addr     string   `json:"addr"` // IRC address, or the API base URL
	Channels []string `json:"channels,omitempty"`
	ChatID   string   `json:"chat_id,omitempty"`
	APIKey   string   `json:"api_key,omitempty"`
	Total    int      `json:"total"`
}

// rawClient is a bare client running: done is closed once it has
// received its total.
type rawClient struct {
	done chan struct{}
	stop func()
}

// startRaw starts the bare client of spec: in a child process when the
// target is (as Tribune runs in one), else in this process.
func (b *bench) startRaw(spec rawSpec) (*rawClient, error) {
	rc := &rawClient{done: make(chan struct{})}
	if b.cfg.Target != "child" {
		stop, err := runRaw(spec, func() { close(rc.done) })
		if err != nil {
			return nil, err
		}
		rc.stop = stop
		return rc, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	js, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Env = append(slices.Clone(b.env), rawChildEnv+"="+string(js))
	cmd.Stderr = b.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the bare client: %w", err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "done" {
				close(rc.done)
				break
			}
		}
	}()
	rc.stop = func() { cmd.Process.Kill(); cmd.Wait() }
	return rc, nil
}

// runRaw starts the bare client of spec in this process; it calls done
// once it has received spec.Total messages.
func runRaw(spec rawSpec, done func()) (stop func(), err error) {
	switch spec.Kind {
	case "twitch":
		tc := rawTwitch(spec, done)
		go tc.Connect()
		return func() { tc.Disconnect() }, nil
	case "youtube":
		ctx, cancel := context.WithCancel(context.Background())
		go bareYouTube(ctx, spec, done)
		return cancel, nil
	}
	return nil, fmt.Errorf("bare client: unknown kind %q", spec.Kind)
}

// measureRaw sends the script's Twitch lines to a go-twitch-irc client
// with a no-op handler, joined to the script's channels. It measures from
// the first line written to the handler seeing the last one.
func (b *bench) measureRaw(ctx context.Context, s *script) (rawResult, error) {
	srv, err := twitchfake.Start()
	if err != nil {
		return rawResult{}, err
	}
	defer srv.Close()
	total := len(s.lines)
	rc, err := b.startRaw(rawSpec{Kind: "twitch", Addr: srv.Addr(), Channels: s.channels, Total: total})
	if err != nil {
		return rawResult{}, err
	}
	defer rc.stop()
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, ch := range s.channels {
		if err := srv.WaitJoined(jctx, ch); err != nil {
			return rawResult{}, err
		}
	}
	r := newRun(s, topN)
	res := send(ctx, twitchSink{srv}, r, sendOpts{})
	select {
	case <-rc.done:
	case <-time.After(120 * time.Second):
		return rawResult{}, errors.New("the bare client did not receive every line within 120 s")
	case <-ctx.Done():
		return rawResult{}, ctx.Err()
	}
	el := time.Since(r.base) - res.start
	return rawResult{Lines: total, Seconds: el.Seconds(), LinesPerSec: float64(total) / el.Seconds()}, nil
}

// rawTwitch returns an anonymous go-twitch-irc client of spec's channels
// whose PRIVMSG handler only counts, and calls done at the total-th line.
func rawTwitch(spec rawSpec, done func()) *twitch.Client {
	tc := twitch.NewAnonymousClient()
	tc.IrcAddress, tc.TLS = spec.Addr, false
	var n atomic.Int64
	total := int64(spec.Total)
	tc.OnPrivateMessage(func(twitch.PrivateMessage) {
		if n.Add(1) == total {
			done()
		}
	})
	tc.Join(spec.Channels...)
	return tc
}

// RunRawChild is the bench re-executed as a bare client: it prints "done"
// once it has received what spec says, then waits to be killed. It
// returns the exit status.
func (m *Main) RunRawChild(spec string) int {
	var rs rawSpec
	if err := json.Unmarshal([]byte(spec), &rs); err != nil {
		fmt.Fprintln(m.Stderr, "bare client:", err)
		return 2
	}
	if _, err := runRaw(rs, func() { fmt.Fprintln(m.Stdout, "done") }); err != nil {
		fmt.Fprintln(m.Stderr, "bare client:", err)
		return 2
	}
	select {}
}
