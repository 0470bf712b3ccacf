package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

// blastChunk is how many lines the server writes per flush when it sends
// as fast as it can: large enough that the sender is never the limit, small
// enough that a chunk's write time is close to each of its lines'.
const blastChunk = 128

// sendOpts says how to send a script.
type sendOpts struct {
	// rate is in lines per second; 0 sends as fast as the connection takes.
	rate float64
	// before, if set, runs before the chunk that starts at line i; the drop
	// scenario cuts the connection there.
	before func(i int)
	// chunkLines bounds lines per write (blastChunk by default).
	chunkLines int
}

// sendResult counts what the server did with a script's lines.
type sendResult struct {
	start, end time.Duration // since the run's base: first write, last write done
	connected  int           // lines written to a connection
	lost       int           // lines sent while no client had joined
}

// send writes r's lines to every client joined to the bench channel,
// recording when each was written. Lines sent while nobody has joined are
// marked lost: on Twitch they would be lost to the bot too.
func send(ctx context.Context, srv *twitchfake.Server, r *run, o sendOpts) sendResult {
	lines := r.s.lines
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
		if srv.SendLines(benchChannel, lines[i:j]) == 0 {
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
		for i := 0; i < len(lines) && ctx.Err() == nil; i += chunk {
			write(i, min(i+chunk, len(lines)))
		}
		res.end = time.Duration(r.now())
		return res
	}
	// Paced: every tick, write what is due by now.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	sent := 0
	for sent < len(lines) && ctx.Err() == nil {
		<-tick.C
		due := min(int(o.rate*time.Since(start).Seconds()), len(lines))
		for sent < due {
			j := min(sent+chunk, due)
			write(sent, j)
			sent = j
		}
	}
	res.end = time.Duration(r.now())
	return res
}

// rawResult is the ceiling: the chat client alone.
type rawResult struct {
	Lines       int     `json:"lines"`
	Seconds     float64 `json:"seconds"`
	LinesPerSec float64 `json:"lines_per_sec"`
}

// rawChildEnv names, for a re-executed bench, the chat address and the
// number of lines it must receive.
const rawChildEnv = "TRIBUNE_BENCH_RAW_CHILD"

// measureRaw sends the script's lines to a go-twitch-irc client with a
// no-op handler: in a child process when child is true (as Tribune runs in
// one), else in this process. It measures from the first line written to
// the handler seeing the last one.
func measureRaw(ctx context.Context, s *script, child bool) (rawResult, error) {
	srv, err := startChat()
	if err != nil {
		return rawResult{}, err
	}
	defer srv.Close()
	total := len(s.lines)
	done := make(chan struct{})
	var stop func()
	if child {
		exe, err := os.Executable()
		if err != nil {
			return rawResult{}, err
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), rawChildEnv+"="+srv.Addr()+","+strconv.Itoa(total))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return rawResult{}, err
		}
		if err := cmd.Start(); err != nil {
			return rawResult{}, fmt.Errorf("start raw client: %w", err)
		}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "done" {
					close(done)
					break
				}
			}
		}()
		stop = func() { cmd.Process.Kill(); cmd.Wait() }
	} else {
		tc := rawClient(srv.Addr(), int64(total), func() { close(done) })
		go tc.Connect()
		stop = func() { tc.Disconnect() }
	}
	defer stop()
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.WaitJoined(jctx, benchChannel); err != nil {
		return rawResult{}, err
	}
	r := newRun(s, 20)
	res := send(ctx, srv, r, sendOpts{})
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		return rawResult{}, errors.New("raw client did not receive every line within 120 s")
	}
	el := time.Since(r.base) - res.start
	return rawResult{Lines: total, Seconds: el.Seconds(), LinesPerSec: float64(total) / el.Seconds()}, nil
}

// rawClient returns an anonymous go-twitch-irc client of the bench channel
// whose PRIVMSG handler only counts, and calls done at the total-th line.
func rawClient(addr string, total int64, done func()) *twitch.Client {
	tc := twitch.NewAnonymousClient()
	tc.IrcAddress, tc.TLS = addr, false
	var n atomic.Int64
	tc.OnPrivateMessage(func(twitch.PrivateMessage) {
		if n.Add(1) == total {
			done()
		}
	})
	tc.Join(benchChannel)
	return tc
}

// rawChild is the bench re-executed as the raw client: it prints "done"
// once it has received the number of lines it was told, then waits to be
// killed.
func rawChild(spec string) {
	addr, ns, _ := strings.Cut(spec, ",")
	total, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "raw child:", err)
		os.Exit(2)
	}
	tc := rawClient(addr, total, func() { fmt.Println("done") })
	if err := tc.Connect(); err != nil {
		fmt.Fprintln(os.Stderr, "raw child:", err)
	}
	select {}
}
