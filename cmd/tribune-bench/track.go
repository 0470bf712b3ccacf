package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	if r.s.other(id) > 0 {
		// Votes cast outside the script (the ask page's): timed by
		// whoever cast them.
		sd.seen[id] = max(sd.seen[id], n)
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

// apiMessage is what the bench reads of an /api/events message.
type apiMessage struct {
	Type     string `json:"type"`
	Question struct {
		ID    int    `json:"id"`
		Text  string `json:"text"`
		Votes int    `json:"votes"`
	} `json:"question"`
}

// decodeAPI decodes an /api/events message into ev. A "voted" event, one
// per vote of a storm, is read by scanVoted when it has the shape the
// Service gives it; anything else goes through encoding/json. The bench's
// client shares the machine's 2 cores with tribune serve: with json alone
// it was busy 9–12 % of the 200 000-vote storm, and the storm made
// 20 100–24 900 durable votes/s over four runs, against 26 200–26 900
// when voted events were scanned (1.5 % busy), runs alternated in one
// session. BenchmarkDecodeVoted: 2.8–3.3 µs a message with json, 0.1 µs
// with scanVoted.
func decodeAPI(msg []byte, ev *apiMessage) error {
	if scanVoted(msg, ev) {
		return nil
	}
	return json.Unmarshal(msg, ev)
}

// votedPrefix is how a "voted" event starts (tribune.Event, then
// tribune.Question, in their fields' order).
var votedPrefix = []byte(`{"type":"voted","question":{"id":`)

// scanVoted reads the question's id and votes of a "voted" event and
// reports whether it could. It never misreads: `,"votes":` cannot occur
// inside a JSON string, whose quotes are escaped, and a message of another
// shape (fields reordered, a new field first) is left to encoding/json.
func scanVoted(msg []byte, ev *apiMessage) bool {
	rest, ok := bytes.CutPrefix(msg, votedPrefix)
	if !ok {
		return false
	}
	id, rest, ok := scanNumber(rest)
	if !ok {
		return false
	}
	i := bytes.Index(rest, []byte(`,"votes":`))
	if i < 0 {
		return false
	}
	votes, _, ok := scanNumber(rest[i+len(`,"votes":`):])
	if !ok {
		return false
	}
	ev.Type, ev.Question.ID, ev.Question.Votes = "voted", id, votes
	return true
}

// scanNumber reads the non-negative integer at the start of b.
func scanNumber(b []byte) (n int, rest []byte, ok bool) {
	i := 0
	for i < len(b) && '0' <= b[i] && b[i] <= '9' && i < 9 {
		n = 10*n + int(b[i]-'0')
		i++
	}
	return n, b[i:], i > 0 && i < len(b) && (b[i] == ',' || b[i] == '}')
}

// feedMessage is what the bench reads of an /overlay/ws message.
type feedMessage struct {
	Type      string    `json:"type"`
	Questions []idVotes `json:"questions"`
}

// onAPI handles one /api/events message (err: it did not decode).
func (r *run) onAPI(ev *apiMessage, err error, t int64) {
	sd := &r.api
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.messages++
	if err != nil {
		sd.unexpected++
		return
	}
	switch ev.Type {
	case "voted":
		r.voteSeen(sd, ev.Question.ID, ev.Question.Votes, t)
	case "created":
		line, ok := r.s.asks[ev.Question.Text]
		if !ok {
			if !r.s.otherAsks[ev.Question.Text] {
				sd.unexpected++
			}
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
func (r *run) onFeed(top *feedMessage, err error, t int64) {
	sd := &r.feed
	sd.mu.Lock()
	defer sd.mu.Unlock()
	sd.messages++
	if err != nil {
		sd.unexpected++
		return
	}
	if top.Type != "top" || sd.left == 0 {
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

// apiHandler and feedHandler decode a client's messages, once, and hand
// them to also (when set: a load beside the script's) and to r, timed from
// r's base.
func (r *run) apiHandler(also func(*apiMessage, time.Time)) handler {
	return func(msg []byte, at time.Time) {
		var ev apiMessage
		err := decodeAPI(msg, &ev)
		if also != nil && err == nil {
			also(&ev, at)
		}
		r.onAPI(&ev, err, int64(at.Sub(r.base)))
	}
}

func (r *run) feedHandler(also func(*feedMessage, time.Time)) handler {
	return func(msg []byte, at time.Time) {
		var m feedMessage
		err := json.Unmarshal(msg, &m)
		if also != nil && err == nil {
			also(&m, at)
		}
		r.onFeed(&m, err, int64(at.Sub(r.base)))
	}
}

// results returns a copy of what a side saw, safe to read while its
// client keeps reading.
func (sd *side) results() (lat []int64, end int64, resyncs, unexpected, left int) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return slices.Clone(sd.lat), sd.end, sd.resyncs, sd.unexpected, sd.left
}

// handler takes one websocket message and when it was read.
type handler func(msg []byte, at time.Time)

// wsClient is one websocket client of the overlay server: one reader
// goroutine hands every message to the current handler, and counts the
// time it spends there, so that a run can tell whether the bench's own
// decoding kept up.
type wsClient struct {
	name   string
	conn   *websocket.Conn
	first  chan struct{} // closed on the first message: the state on connect
	handle atomic.Pointer[handler]
	busy   atomic.Int64 // nanoseconds spent in the handler
	done   chan struct{}
	err    error
}

// dialWS connects a client to path of the target.
func dialWS(ctx context.Context, t target, path, name string) (*wsClient, error) {
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
	c := &wsClient{name: name, conn: conn, first: make(chan struct{}), done: make(chan struct{})}
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

// attach makes h the handler of the messages that follow.
func (c *wsClient) attach(h handler) { c.handle.Store(&h) }

func (c *wsClient) read() {
	defer close(c.done)
	firstSeen := false
	for {
		_, msg, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		at := time.Now()
		if h := c.handle.Load(); h != nil {
			(*h)(msg, at)
			c.busy.Add(int64(time.Since(at)))
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
