package youtube

import (
	"context"
	"hash/maphash"
	"strings"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/youtubewire"
)

// job is one command or platform moderation event for a worker.
type job struct {
	actor   tribune.Actor
	cmd     chat.Command
	replay  bool   // published before the run began: maybe applied by a previous run
	deleted string // messageDeletedEvent: the id of the deleted message
	ban     bool   // userBannedEvent
	timeout bool   // … temporary
}

// apply hands a response's messages to the workers and keeps its page
// token. It reports whether the chat has ended. It runs on the reader.
func (r *run) apply(resp *youtubewire.LiveChatMessageListResponse) (ended bool) {
	for _, m := range resp.Items {
		if r.message(m) {
			ended = true
		}
	}
	if resp.NextPageToken != "" {
		r.token = resp.NextPageToken
	}
	return ended
}

// message turns one chat message into a job, and reports a chatEndedEvent.
func (r *run) message(m *youtubewire.LiveChatMessage) (ended bool) {
	st := &r.s.stats
	st.messages.Add(1)
	if m == nil || m.Snippet == nil {
		return false
	}
	sn := m.Snippet
	switch sn.Type {
	case "chatEndedEvent":
		return true
	case "tombstone":
		// What is left of a deleted message, under its own id.
		if author, ok := r.seen[m.ID]; ok && m.ID != "" {
			r.queue(author, job{deleted: m.ID})
		}
		return false
	}
	if m.ID == "" {
		return false // without an id it could be applied twice
	}
	if _, dup := r.seen[m.ID]; dup {
		st.duplicates.Add(1)
		return false
	}
	author := sn.AuthorChannelID
	if m.AuthorDetails != nil && m.AuthorDetails.ChannelID != "" {
		author = m.AuthorDetails.ChannelID
	}
	r.remember(m.ID, author)
	switch sn.Type {
	case "textMessageEvent":
		text := sn.DisplayMessage
		if sn.TextMessageDetails != nil {
			text = sn.TextMessageDetails.MessageText
		}
		cmd, ok := chat.Parse(text)
		if !ok || author == "" || m.AuthorDetails == nil {
			return false
		}
		ad := m.AuthorDetails
		a := tribune.Actor{
			Source: tribune.SourceYouTube, UserID: author, DisplayName: ad.DisplayName,
			Channel: r.videoID, MessageID: m.ID,
			Moderator: ad.IsChatModerator, Broadcaster: ad.IsChatOwner,
		}
		j := job{actor: a, cmd: cmd}
		if cmd.Kind == chat.KindAsk {
			if t, err := time.Parse(time.RFC3339Nano, sn.PublishedAt); err == nil && t.Before(r.startAt) {
				j.replay = true
			}
		}
		r.queue(author, j)
	case "messageDeletedEvent":
		if d := sn.MessageDeletedDetails; d != nil && d.DeletedMessageID != "" {
			// The worker of the deleted message's author: after its question.
			to := r.seen[d.DeletedMessageID]
			if to == "" {
				to = d.DeletedMessageID
			}
			r.queue(to, job{deleted: d.DeletedMessageID})
		}
	case "userBannedEvent":
		d := sn.UserBannedDetails
		if d == nil || d.BannedUserDetails == nil || d.BannedUserDetails.ChannelID == "" {
			return false
		}
		b := d.BannedUserDetails
		a := tribune.Actor{Source: tribune.SourceYouTube, UserID: b.ChannelID, DisplayName: b.DisplayName, Channel: r.videoID}
		// Only a ban YouTube calls permanent bans here; anything else is
		// held for a moderator's review, which can be undone.
		r.queue(b.ChannelID, job{actor: a, ban: true, timeout: d.BanType != "permanent"})
	}
	return false
}

// remember records message id as applied, forgetting the oldest beyond
// seenCap.
func (r *run) remember(id, author string) {
	if len(r.order) < seenCap {
		r.order = append(r.order, id)
	} else {
		delete(r.seen, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % seenCap
	}
	r.seen[id] = author
}

// queue hands j to the worker of key (a channel id), waiting while its
// queue is full: the chat is read no faster than the Service applies it.
func (r *run) queue(key string, j job) {
	r.s.stats.commands.Add(1)
	q := r.queues[maphash.String(r.seed, key)%uint64(len(r.queues))]
	select {
	case q <- j:
	case <-r.ctx.Done():
		r.s.stats.commands.Add(^uint64(0))
	}
}

// work applies the jobs of one queue in order, until it is closed (and
// drained) or ctx ends (the rest was never acknowledged).
func (r *run) work(ctx context.Context, q <-chan job) {
	for {
		select {
		case j, ok := <-q:
			if !ok {
				return
			}
			r.do(ctx, j)
			r.s.stats.applied.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

// do applies one job.
func (r *run) do(ctx context.Context, j job) {
	svc := r.s.svc
	switch {
	case j.deleted != "":
		q, err := svc.DeleteMessage(ctx, tribune.SourceYouTube, j.deleted)
		r.moderated("deleted message", q.ID, err)
	case j.ban && j.timeout:
		qs, err := svc.PlatformTimeout(ctx, j.actor)
		if err == nil {
			r.log.Info("youtube: a viewer timed out on YouTube; their open questions wait for review", "viewer", j.actor.Name(), "questions", len(qs))
			return
		}
		r.moderated("timeout", 0, err)
	case j.ban:
		_, err := svc.PlatformBan(ctx, j.actor)
		if err == nil {
			r.log.Info("youtube: a viewer banned on YouTube is banned in Tribune", "viewer", j.actor.Name())
			return
		}
		r.moderated("ban", 0, err)
	default:
		if j.replay && r.replayed(ctx, j) {
			r.s.stats.replayed.Add(1)
			return
		}
		reply, ok := r.handler.Handle(ctx, j.actor, j.cmd)
		// Replies cost quota: only what a viewer who asked needs to
		// hear, their question's number or why it was refused.
		if ok && reply.Priority == chat.PriorityAsk && r.replier != nil && reply.Text != "" {
			r.replier.add(mention(j.actor) + " " + reply.Text)
		}
	}
}

// replayed reports whether the question j asks was already asked from
// the same message: the recent history a restart reads again.
func (r *run) replayed(ctx context.Context, j job) bool {
	svc := r.s.svc
	if svc.Store == nil {
		return false
	}
	sess, _ := svc.Session(ctx)
	_, err := svc.Store.QuestionByMessage(ctx, sess.ID, tribune.SourceYouTube, j.actor.MessageID)
	return err == nil
}

// moderated logs the outcome of a platform moderation event.
func (r *run) moderated(what string, id int, err error) {
	switch tribune.ErrorCode(err) {
	case "":
		r.log.Info("youtube: a message deleted on YouTube hid its question", "question", id)
	case tribune.ENOTFOUND, tribune.ECONFLICT:
		// A message that asked nothing, a question already dealt with.
		r.log.Debug("youtube: platform moderation changed nothing", "event", what, "err", err)
	default:
		if r.ctx.Err() == nil {
			r.log.Error("youtube: platform moderation failed", "event", what, "err", err)
		}
	}
}

// mention is how a viewer is addressed: "@" and the display name, which
// on YouTube is often a handle that already starts with "@".
func mention(a tribune.Actor) string {
	name := strings.TrimPrefix(tribune.CleanName(a.DisplayName), "@")
	if name == "" {
		name = a.UserID
	}
	return "@" + name
}
