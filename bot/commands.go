package bot

import (
	"context"
	"hash/maphash"
	"strings"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/chat"
)

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
	if cmd.Kind == chat.KindAsk {
		// Only a question keeps the message that asked it.
		a.MessageID = strings.Clone(key)
	}
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
