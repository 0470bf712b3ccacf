package bot

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	twitch "github.com/gempir/go-twitch-irc/v4"

	tribune "github.com/tribune-live/tribune"
)

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
