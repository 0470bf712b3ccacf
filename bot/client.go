// Package bot connects Tribune to a Twitch channel's chat through
// github.com/gempir/go-twitch-irc/v4: it reads the chat commands of the
// design (!question, !vote, !unvote, !top, !withdraw, !report, !qhelp),
// applies them through the chat package's Handler, and replies within
// Twitch's send limits.
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
	"runtime/debug"
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

// Chat health states published with tribune.HealthChat.
const (
	HealthConnecting   = "connecting"
	HealthConnected    = "connected"
	HealthAnonymous    = "anonymous" // joined without credentials: read-only
	HealthReconnecting = "reconnecting"
	HealthAuthFailed   = "login failed"
	HealthStopped      = "stopped"
)

// Client is the Twitch chat bot of one channel. Create it with NewClient,
// set the exported fields, then Run.
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

	svc     *tribune.Service
	channel string

	stats   counters
	running atomic.Bool
	seed    maphash.Seed
	queues  []chan job
	replier *replier // nil when anonymous
	handler *chat.Handler
}

// job is one command on its way to a worker.
type job struct {
	cmd   chat.Command
	actor tribune.Actor
}

// NewClient returns a Client of channel (with or without '#') that applies
// commands through svc.
func NewClient(svc *tribune.Service, channel string) *Client {
	return &Client{
		IrcAddress:    DefaultIrcAddress,
		TLS:           true,
		Lang:          "en",
		Logger:        slog.Default(),
		Workers:       DefaultWorkers,
		Queue:         DefaultQueue,
		Linger:        DefaultLinger,
		StallTimeout:  DefaultStallTimeout,
		RejoinTimeout: DefaultRejoinTimeout,
		svc:           svc,
		channel:       strings.ToLower(strings.TrimPrefix(strings.TrimSpace(channel), "#")),
		seed:          maphash.MakeSeed(),
	}
}

// Channel returns the channel the client joins, lower case, without '#'.
func (c *Client) Channel() string { return c.channel }

// Anonymous reports whether the client joins without credentials.
func (c *Client) Anonymous() bool { return c.User == "" || c.Token == "" }

// Stats are a Client's counters since Run started.
type Stats struct {
	Lines    uint64 // chat messages seen in the channel
	Commands uint64 // commands parsed and queued
	Applied  uint64 // commands done with: applied or refused, reply queued
	Ignored  uint64 // commands without a user id, or from another channel
	Replies  uint64 // chat messages sent
	Parts    uint64 // replies to viewers carried by those messages
	Dropped  uint64 // replies dropped: flood, per-viewer cap, or too old
	Connects uint64 // successful logins (001), reconnections included
	Panics   uint64 // go-twitch-irc parser panics recovered
	Stalls   uint64 // connections abandoned as silent or stuck
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	s := &c.stats
	return Stats{
		Lines: s.lines.Load(), Commands: s.commands.Load(), Applied: s.applied.Load(), Ignored: s.ignored.Load(),
		Replies: s.replies.Load(), Parts: s.parts.Load(), Dropped: s.dropped.Load(),
		Connects: s.connects.Load(), Panics: s.panics.Load(), Stalls: s.stalls.Load(),
	}
}

// Run connects, joins the channel and handles its chat until ctx is done,
// reconnecting by itself after drops, RECONNECT requests, stalls and parser
// panics, with backoff when the server is unreachable. It returns nil when
// ctx ends, or an error when the client cannot start.
func (c *Client) Run(ctx context.Context) error {
	if c.svc == nil {
		return errors.New("bot: no service")
	}
	if c.channel == "" {
		return errors.New("bot: no channel")
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
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.handler = chat.NewHandler(c.svc, c.Lang)
	c.handler.MaxRunes = MaxMessageRunes
	c.handler.Logger = c.Logger
	log := c.Logger.With("channel", c.channel)

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
	if !c.Anonymous() {
		c.replier = newReplier(&c.stats)
		c.replier.linger = c.Linger
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.replier.run(ctx)
		}()
	}
	defer func() {
		wg.Wait()
		c.svc.SetHealth(tribune.HealthChat, HealthStopped)
	}()

	c.svc.SetHealth(tribune.HealthChat, HealthConnecting)
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
		c.svc.SetHealth(tribune.HealthChat, state)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(backoff*2, maxBackoff)
	}
	log.Info("chat stopped")
	return nil
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
// more, and it parts the channel so that it stops receiving chat.
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
		rejoinBy  atomic.Int64 // unix nanos by which a RECONNECT must have led to a join; 0 when none is due
	)
	seen := func() { activity.Add(1) }
	tc.OnConnect(func() {
		if abandoned.Load() {
			tc.Disconnect()
			return
		}
		seen()
		c.stats.connects.Add(1)
		if logins.Add(1) > 1 {
			// go-twitch-irc redialled after a drop: say so before it rejoins.
			log.Warn("chat connection was lost; reconnected, rejoining")
			c.svc.SetHealth(tribune.HealthChat, HealthReconnecting)
		}
	})
	tc.OnSelfJoinMessage(func(m twitch.UserJoinMessage) {
		if abandoned.Load() || m.Channel != c.channel {
			return
		}
		seen()
		rejoinBy.Store(0)
		state := HealthConnected
		if anon {
			state = HealthAnonymous
		}
		log.Info("joined chat", "anonymous", anon, "address", tc.IrcAddress)
		c.svc.SetHealth(tribune.HealthChat, state)
		if c.replier != nil {
			c.replier.attach(func(text string) { tc.Say(c.channel, text) })
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
		if c.replier != nil && m.Channel == c.channel {
			c.replier.setModerator(m.User.Badges["moderator"] > 0 || m.User.Badges["broadcaster"] > 0)
		}
	})
	tc.OnRoomStateMessage(func(twitch.RoomStateMessage) { seen() })
	tc.OnReconnectMessage(func(twitch.ReconnectMessage) {
		if abandoned.Load() {
			return
		}
		seen()
		log.Warn("chat server asked to reconnect")
		c.svc.SetHealth(tribune.HealthChat, HealthReconnecting)
		rejoinBy.Store(time.Now().Add(c.RejoinTimeout).UnixNano())
	})
	tc.OnNoticeMessage(func(m twitch.NoticeMessage) {
		seen()
		if abandoned.Load() {
			return
		}
		level := slog.LevelInfo
		switch m.MsgID {
		case "msg_ratelimit", "msg_duplicate", "msg_banned", "msg_timedout", "msg_channel_suspended", "msg_requires_verified_phone_number":
			// Twitch refused a reply: worth the host's attention.
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "chat notice", "msg_id", m.MsgID, "text", m.Message)
	})
	tc.OnPingMessage(func(twitch.PingMessage) { seen() })
	tc.OnPongMessage(func(twitch.PongMessage) { seen() })
	tc.OnGlobalUserStateMessage(func(twitch.GlobalUserStateMessage) { seen() })
	tc.OnUnsetMessage(func(twitch.RawMessage) { seen() })
	tc.OnClearChatMessage(func(twitch.ClearChatMessage) { seen() })
	tc.OnClearMessage(func(twitch.ClearMessage) { seen() })
	tc.OnUserNoticeMessage(func(twitch.UserNoticeMessage) { seen() })
	tc.OnUserJoinMessage(func(twitch.UserJoinMessage) { seen() })
	tc.OnUserPartMessage(func(twitch.UserPartMessage) { seen() })
	tc.Join(c.channel)

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
		if c.replier != nil {
			c.replier.attach(nil)
		}
		// Stop the chat flowing to the dead client; its own pinger closes
		// the connection once its PING goes unanswered.
		tc.Depart(c.channel)
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

// handle is go-twitch-irc's PRIVMSG callback, on its reading goroutine:
// it parses, and queues commands to the worker of their author. Anything
// that is not a command costs a counter and a glance at its first bytes.
//
// While the handler waits for room in a full queue, it bumps activity every
// second, so that a connection held back by a slow Service is not taken for
// a stalled one.
func (c *Client) handle(ctx context.Context, m *twitch.PrivateMessage, activity *atomic.Uint64) {
	c.stats.lines.Add(1)
	cmd, ok := chat.Parse(m.Message)
	if !ok {
		return
	}
	if m.Channel != c.channel || m.User.ID == "" {
		// Without a user id votes cannot be deduplicated.
		c.stats.ignored.Add(1)
		return
	}
	c.stats.commands.Add(1)
	if cmd.Kind == chat.KindAsk {
		// A one-word message is a slice of the raw line (see actor).
		cmd.Text = strings.Clone(cmd.Text)
	}
	a := c.actor(m)
	// One worker per author keeps each viewer's commands in order.
	q := c.queues[maphash.String(c.seed, a.UserID)%uint64(len(c.queues))]
	j := job{cmd: cmd, actor: a}
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

// actor reads a viewer's identity from the message's tags. Privileges come
// from badges (and mod=1), never from names; go-twitch-irc's own
// IsBroadcaster is true for a message without tags, so it is not trusted.
func (c *Client) actor(m *twitch.PrivateMessage) tribune.Actor {
	u := m.User
	broadcaster := u.Badges["broadcaster"] > 0
	if !broadcaster && m.RoomID != "" && u.ID == m.RoomID {
		broadcaster = true
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
		Moderator:    u.Badges["moderator"] > 0 || m.Tags["mod"] == "1",
		Broadcaster:  broadcaster,
		FirstMessage: m.FirstMessage,
		Source:       tribune.SourceTwitch,
	}
}

// cloneUnless returns a copy of s, or same when it is equal to s: the
// display name is most often the login.
func cloneUnless(s, same string) string {
	if s == same {
		return same
	}
	return strings.Clone(s)
}

// work applies the commands of one queue in order until ctx is done.
// Commands still queued then were never acknowledged, so dropping them
// breaks no promise.
func (c *Client) work(ctx context.Context, q <-chan job) {
	for {
		select {
		case j := <-q:
			c.apply(ctx, j)
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
		return
	}
	if r.Kind == chat.KindTop || r.Kind == chat.KindHelp {
		if c.replier != nil {
			c.replier.notify(r.Kind.String(), "@"+mention(j.actor)+" "+r.Text)
		}
		return
	}
	c.reply(j.actor, r.Text)
}

// reply queues a reply to a, addressed by name.
func (c *Client) reply(a tribune.Actor, msg string) {
	if c.replier == nil || msg == "" {
		return
	}
	c.replier.add(a.Login, "@"+mention(a)+" "+msg)
}

// mention is how a viewer is addressed: the display name when it is the
// login with other capitals, else the login (display names may be
// localised and not mentionable).
func mention(a tribune.Actor) string {
	if a.DisplayName != "" && strings.EqualFold(a.DisplayName, a.Login) {
		return a.DisplayName
	}
	if a.Login != "" {
		return a.Login
	}
	return a.Name()
}
