package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/chat"
)

// Defaults of a Client.
const (
	DefaultIrcAddress = "irc.chat.twitch.tv:6697"
	// DefaultWorkers is how many commands are applied at once. The Service
	// commits every command waiting in one transaction, so many workers in
	// flight mean big, cheap batches.
	DefaultWorkers = 64
	// DefaultQueue is how many commands wait per worker before the chat
	// reader blocks (backpressure to TCP, never a dropped command).
	DefaultQueue = 64
	// DefaultStallTimeout is how long a connection may stay silent before
	// it is abandoned for a new one. go-twitch-irc pings after 15 s of
	// silence, so a live connection is never silent that long.
	DefaultStallTimeout = 60 * time.Second
	// DefaultRejoinTimeout is how long a connection asked to reconnect
	// (RECONNECT) may take to join again before it is abandoned.
	DefaultRejoinTimeout = 15 * time.Second
	// Reconnect backoff after a failed connection.
	minBackoff = 500 * time.Millisecond
	maxBackoff = 30 * time.Second
	// stopWait bounds how long Run waits for go-twitch-irc to close when
	// ctx ends: its Disconnect can hang when its buffers are full.
	stopWait = 3 * time.Second
)

// Chat health states, published per channel (HealthComponent) and, for
// the whole connection, with tribune.HealthChat.
const (
	HealthConnecting   = "connecting"
	HealthConnected    = "connected"
	HealthAnonymous    = "anonymous" // joined without credentials: read-only
	HealthReconnecting = "reconnecting"
	HealthAuthFailed   = "login failed"
	HealthStopped      = "stopped"
)

// HealthComponent is the health component of one channel, "twitch
// #channel": the console and /api/health show each channel of a
// co-stream.
func HealthComponent(channel string) string { return "twitch #" + channel }

// Client is the Twitch chat bot of a meeting: one connection that joins
// every channel of the meeting. Create it with NewClient, set the exported
// fields, then Run.
type Client struct {
	// IrcAddress is the chat server, DefaultIrcAddress by default.
	IrcAddress string
	// TLS dials with TLS; true by default.
	TLS bool
	// User and Token authenticate the bot (TRIBUNE_TWITCH_USER and
	// TRIBUNE_TWITCH_TOKEN); the token may omit its "oauth:" prefix. With
	// an empty User or Token the bot joins anonymously and never replies.
	// The token is never logged.
	User, Token string
	// Lang is the language of replies: "en" (default) or "fr".
	Lang string
	// Logger receives connection events and internal errors.
	Logger *slog.Logger
	// Workers and Queue size the command pipeline (DefaultWorkers,
	// DefaultQueue).
	Workers, Queue int
	// Linger is how long replies wait to be folded together
	// (DefaultLinger).
	Linger time.Duration
	// StallTimeout and RejoinTimeout bound how long a silent or
	// reconnecting connection is trusted (DefaultStallTimeout,
	// DefaultRejoinTimeout).
	StallTimeout, RejoinTimeout time.Duration
	// MaxReplyAge is how long a reply may wait for the send limits before
	// it is dropped (DefaultMaxReplyAge): the viewer has moved on.
	MaxReplyAge time.Duration
	// DedupWindow and DedupSize bound what the Client remembers of the
	// messages it applied, to apply a Shared Chat message once
	// (DefaultDedupWindow, DefaultDedupSize).
	DedupWindow time.Duration
	DedupSize   int
	// Now is the clock of reply ages, send pacing, slow mode and the
	// memory of recent messages (time.Now by default); the chat rules
	// (one refusal per viewer per 30 s) follow the Service's clock.
	// Waits run on the wall clock and read Now again at least every
	// 200 ms, so that a test's clock moved by hand takes effect.
	Now func() time.Time

	svc      *tribune.Service
	channels []string
	ours     map[string]bool // channels, for lookups

	stats    counters
	running  atomic.Bool
	seed     maphash.Seed
	queues   []chan job
	outboxes map[string]*outbox // by channel; nil when anonymous
	handler  *chat.Handler
	recent   *recent

	mu     sync.Mutex        // guards rooms and health
	rooms  map[string]string // room id → channel, for the channels joined
	health map[string]string // channel → state
}

// NewClient returns a Client that joins channels (with or without '#'; an
// argument may also hold a comma-separated list, as --channel does) and
// applies their commands through svc: NewClient(svc, "townhall") for one
// channel, NewClient(svc, "mp", "party") for a co-stream. Names are
// checked by Run.
func NewClient(svc *tribune.Service, channels ...string) *Client {
	c := &Client{
		IrcAddress:    DefaultIrcAddress,
		TLS:           true,
		Lang:          "en",
		Logger:        slog.Default(),
		Workers:       DefaultWorkers,
		Queue:         DefaultQueue,
		Linger:        DefaultLinger,
		StallTimeout:  DefaultStallTimeout,
		RejoinTimeout: DefaultRejoinTimeout,
		MaxReplyAge:   DefaultMaxReplyAge,
		DedupWindow:   DefaultDedupWindow,
		DedupSize:     DefaultDedupSize,
		Now:           time.Now,
		svc:           svc,
		ours:          map[string]bool{},
		seed:          maphash.MakeSeed(),
		rooms:         map[string]string{},
		health:        map[string]string{},
	}
	for _, arg := range channels {
		for _, ch := range strings.Split(arg, ",") {
			ch = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ch), "#"))
			if ch != "" && !c.ours[ch] {
				c.ours[ch] = true
				c.channels = append(c.channels, ch)
			}
		}
	}
	return c
}

// Channel returns the first channel the client joins, lower case, without
// '#'.
func (c *Client) Channel() string {
	if len(c.channels) == 0 {
		return ""
	}
	return c.channels[0]
}

// Channels returns every channel the client joins, in order.
func (c *Client) Channels() []string { return slices.Clone(c.channels) }

// Anonymous reports whether the client joins without credentials.
func (c *Client) Anonymous() bool { return c.User == "" || c.Token == "" }

// Stats are a Client's counters since it was created.
type Stats struct {
	Lines      uint64 // chat messages seen, mirrors included
	Commands   uint64 // commands parsed and queued
	Applied    uint64 // commands done with: applied or refused, reply queued
	Ignored    uint64 // commands without a user id, or from a channel not joined
	Duplicates uint64 // copies of a command already applied (Shared Chat mirrors), not applied again
	Platform   uint64 // platform deletions, bans and timeouts handled, whether or not they changed anything
	Replies    uint64 // chat messages sent, retries and summaries included
	Parts      uint64 // replies to viewers carried by those messages
	Silenced   uint64 // replies the chat handler withheld (a refusal repeated within 30 s)
	Dropped    uint64 // replies dropped: too old (MaxReplyAge), flood, per-viewer cap, refused twice
	Folded     uint64 // vote acknowledgements folded into summaries instead of sent one by one
	Summaries  uint64 // summary messages sent ("votes counted: …")
	Refused    uint64 // messages Twitch refused with a NOTICE (rate limit, slow mode, …)
	Retries    uint64 // refused messages sent again (once each)
	Connects   uint64 // successful logins (001), reconnections included
	Panics     uint64 // go-twitch-irc parser panics recovered
	Stalls     uint64 // connections abandoned as silent or stuck
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	s := &c.stats
	return Stats{
		Lines: s.lines.Load(), Commands: s.commands.Load(), Applied: s.applied.Load(), Ignored: s.ignored.Load(),
		Duplicates: s.duplicates.Load(), Platform: s.platform.Load(),
		Replies: s.replies.Load(), Parts: s.parts.Load(), Silenced: s.silenced.Load(), Dropped: s.dropped.Load(),
		Folded: s.folded.Load(), Summaries: s.summaries.Load(), Refused: s.refused.Load(), Retries: s.retries.Load(),
		Connects: s.connects.Load(), Panics: s.panics.Load(), Stalls: s.stalls.Load(),
	}
}

// counters are the Client's statistics, updated atomically.
type counters struct {
	lines, commands, applied, ignored, duplicates, platform       atomic.Uint64
	replies, parts, silenced, dropped, folded, summaries, refused atomic.Uint64
	retries, connects, panics, stalls                             atomic.Uint64
}

// channelName is what Twitch allows in a channel's name (a login).
var channelName = regexp.MustCompile(`^[a-z0-9_]{1,25}$`)

// Run connects, joins the channels and handles their chat until ctx is
// done, reconnecting by itself after drops, RECONNECT requests, stalls and
// parser panics, with backoff when the server is unreachable. It returns
// nil when ctx ends, or an error when the client cannot start (no
// service, no channel, a name Twitch would not have).
func (c *Client) Run(ctx context.Context) error {
	if c.svc == nil {
		return errors.New("bot: no service")
	}
	if len(c.channels) == 0 {
		return errors.New("bot: no channel")
	}
	for _, ch := range c.channels {
		if !channelName.MatchString(ch) {
			return fmt.Errorf("bot: %q is not a Twitch channel name (letters, digits, _; at most 25)", chat.SafeLine(ch))
		}
	}
	if !c.running.CompareAndSwap(false, true) {
		return errors.New("bot: already running")
	}
	defer c.running.Store(false)
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Queue <= 0 {
		c.Queue = DefaultQueue
	}
	if c.StallTimeout <= 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	if c.RejoinTimeout <= 0 {
		c.RejoinTimeout = DefaultRejoinTimeout
	}
	if c.MaxReplyAge <= 0 {
		c.MaxReplyAge = DefaultMaxReplyAge
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.handler = chat.NewHandler(c.svc, c.Lang)
	c.handler.MaxRunes = MaxMessageRunes
	c.handler.Logger = c.Logger
	c.recent = newRecent(c.DedupWindow, c.DedupSize)
	log := c.Logger.With("channels", strings.Join(c.channels, ","))

	var wg sync.WaitGroup
	c.queues = make([]chan job, c.Workers)
	for i := range c.queues {
		c.queues[i] = make(chan job, c.Queue)
		wg.Add(1)
		go func(q chan job) {
			defer wg.Done()
			c.work(ctx, q)
		}(c.queues[i])
	}
	c.outboxes = nil
	if !c.Anonymous() {
		cfg := &sendConfig{now: c.Now, linger: c.Linger, maxAge: c.MaxReplyAge, stats: &c.stats, summary: c.handler.Summary}
		c.outboxes = make(map[string]*outbox, len(c.channels))
		for _, ch := range c.channels {
			o := newOutbox(ch, cfg)
			c.outboxes[ch] = o
			wg.Add(1)
			go func() {
				defer wg.Done()
				o.run(ctx)
			}()
		}
	}
	defer func() {
		wg.Wait()
		c.setHealthAll(HealthStopped)
	}()

	c.setHealthAll(HealthConnecting)
	backoff := minBackoff
	for ctx.Err() == nil {
		start := time.Now()
		err := c.connect(ctx, log)
		if ctx.Err() != nil {
			break
		}
		if time.Since(start) > time.Minute {
			backoff = minBackoff
		}
		state := HealthReconnecting
		if errors.Is(err, twitch.ErrLoginAuthenticationFailed) {
			state = HealthAuthFailed
			backoff = maxBackoff
		}
		log.Warn("chat connection lost; reconnecting", "err", err, "in", backoff.String())
		c.setHealthAll(state)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(backoff*2, maxBackoff)
	}
	log.Info("chat stopped")
	return nil
}

// setHealth records the state of channel's component, and the state of
// the whole chat (tribune.HealthChat): the state every channel shares, or
// else the first channel's that is not joined.
func (c *Client) setHealth(channel, state string) {
	// c.mu is held while publishing, so that the states are published in
	// the order they were set.
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health[channel] = state
	all := ""
	for _, ch := range c.channels {
		if st := c.health[ch]; all == "" || (joined(all) && !joined(st)) {
			all = st
		}
	}
	c.svc.SetHealth(HealthComponent(channel), state)
	c.svc.SetHealth(tribune.HealthChat, all)
}

func joined(state string) bool { return state == HealthConnected || state == HealthAnonymous }

func (c *Client) setHealthAll(state string) {
	for _, ch := range c.channels {
		c.setHealth(ch, state)
	}
}
