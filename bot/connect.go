package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/tribune-live/tribune/chat"
)

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
