package tui

import (
	"context"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/match"
)

// Timing of the console's background work.
const (
	actionTimeout = 10 * time.Second // one moderator command
	loadTimeout   = 30 * time.Second // loading every question of a session
	retryDelay    = 2 * time.Second  // before reconnecting or reloading again
	tickInterval  = time.Second      // refreshes the ages shown
	maxEventBatch = 512              // events applied per message at most
)

// snapshot is the state the console mirrors, as loaded in one go.
type snapshot struct {
	session   tribune.Session
	questions []tribune.Question
	health    map[string]string
	// prep is questions prepared for the index by the command that loaded
	// them, so that the Model's goroutine does not sort them; nil when
	// not done yet.
	prep *prepared
}

// connectedMsg reports a subscription and the state loaded after it.
type connectedMsg struct {
	sub  *tribune.Subscription
	snap snapshot
	err  error
}

// reloadedMsg reports the state reloaded after an EventResync.
type reloadedMsg struct {
	sub  *tribune.Subscription
	snap snapshot
	err  error
}

// eventsMsg carries the events waiting on sub, oldest first. When the last
// one is an EventResync, no more are read until the state is reloaded.
type eventsMsg struct {
	sub    *tribune.Subscription
	events []tribune.Event
	closed bool // the subscription ended after these events
}

type (
	reconnectMsg struct{}
	reloadMsg    struct{ sub *tribune.Subscription }
	tickMsg      struct{}
)

// actionMsg reports the outcome of a moderator's command.
type actionMsg struct {
	verb  string // a key of progressive
	id    int    // the question acted on, if any
	into  int    // merge target
	who   string // ban: whom, as the console names them
	ids   []int  // rejectmany: the questions selected
	q     tribune.Question
	n     int              // rejectmany: how many were rejected
	entry tribune.LogEntry // undo: the action undone
	err   error
}

// waveMsg reports the questions found alike the anchor's text.
type waveMsg struct {
	seq    int // the wave asked for; a later one (or esc) makes it stale
	anchor int
	ids    []int // oldest first, the anchor included if it is a candidate
}

// maxSelection is the most questions one wave takes: one action, one
// request to a remote server, which accepts that many
// (POST /api/questions/reject).
const maxSelection = 10_000

// findAlike compares the candidates' texts with the anchor's off the
// Model's goroutine: the comparison costs a pass over every open question.
func findAlike(seq int, anchor tribune.Question, cands []candidate) tea.Cmd {
	return func() tea.Msg {
		// One key for the anchor, one per candidate: match.Alike would
		// fold the anchor's text again for every candidate.
		key := match.WaveKey(anchor.Text)
		var ids []int
		for _, c := range cands {
			if c.id == anchor.ID || (key != "" && match.WaveKey(c.text) == key) {
				ids = append(ids, c.id)
			}
		}
		return waveMsg{seq: seq, anchor: anchor.ID, ids: ids}
	}
}

// connect subscribes first and loads second, so that nothing that happens
// in between is missed: events already reflected in the loaded state are
// applied again harmlessly, because they carry whole questions.
func connect(ctx context.Context, mod tribune.Moderation) tea.Cmd {
	return func() tea.Msg {
		// The subscription lives as long as the console: a remote
		// implementation may tie its stream to this context.
		sub, err := mod.Subscribe(ctx)
		if err != nil {
			return connectedMsg{err: fmt.Errorf("subscribe: %w", err)}
		}
		snap, err := load(ctx, mod)
		if err != nil {
			sub.Close()
			return connectedMsg{err: err}
		}
		return connectedMsg{sub: sub, snap: snap}
	}
}

// reload loads the state again for sub, after it reported EventResync.
func reload(ctx context.Context, mod tribune.Moderation, sub *tribune.Subscription) tea.Cmd {
	return func() tea.Msg {
		snap, err := load(ctx, mod)
		return reloadedMsg{sub: sub, snap: snap, err: err}
	}
}

func load(ctx context.Context, mod tribune.Moderation) (snapshot, error) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	var snap snapshot
	var err error
	if snap.session, err = mod.Session(ctx); err != nil {
		return snap, fmt.Errorf("load session: %w", err)
	}
	if snap.questions, err = mod.Questions(ctx, ""); err != nil {
		return snap, fmt.Errorf("load questions: %w", err)
	}
	if snap.health, err = mod.Health(ctx); err != nil {
		return snap, fmt.Errorf("load health: %w", err)
	}
	snap.prep = prepare(snap.questions)
	return snap, nil
}

// waitEvents waits for the next event on sub and takes every other event
// already waiting, so that a storm of votes costs one render, not one per
// vote. It is issued again after each eventsMsg.
func waitEvents(sub *tribune.Subscription) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-sub.C
		if !ok {
			return eventsMsg{sub: sub, closed: true}
		}
		batch := []tribune.Event{ev}
		for len(batch) < maxEventBatch && ev.Type != tribune.EventResync {
			select {
			case ev, ok = <-sub.C:
				if !ok {
					return eventsMsg{sub: sub, events: batch, closed: true}
				}
				batch = append(batch, ev)
			default:
				return eventsMsg{sub: sub, events: batch}
			}
		}
		return eventsMsg{sub: sub, events: batch}
	}
}

// closeSub ends a subscription off the update loop.
func closeSub(sub *tribune.Subscription) tea.Cmd {
	if sub == nil {
		return nil
	}
	return func() tea.Msg {
		sub.Close()
		return nil
	}
}

func after(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

func tick() tea.Cmd { return after(tickInterval, tickMsg{}) }

// act runs a moderator's command in the background: Update never waits on
// the Service or the network. fn fills in the outcome.
func act(ctx context.Context, base actionMsg, fn func(ctx context.Context, out *actionMsg) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		out := base
		out.err = fn(ctx, &out)
		return out
	}
}
