// Package bot connects Tribune to Twitch chat through
// github.com/gempir/go-twitch-irc/v4: it joins one or several channels
// (a co-stream) into one meeting, reads the chat commands of the design
// (!question, !vote, !unvote, !top, !withdraw, !report, !qhelp), applies
// them through the chat package's Handler, obeys the platform's own
// moderation (deleted messages, bans, timeouts), and replies in the
// channel the viewer typed in, within Twitch's send limits and slow mode.
//
// Twitch Shared Chat mirrors each message into every channel of a shared
// session; the Client applies each message once, whichever copies reach
// it (see recent).
//
// Without credentials the Client joins anonymously: it reads and collects
// questions, and sends nothing.
package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"regexp"
	"runtime/debug"
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
	DefaultQueue = 256
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
	// (one refusal per viewer per 30 s) follow the Service's clock. Waits run on the wall clock and read Now again at least
	// every 200 ms, so that a test's clock moved by hand takes effect.
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

// jobKind says what a worker does with a job.
type jobKind uint8

const (
	jobCommand jobKind = iota // a viewer's chat command
	jobDelete                 // the platform deleted a message (CLEARMSG)
	jobBan                    // the platform banned a viewer (CLEARCHAT)
	jobTimeout                // the platform timed a viewer out (CLEARCHAT with ban-duration)
)

// job is one command or platform action on its way to a worker. A
// platform action travels in the queue of the viewer it concerns, so that
// it cannot overtake the question it refers to.
type job struct {
	kind  jobKind
	cmd   chat.Command
	actor tribune.Actor // Channel is where replies go
	// parent is the id, in actor.Channel, of the message being answered:
	// for a native reply when the viewer cannot be named.
	parent string
	key    string // jobDelete: the canonical key of the deleted message
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

// errStalled and errRejoin end a connection that go-twitch-irc would not.
var (
	errStalled = errors.New("connection silent for too long")
	errRejoin  = errors.New("no rejoin after a RECONNECT")
)

// panicError reports a panic recovered from go-twitch-irc's parser.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("go-twitch-irc panicked: %v", e.value) }

// connect runs one go-twitch-irc client until it fails, stalls or ctx ends.
// go-twitch-irc redials by itself after a drop or a RECONNECT; connect
// returns when it gives up (the server is unreachable, the login fails),
// when its parser panics (it panics on some malformed lines, on the
// goroutine that called Connect, which is recovered here), or when it goes
// silent. A client given up on is abandoned: its callbacks do nothing any
// more, and it parts the channels so that it stops receiving chat.
//
// go-twitch-irc runs every callback on its reading goroutine: they must
// not block, and they are the only code that reads the connection's
// state below.
func (c *Client) connect(ctx context.Context, log *slog.Logger) error {
	var tc *twitch.Client
	anon := c.Anonymous()
	if anon {
		tc = twitch.NewAnonymousClient()
	} else {
		token := c.Token
		if !strings.HasPrefix(token, "oauth:") {
			token = "oauth:" + token
		}
		tc = twitch.NewClient(strings.ToLower(c.User), token)
	}
	tc.IrcAddress = c.IrcAddress
	if tc.IrcAddress == "" {
		tc.IrcAddress = DefaultIrcAddress
	}
	tc.TLS = c.TLS

	// go-twitch-irc pings after IdlePingInterval of silence and gives up
	// PongTimeout later; keeping both well inside StallTimeout means a
	// live connection is never silent long enough to look stalled.
	tc.IdlePingInterval = min(tc.IdlePingInterval, c.StallTimeout/3)
	tc.PongTimeout = min(tc.PongTimeout, c.StallTimeout/6)

	var (
		abandoned atomic.Bool
		activity  atomic.Uint64 // bumped by every line the client hands over
		logins    atomic.Int32
		rejoinBy  atomic.Int64 // unix nanos by which a RECONNECT must have led to the joins; 0 when none is due
		joins     = map[string]bool{}
	)
	seen := func() { activity.Add(1) }
	tc.OnConnect(func() {
		if abandoned.Load() {
			tc.Disconnect()
			return
		}
		seen()
		c.stats.connects.Add(1)
		clear(joins)
		if logins.Add(1) > 1 {
			// go-twitch-irc redialled after a drop: say so before it rejoins.
			log.Warn("chat connection was lost; reconnected, rejoining")
			c.setHealthAll(HealthReconnecting)
		}
	})
	tc.OnSelfJoinMessage(func(m twitch.UserJoinMessage) {
		if abandoned.Load() || !c.ours[m.Channel] {
			return
		}
		seen()
		joins[m.Channel] = true
		if len(joins) == len(c.channels) {
			rejoinBy.Store(0)
		}
		state := HealthConnected
		if anon {
			state = HealthAnonymous
		}
		log.Info("joined chat", "channel", m.Channel, "anonymous", anon, "address", tc.IrcAddress)
		c.setHealth(m.Channel, state)
		if o := c.outboxes[m.Channel]; o != nil {
			ch := m.Channel
			o.attach(func(text, parent string) {
				if parent != "" {
					tc.Reply(ch, parent, text)
				} else {
					tc.Say(ch, text)
				}
			})
		}
	})
	tc.OnPrivateMessage(func(m twitch.PrivateMessage) {
		if abandoned.Load() {
			return
		}
		activity.Add(1)
		c.handle(ctx, &m, &activity)
	})
	tc.OnUserStateMessage(func(m twitch.UserStateMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		if o := c.outboxes[m.Channel]; o != nil {
			o.userState(m.User.Badges["moderator"] > 0 || m.User.Badges["broadcaster"] > 0)
		}
	})
	tc.OnRoomStateMessage(func(m twitch.RoomStateMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		c.roomState(&m)
	})
	tc.OnReconnectMessage(func(twitch.ReconnectMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		log.Warn("chat server asked to reconnect")
		c.setHealthAll(HealthReconnecting)
		rejoinBy.Store(time.Now().Add(c.RejoinTimeout).UnixNano())
	})
	tc.OnNoticeMessage(func(m twitch.NoticeMessage) {
		seen()
		if abandoned.Load() {
			return
		}
		c.notice(ctx, log, &m)
	})
	tc.OnClearMessage(func(m twitch.ClearMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		c.clearMessage(ctx, log, &m, &activity)
	})
	tc.OnClearChatMessage(func(m twitch.ClearChatMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		c.clearChat(ctx, log, &m, &activity)
	})
	tc.OnPingMessage(func(twitch.PingMessage) { seen() })
	tc.OnPongMessage(func(twitch.PongMessage) { seen() })
	tc.OnGlobalUserStateMessage(func(twitch.GlobalUserStateMessage) { seen() })
	tc.OnUnsetMessage(func(twitch.RawMessage) { seen() })
	tc.OnUserNoticeMessage(func(twitch.UserNoticeMessage) { seen() })
	tc.OnUserJoinMessage(func(twitch.UserJoinMessage) { seen() })
	tc.OnUserPartMessage(func(twitch.UserPartMessage) { seen() })
	tc.Join(c.channels...)

	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				c.stats.panics.Add(1)
				done <- &panicError{value: v, stack: debug.Stack()}
			}
		}()
		done <- tc.Connect()
	}()
	abandon := func() {
		abandoned.Store(true)
		for _, o := range c.outboxes {
			o.attach(nil)
		}
		// Stop the chat flowing to the dead client; its own pinger closes
		// the connection once its PING goes unanswered.
		for _, ch := range c.channels {
			tc.Depart(ch)
		}
	}

	tick := time.NewTicker(max(c.StallTimeout/4, 10*time.Millisecond))
	defer tick.Stop()
	last, lastChange := activity.Load(), time.Now()
	for {
		select {
		case err := <-done:
			abandon()
			var pe *panicError
			if errors.As(err, &pe) {
				log.Error("go-twitch-irc panicked on a chat line; reconnecting", "panic", fmt.Sprint(pe.value), "stack", string(pe.stack))
			}
			if err == nil {
				err = errors.New("connection closed")
			}
			return err
		case <-ctx.Done():
			abandon()
			tc.Disconnect()
			select {
			case <-done:
			case <-time.After(stopWait):
				log.Warn("go-twitch-irc did not close in time; leaving it")
			}
			return ctx.Err()
		case now := <-tick.C:
			if a := activity.Load(); a != last {
				last, lastChange = a, now
			}
			stalled := now.Sub(lastChange) > c.StallTimeout
			if by := rejoinBy.Load(); by != 0 && now.UnixNano() > by {
				abandon()
				tc.Disconnect()
				c.stats.stalls.Add(1)
				return errRejoin
			}
			if stalled {
				abandon()
				tc.Disconnect()
				c.stats.stalls.Add(1)
				return errStalled
			}
		}
	}
}

// roomState learns a channel's room id, which Shared Chat mirrors name
// their origin by, and its slow mode.
func (c *Client) roomState(m *twitch.RoomStateMessage) {
	if !c.ours[m.Channel] {
		return
	}
	if m.RoomID != "" {
		c.learnRoom(m.RoomID, m.Channel)
	}
	if slow, ok := m.State["slow"]; ok {
		if o := c.outboxes[m.Channel]; o != nil {
			o.setSlow(time.Duration(max(slow, 0)) * time.Second)
		}
	}
}

func (c *Client) learnRoom(room, channel string) {
	c.mu.Lock()
	if c.rooms[room] != channel {
		c.rooms[strings.Clone(room)] = channel
	}
	c.mu.Unlock()
}

// roomChannel returns the channel of room id room, if it is one the
// client joined.
func (c *Client) roomChannel(room string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.rooms[room]
	return ch, ok
}

// refusalNotices are the NOTICE msg-ids with which Twitch refuses a
// message the bot sent, in the order it sent them.
var refusalNotices = map[string]bool{
	"msg_ratelimit": true, "msg_slowmode": true, "msg_duplicate": true, "msg_banned": true, "msg_timedout": true,
	"msg_followersonly": true, "msg_followersonly_zero": true, "msg_subsonly": true, "msg_emoteonly": true,
	"msg_r9k": true, "msg_verified_email": true, "msg_requires_verified_phone_number": true,
	"msg_rejected": true, "msg_rejected_mandatory": true,
}

// notice handles a NOTICE: a refusal of one of the bot's messages goes to
// the channel's outbox, which backs off and retries once when Twitch
// found it too fast.
func (c *Client) notice(ctx context.Context, log *slog.Logger, m *twitch.NoticeMessage) {
	level := slog.LevelInfo
	if refusalNotices[m.MsgID] || m.MsgID == "msg_channel_suspended" {
		// Twitch refused a reply: worth the host's attention.
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "chat notice", "channel", m.Channel, "msg_id", m.MsgID, "text", chat.SafeLine(m.Message))
	if o := c.outboxes[m.Channel]; o != nil && refusalNotices[m.MsgID] {
		o.refused(m.MsgID, m.Message)
	}
}

// validID is what a Twitch message or user id may hold.
var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// foreign reports whether a platform action carries the Shared Chat tag
// of a room the client did not join: that room's moderators are not the
// meeting's.
func (c *Client) foreign(tags map[string]string) bool {
	src := tags["source-room-id"]
	if src == "" || src == tags["room-id"] {
		return false
	}
	_, ok := c.roomChannel(src)
	return !ok
}

// clearMessage obeys a moderator's deletion of a message (CLEARMSG): the
// question it asked is hidden. Any copy's id leads to the question: the
// ids of every copy of a question are remembered (recent.ask).
func (c *Client) clearMessage(ctx context.Context, log *slog.Logger, m *twitch.ClearMessage, activity *atomic.Uint64) {
	if !c.ours[m.Channel] || !validID.MatchString(m.TargetMsgID) {
		return
	}
	if c.foreign(m.Tags) {
		log.Debug("deletion in a shared room not joined; ignored", "channel", m.Channel)
		return
	}
	key, user := m.TargetMsgID, m.TargetMsgID
	if ref, ok := c.recent.ask(m.TargetMsgID); ok {
		key, user = ref.key, ref.user
	}
	c.enqueue(ctx, user, job{kind: jobDelete, key: strings.Clone(key), actor: tribune.Actor{Source: tribune.SourceTwitch, Channel: m.Channel}}, activity)
}

// clearChat obeys a moderator's ban or timeout of a viewer (CLEARCHAT
// with target-user-id; without one it clears the chat, which asks
// nothing of Tribune).
func (c *Client) clearChat(ctx context.Context, log *slog.Logger, m *twitch.ClearChatMessage, activity *atomic.Uint64) {
	if !c.ours[m.Channel] || m.TargetUserID == "" {
		return
	}
	if !validID.MatchString(m.TargetUserID) || c.foreign(m.Tags) {
		log.Debug("ban or timeout ignored", "channel", m.Channel, "foreign", c.foreign(m.Tags))
		return
	}
	a := tribune.Actor{Source: tribune.SourceTwitch, UserID: strings.Clone(m.TargetUserID), Channel: m.Channel}
	if login := strings.ToLower(m.TargetUsername); channelName.MatchString(login) {
		a.Login = strings.Clone(login)
	}
	kind := jobBan
	if _, timeout := m.Tags["ban-duration"]; timeout {
		kind = jobTimeout
	}
	c.enqueue(ctx, a.UserID, job{kind: kind, actor: a}, activity)
}

// handle is go-twitch-irc's PRIVMSG callback, on its reading goroutine:
// it parses, drops the copies of a message already applied, and queues
// commands to the worker of their author. Anything that is not a command
// costs a counter and a glance at its first bytes.
func (c *Client) handle(ctx context.Context, m *twitch.PrivateMessage, activity *atomic.Uint64) {
	c.stats.lines.Add(1)
	cmd, ok := chat.Parse(m.Message)
	if !ok {
		return
	}
	if !c.ours[m.Channel] || m.User.ID == "" {
		// Without a user id votes cannot be deduplicated.
		c.stats.ignored.Add(1)
		return
	}
	if m.RoomID != "" {
		c.learnRoom(m.RoomID, m.Channel)
	}
	// A Shared Chat mirror carries the original's id as source-id: the
	// original's key, whichever copy comes first.
	key := m.Tags["source-id"]
	if key == "" {
		key = m.ID
	}
	now := c.Now()
	if cmd.Kind == chat.KindAsk && m.ID != "" {
		c.recent.putAsk(m.ID, key, m.User.ID, now)
	}
	if key != "" && !c.recent.first(key, now) {
		c.stats.duplicates.Add(1)
		return
	}
	c.stats.commands.Add(1)
	if cmd.Kind == chat.KindAsk {
		// A one-word message is a slice of the raw line (see actor).
		cmd.Text = strings.Clone(cmd.Text)
	}
	a, parent := c.actor(m)
	a.MessageID = strings.Clone(key)
	c.enqueue(ctx, a.UserID, job{cmd: cmd, actor: a, parent: parent}, activity)
}

// enqueue queues j to the worker of user: one worker per viewer keeps each
// viewer's commands, and the platform's actions on them, in order.
//
// While it waits for room in a full queue, it bumps activity every
// second, so that a connection held back by a slow Service is not taken
// for a stalled one.
func (c *Client) enqueue(ctx context.Context, user string, j job, activity *atomic.Uint64) {
	q := c.queues[maphash.String(c.seed, user)%uint64(len(c.queues))]
	select {
	case q <- j:
		return
	default:
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case q <- j:
			return
		case <-tick.C:
			activity.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

// actor reads a viewer's identity from the message's tags, and where to
// answer them: the channel they typed in, with the id of their message
// there.
//
// Privileges come from badges (and mod=1), never from names; go-twitch-irc's
// own IsBroadcaster is true for a message without tags, so it is not
// trusted. A message's badges are the author's standing in the channel it
// was delivered to, one of the meeting's. A Shared Chat mirror also
// carries source-badges, the author's standing in the channel they typed
// in: they count only when that channel is one of the meeting's too. A
// co-streamer's moderators are not the meeting's, and a mirror from a room
// the client did not join is answered, and recorded, in the channel it
// arrived in (Twitch mirrors that answer back to its author).
func (c *Client) actor(m *twitch.PrivateMessage) (a tribune.Actor, parent string) {
	u := m.User
	mod := u.Badges["moderator"] > 0 || m.Tags["mod"] == "1"
	broadcaster := u.Badges["broadcaster"] > 0 || (m.RoomID != "" && u.ID == m.RoomID)
	channel, parent := m.Channel, m.ID
	if src := m.Tags["source-room-id"]; src != "" && src != m.RoomID {
		if home, ok := c.roomChannel(src); ok {
			badges := m.Tags["source-badges"]
			mod = mod || hasBadge(badges, "moderator")
			broadcaster = broadcaster || hasBadge(badges, "broadcaster") || u.ID == src
			channel, parent = home, m.Tags["source-id"]
		}
	}
	// go-twitch-irc's names and tags are slices of the raw IRC line: kept
	// as they are, every queued job, and every vote and question the
	// Service keeps (its maps are keyed on the user id), would pin a whole
	// line of several hundred bytes. Copies keep only the few bytes needed.
	login := strings.Clone(strings.ToLower(u.Name))
	return tribune.Actor{
		Login:        login,
		DisplayName:  cloneUnless(u.DisplayName, login),
		UserID:       strings.Clone(u.ID),
		Moderator:    mod,
		Broadcaster:  broadcaster,
		FirstMessage: m.FirstMessage,
		Source:       tribune.SourceTwitch,
		Channel:      channel,
	}, strings.Clone(parent)
}

// hasBadge reports whether a badges tag ("moderator/1,subscriber/12")
// holds badge. It reads the tag itself: go-twitch-irc parses only badges,
// and panics on a badge without '/'.
func hasBadge(badges, badge string) bool {
	for badges != "" {
		var item string
		item, badges, _ = strings.Cut(badges, ",")
		if name, version, _ := strings.Cut(item, "/"); name == badge && version != "" && version != "0" {
			return true
		}
	}
	return false
}

// cloneUnless returns a copy of s, or same when it is equal to s: the
// display name is most often the login.
func cloneUnless(s, same string) string {
	if s == same {
		return same
	}
	return strings.Clone(s)
}

// work applies the jobs of one queue in order until ctx is done. Jobs
// still queued then were never acknowledged, so dropping them breaks no
// promise.
func (c *Client) work(ctx context.Context, q <-chan job) {
	for {
		select {
		case j := <-q:
			if j.kind == jobCommand {
				c.apply(ctx, j)
			} else {
				c.obey(ctx, j)
			}
		case <-ctx.Done():
			return
		}
	}
}

// apply runs one command through the chat handler and queues its reply.
func (c *Client) apply(ctx context.Context, j job) {
	defer c.stats.applied.Add(1)
	r, ok := c.handler.Handle(ctx, j.actor, j.cmd)
	if !ok {
		if ctx.Err() == nil && r.Refusal {
			c.stats.silenced.Add(1)
		}
		return
	}
	c.reply(j, r)
}

// obey applies a platform action. Conflicts and unknown messages are
// normal (a vote's message deleted, a viewer timed out twice, a
// deletion seen in two channels of a shared session): nothing to hide.
func (c *Client) obey(ctx context.Context, j job) {
	var (
		err  error
		what string
		args []any
	)
	switch j.kind {
	case jobDelete:
		var q tribune.Question
		q, err = c.svc.DeleteMessage(ctx, tribune.SourceTwitch, j.key)
		what, args = "message deleted on twitch: question hidden", []any{"question", q.ID}
	case jobBan:
		_, err = c.svc.PlatformBan(ctx, j.actor)
		what, args = "viewer banned on twitch: banned here", []any{"login", j.actor.Login, "user_id", j.actor.UserID}
	case jobTimeout:
		var qs []tribune.Question
		qs, err = c.svc.PlatformTimeout(ctx, j.actor)
		what, args = "viewer timed out on twitch: open questions hidden", []any{"login", j.actor.Login, "user_id", j.actor.UserID, "questions", len(qs)}
	}
	args = append(args, "channel", j.actor.Channel)
	defer c.stats.platform.Add(1)
	switch code := tribune.ErrorCode(err); {
	case err == nil:
		c.Logger.Info(what, args...)
	case ctx.Err() != nil:
	case code == tribune.ECONFLICT || code == tribune.ENOTFOUND:
		c.Logger.Debug("platform moderation: nothing to do", append(args, "err", err)...)
	default:
		c.Logger.Error("platform moderation failed", append(args, "err", err)...)
	}
}

// reply queues the reply r to the command of j, in the channel the viewer
// typed in, addressed by name; a viewer whose name cannot be echoed (it
// holds a banned word) gets Twitch's native reply to their message
// instead.
func (c *Client) reply(j job, r chat.Reply) {
	o := c.outboxes[j.actor.Channel]
	if o == nil || r.Text == "" {
		return
	}
	p := part{to: j.actor.Login, kind: r.Kind, refusal: r.Refusal, question: r.QuestionID, at: c.Now(), queued: time.Now()}
	if name, ok := c.mention(j.actor); ok {
		p.name = "@" + name
	} else if validID.MatchString(j.parent) {
		p.parent = j.parent
	} else {
		c.stats.dropped.Add(1)
		return
	}
	p.text = r.Text
	if r.Priority == chat.PriorityInfo {
		o.notify(p)
		return
	}
	o.add(p, r.Priority)
}

// mention returns how a viewer is addressed: the display name when it is
// the login with other capitals, else the login (display names may be
// localised and not mentionable). ok is false when the name is not fit to
// be echoed: empty once cleaned, or holding a banned word.
func (c *Client) mention(a tribune.Actor) (string, bool) {
	name := a.Login
	if a.DisplayName != "" && strings.EqualFold(a.DisplayName, a.Login) {
		name = a.DisplayName
	}
	if name == "" {
		name = a.Name()
	}
	name = strings.ReplaceAll(chat.SafeLine(name), " ", "")
	if name == "" {
		return "", false
	}
	if w := c.svc.Words; w != nil {
		if _, found := w.Find(name); found {
			return "", false
		}
	}
	return name, true
}
