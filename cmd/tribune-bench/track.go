package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// run follows one script through Tribune: when each line was written, and
// when each effect reached each client. The sender writes the write times;
// each websocket client's reader goroutine feeds its own half under its own
// mutex.
type run struct {
	s    *script
	base time.Time
	// written[i] is when line i was handed to the server, in nanoseconds
	// since base; 0 until then. lost[i] marks lines the server sent while
	// no client was connected.
	written []atomic.Int64
	lost    []bool

	api  side
	feed side

	wantTop []idVotes
	feedTop map[int]bool // the questions of the last leaderboard; feed.mu guards it
}

// side is what one client saw.
type side struct {
	mu   sync.Mutex
	seen []int   // highest vote count seen per question
	lat  []int64 // one latency per command effect, nanoseconds
	left int     // effects not yet seen
	// end is when the last expected effect arrived, in nanoseconds since
	// base; done is closed then.
	end        int64
	done       chan struct{}
	resyncs    int
	unexpected int
	messages   int
}

func newRun(s *script, topN int) *run {
	r := &run{s: s, base: time.Now(), written: make([]atomic.Int64, len(s.lines)), lost: make([]bool, len(s.lines))}
	left := len(s.asks)
	for id := range s.votes {
		if len(s.votes[id]) > 0 {
			left++
		}
	}
	for _, sd := range []*side{&r.api, &r.feed} {
		sd.seen = make([]int, len(s.base))
		copy(sd.seen, s.base)
		sd.lat = make([]int64, 0, s.commands())
		sd.left = left
		sd.done = make(chan struct{})
	}
	r.feed.left = 1 // the final leaderboard
	r.wantTop = s.expectedTop(topN)
	if left == 0 {
		close(r.api.done)
	}
	return r
}

func (r *run) now() int64 { return int64(time.Since(r.base)) }

// voteSeen records that question id has n votes, as seen at t by sd: every
// vote line that brought it there has arrived. The latency of the k-th vote
// is from the write of the k-th vote line for that question to the first
// message showing at least k votes: votes are applied by many workers, not
// in line order, so this is the delay until the count shown covers every
// vote written until then.
func (r *run) voteSeen(sd *side, id, n int, t int64) {
	if id <= 0 || id >= len(sd.seen) {
		sd.unexpected++
		return
	}
	lines := r.s.votes[id]
	base := r.s.base[id]
	for c := sd.seen[id] + 1; c <= n; c++ {
		k := c - base - 1
		if k < 0 || k >= len(lines) {
			if sd == &r.api {
				sd.unexpected++
			}
			continue
		}
		if w := r.written[lines[k]].Load(); w > 0 {
			sd.lat = append(sd.lat, t-w)
		}
	}
	if n > sd.seen[id] {
		if sd == &r.api && len(lines) > 0 && sd.seen[id] < base+len(lines) && n >= base+len(lines) {
			r.effectDone(sd, t)
		}
		sd.seen[id] = n
	}
}

func (r *run) effectDone(sd *side, t int64) {
	sd.left--
	if sd.left == 0 {
		sd.end = t
		close(sd.done)
	}
}

// onAPI handles one /api/events message.
func (r *run) onAPI(msg []byte, t int64) {
	sd := &r.api
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.messages++
	typ := jsonString(msg, `"type":"`)
	switch typ {
	case "voted":
		id, _ := jsonInt(msg, `"id":`)
		n, _ := jsonInt(msg, `"votes":`)
		r.voteSeen(sd, id, n, t)
	case "created":
		text := jsonString(msg, `"text":"`)
		if strings.IndexByte(text, '\\') >= 0 {
			var ev struct {
				Question struct{ Text string } `json:"question"`
			}
			json.Unmarshal(msg, &ev)
			text = ev.Question.Text
		}
		line, ok := r.s.asks[text]
		if !ok {
			sd.unexpected++
			return
		}
		if w := r.written[line].Load(); w > 0 {
			sd.lat = append(sd.lat, t-w)
		}
		r.effectDone(sd, t)
	case "resync":
		sd.resyncs++
	}
}

// onFeed handles one /overlay/ws message: the leaderboard shows votes as
// they count; the run is over for the overlay when it shows the final one.
func (r *run) onFeed(msg []byte, t int64) {
	sd := &r.feed
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.messages++
	if !bytes.HasPrefix(msg, []byte(`{"type":"top"`)) {
		return
	}
	var top struct {
		Questions []idVotes `json:"questions"`
	}
	if err := json.Unmarshal(msg, &top); err != nil {
		sd.unexpected++
		return
	}
	if sd.left == 0 {
		return
	}
	// A question entering the leaderboard shows votes that were waiting
	// for it to climb, not for delivery: only counts of questions already
	// shown are timed.
	inTop := make(map[int]bool, len(top.Questions))
	for _, q := range top.Questions {
		inTop[q.ID] = true
		if !r.feedTop[q.ID] && q.ID > 0 && q.ID < len(sd.seen) && q.Votes > sd.seen[q.ID] {
			sd.seen[q.ID] = q.Votes
			continue
		}
		r.voteSeen(sd, q.ID, q.Votes, t)
	}
	r.feedTop = inTop
	if slices.Equal(top.Questions, r.wantTop) {
		r.effectDone(sd, t)
	}
}

// results returns a copy of what a side saw, safe to read while its
// client keeps reading.
func (sd *side) results() (lat []int64, end int64, resyncs, unexpected, left int) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return slices.Clone(sd.lat), sd.end, sd.resyncs, sd.unexpected, sd.left
}

// jsonString returns the string value after key in msg, raw (escapes left
// as they are). Tribune's JSON has no spaces and keys cannot occur inside
// strings, where quotes are escaped.
func jsonString(msg []byte, key string) string {
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return ""
	}
	rest := msg[i+len(key):]
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			return string(rest[:j])
		}
	}
	return ""
}

// jsonInt returns the integer after key in msg.
func jsonInt(msg []byte, key string) (int, bool) {
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(key):]
	j := 0
	for j < len(rest) && (rest[j] == '-' || '0' <= rest[j] && rest[j] <= '9') {
		j++
	}
	n, err := strconv.Atoi(string(rest[:j]))
	return n, err == nil
}

// wsClient is one websocket client of the overlay server, handing every
// message to the current run.
type wsClient struct {
	name  string
	conn  *websocket.Conn
	first chan struct{} // closed on the first message: the state on connect
	run   atomic.Pointer[run]
	// handle picks the run's handler for this client.
	handle func(r *run, msg []byte, t int64)
	done   chan struct{}
	err    error
}

// dialWS connects a client to path of the target.
func dialWS(ctx context.Context, t target, path, name string, handle func(*run, []byte, int64)) (*wsClient, error) {
	u := "ws" + strings.TrimPrefix(t.URL(), "http") + path
	h := http.Header{}
	if strings.HasPrefix(path, "/api/") {
		h.Set("Authorization", "Bearer "+t.Token())
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10}
	conn, resp, err := d.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, fmt.Errorf("connect %s: %w", path, err)
	}
	c := &wsClient{name: name, conn: conn, first: make(chan struct{}), handle: handle, done: make(chan struct{})}
	go c.read()
	select {
	case <-c.first:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("%s: closed before its first message: %v", path, c.err)
	case <-time.After(10 * time.Second):
		conn.Close()
		return nil, fmt.Errorf("%s: no first message within 10 s", path)
	}
}

func (c *wsClient) read() {
	defer close(c.done)
	firstSeen := false
	for {
		_, msg, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if r := c.run.Load(); r != nil {
			c.handle(r, msg, r.now())
		}
		if !firstSeen {
			firstSeen = true
			close(c.first)
		}
	}
}

// closed reports whether the server dropped the client.
func (c *wsClient) closed() error {
	select {
	case <-c.done:
		if c.err == nil {
			return errors.New("closed")
		}
		return c.err
	default:
		return nil
	}
}

func (c *wsClient) Close() {
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.conn.Close()
	<-c.done
}
