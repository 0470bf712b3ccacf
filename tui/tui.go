// Package tui is Tribune's moderation console: a terminal UI, built with
// Bubble Tea, in which the host and co-moderators curate the queue of
// questions from every source (approve, reject, merge, edit, label, ban,
// put on air, reject a wave at once, undo).
//
// The console works against tribune.Moderation only: the *tribune.Service
// itself in one process, a control API client (overlay.Client) for
// `tribune tui --connect`. It mirrors the session's questions in memory,
// kept current by the events of a subscription, and runs every command as
// a tea.Cmd, so the screen never waits on the Service or the network.
package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/tribune-live/tribune"
)

// Layout thresholds, in terminal cells.
const (
	sideBySideWidth = 120 // from this width the detail pane sits beside the queue
	defaultWidth    = 80  // assumed until the terminal reports its size
	defaultHeight   = 24
)

// Model is the console, a tea.Model. Create it with New.
type Model struct {
	mod    tribune.Moderation
	ctx    context.Context
	keys   KeyMap
	styles *Styles
	now    func() time.Time
	clock  time.Time // now, as of the last message; View reads no clock

	idx    *index
	queue  queue
	detail detail
	prompt prompt
	help   help.Model

	session tribune.Session
	health  map[string]string
	sub     *tribune.Subscription
	conn    string // "connecting", "live", "offline"
	loaded  bool   // the first snapshot arrived

	msg    string
	msgErr bool
	// waveSeq numbers the waves asked for: the answer to an older one,
	// or to one cleared with esc meanwhile, is dropped.
	waveSeq int

	width, height int
	quitting      bool

	progOpts []tea.ProgramOption
	actor    *tribune.Actor
}

// Option configures a Model.
type Option func(*Model)

// WithStyles sets the styles (default: NewStyles with NO_COLOR from the
// environment).
func WithStyles(st Styles) Option { return func(m *Model) { m.styles = &st } }

// WithKeyMap sets the key bindings (default: DefaultKeyMap).
func WithKeyMap(k KeyMap) Option { return func(m *Model) { m.keys = k } }

// WithContext sets the context of the console's subscription and the
// parent of every command's context. A moderator set on it with
// tribune.NewContext is the one the Service logs (default: ConsoleActor).
func WithContext(ctx context.Context) Option { return func(m *Model) { m.ctx = ctx } }

// WithActor sets the moderator the console's commands are logged under,
// overriding the one in the context.
func WithActor(a tribune.Actor) Option { return func(m *Model) { m.actor = &a } }

// WithClock sets the clock that ages are measured with (default: time.Now).
func WithClock(now func() time.Time) Option { return func(m *Model) { m.now = now } }

// WithProgramOptions adds options to the program Run starts, such as
// tea.WithInput and tea.WithOutput.
func WithProgramOptions(opts ...tea.ProgramOption) Option {
	return func(m *Model) { m.progOpts = append(m.progOpts, opts...) }
}

// New returns a console for mod. It connects when the program starts it.
func New(mod tribune.Moderation, opts ...Option) Model {
	m := Model{
		mod:    mod,
		ctx:    context.Background(),
		keys:   DefaultKeyMap(),
		now:    time.Now,
		idx:    newIndex(),
		help:   help.New(),
		health: map[string]string{},
		conn:   "connecting",
	}
	for _, o := range opts {
		o(&m)
	}
	if m.styles == nil {
		st := NewStyles(envNoColor())
		m.styles = &st
	}
	if m.actor != nil {
		m.ctx = tribune.NewContext(m.ctx, *m.actor)
	}
	m.help.Styles = m.styles.Help
	m.queue = newQueue(m.idx, m.keys)
	m.prompt = newPrompt(m.styles)
	m.clock = m.now()
	return m.layout()
}

// Run runs the console full screen until the moderator quits or ctx is
// done; a cancelled ctx is a normal end, not an error.
func Run(ctx context.Context, mod tribune.Moderation, opts ...Option) error {
	m := New(mod, append([]Option{WithContext(ctx)}, opts...)...)
	popts := append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, m.progOpts...)
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(Model); ok && fm.sub != nil {
		fm.sub.Close()
	}
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}

// Selected returns the question under the cursor.
func (m Model) Selected() (tribune.Question, bool) { return m.queue.selected() }

// Message returns the message line: the outcome of the last command.
func (m Model) Message() string { return m.msg }

// Init implements tea.Model: it subscribes, loads the questions and starts
// the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(connect(m.ctx, m.mod), tick())
}

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.clock = m.now()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m.layout(), nil
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.prompt.active() {
			return m.splitKeys(msg.Runes)
		}
		return m.key(msg)
	case connectedMsg:
		return m.connected(msg)
	case eventsMsg:
		return m.events(msg)
	case reloadedMsg:
		return m.reloaded(msg)
	case reloadMsg:
		if msg.sub != m.sub || m.quitting {
			return m, nil
		}
		return m, reload(m.ctx, m.mod, m.sub)
	case reconnectMsg:
		if m.quitting {
			return m, nil
		}
		return m, connect(m.ctx, m.mod)
	case actionMsg:
		return m.done(msg), nil
	case waveMsg:
		return m.wave(msg), nil
	case tickMsg:
		return m, tick()
	}
	if m.prompt.active() {
		// The text input's own messages, such as a paste from the
		// clipboard (ctrl+v), go to the open prompt.
		return m.promptInput(msg)
	}
	return m, nil
}

func (m Model) connected(msg connectedMsg) (tea.Model, tea.Cmd) {
	if m.quitting {
		return m, closeSub(msg.sub)
	}
	if msg.err != nil {
		m.conn = "offline"
		m = m.fail("cannot reach Tribune: "+errorText(msg.err)+"; retrying", nil)
		return m, after(retryDelay, reconnectMsg{})
	}
	if m.conn == "offline" {
		// Replace the error that the failed attempt left on the message line.
		m.msg, m.msgErr = "connected", false
	}
	m.sub = msg.sub
	m.conn = "live"
	m = m.apply(msg.snap)
	return m, waitEvents(m.sub)
}

func (m Model) reloaded(msg reloadedMsg) (tea.Model, tea.Cmd) {
	if msg.sub != m.sub || m.quitting {
		return m, nil
	}
	if msg.err != nil {
		m = m.fail("cannot reload questions: "+errorText(msg.err)+"; retrying", nil)
		return m, after(retryDelay, reloadMsg{sub: m.sub})
	}
	m = m.apply(msg.snap)
	return m, waitEvents(m.sub)
}

// apply replaces the mirrored state with a snapshot.
func (m Model) apply(s snapshot) Model {
	m.session = s.session
	m.health = s.health
	if m.health == nil {
		m.health = map[string]string{}
	}
	if s.prep == nil {
		s.prep = prepare(s.questions)
	}
	m.idx.loadPrepared(s.prep, !m.loaded)
	m.loaded = true
	m.queue = m.queue.sync()
	return m
}

func (m Model) events(msg eventsMsg) (tea.Model, tea.Cmd) {
	if msg.sub != m.sub || m.quitting {
		return m, nil
	}
	resync := false
	for _, ev := range msg.events {
		switch ev.Type {
		case tribune.EventResync:
			resync = true
		case tribune.EventHealth:
			h := maps.Clone(m.health)
			maps.Copy(h, ev.Health)
			m.health = h
		case tribune.EventCreated, tribune.EventUpdated, tribune.EventVoted, tribune.EventOnAir:
			if ev.Question == nil {
				continue
			}
			q := *ev.Question
			if m.idx.put(q) && m.loaded && q.Status == tribune.StatusPending {
				m.idx.fresh[q.ID] = struct{}{}
			}
		}
	}
	m.queue = m.queue.sync()
	switch {
	case msg.closed:
		m.sub = nil
		m.conn = "offline"
		m = m.fail("event stream ended; reconnecting", nil)
		return m, after(retryDelay, reconnectMsg{})
	case resync:
		// Events stay unread until the state is reloaded, so that the
		// reload cannot be overtaken by an older event.
		return m, reload(m.ctx, m.mod, m.sub)
	}
	return m, waitEvents(m.sub)
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	m.quitting = true
	sub := m.sub
	m.sub = nil
	return m, tea.Sequence(closeSub(sub), tea.Quit)
}

// splitKeys handles runes that arrived as one message: Bubble Tea hands keys
// typed faster than it reads (a quick "jj", keys sent by tmux) as a
// single message of several runes, which no binding matches. Each is a
// key of its own, until one opens a prompt: the rest is typed into it.
func (m Model) splitKeys(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	for i, r := range runes {
		if m.prompt.active() {
			next, cmd := m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: runes[i:]})
			return next, tea.Batch(append(cmds, cmd)...)
		}
		next, cmd := m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		m = next.(Model)
		cmds = append(cmds, cmd)
		if m.quitting {
			break
		}
	}
	return m, tea.Batch(cmds...)
}

// key handles a key press.
func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	if m.prompt.active() {
		return m.promptKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m.layout(), nil
	case key.Matches(msg, k.NextFilter), key.Matches(msg, k.PrevFilter):
		d := 1
		if key.Matches(msg, k.PrevFilter) {
			d = -1
		}
		m.idx.setFilter(m.idx.filter.next(d))
		return m.top(), nil
	case key.Matches(msg, k.Sort):
		if m.idx.order == byVotes {
			m.idx.setOrder(byAge)
		} else {
			m.idx.setOrder(byVotes)
		}
		m.queue = m.queue.sync()
		return m, nil
	case key.Matches(msg, k.SourceFilter):
		i := slices.Index(sourceFilters, m.idx.source)
		m.idx.setSource(sourceFilters[(i+1)%len(sourceFilters)])
		return m.top(), nil
	case key.Matches(msg, k.LabelFilter):
		labels := m.idx.labelList()
		if len(labels) == 0 && m.idx.label == "" {
			return m.fail("no question has a label yet; l labels one", nil), nil
		}
		next := ""
		if m.idx.label == "" {
			next = labels[0]
		} else {
			// The label after the one shown (which may be gone), in
			// order; after the last, every label again.
			i, found := slices.BinarySearch(labels, m.idx.label)
			if found {
				i++
			}
			if i < len(labels) {
				next = labels[i]
			}
		}
		m.idx.setLabel(next)
		return m.top(), nil
	case key.Matches(msg, k.Search):
		m.prompt = m.prompt.open(promptSearch, 0, "/", m.idx.search)
		return m, nil
	case key.Matches(msg, k.Clear):
		switch {
		case m.help.ShowAll:
			m.help.ShowAll = false
			return m.layout(), nil
		case len(m.idx.marked) > 0:
			m = m.unmark()
			m.msg, m.msgErr = "selection cleared", false
		case m.idx.search != "":
			m.idx.setSearch("")
			m.queue = m.queue.sync()
		}
		return m, nil
	case key.Matches(msg, k.Hide):
		return m.start(actionMsg{verb: "hide"}, func(ctx context.Context, out *actionMsg) (err error) {
			out.q, err = m.mod.HideOverlay(ctx)
			return err
		})
	case key.Matches(msg, k.Next):
		return m.start(actionMsg{verb: "next"}, func(ctx context.Context, out *actionMsg) (err error) {
			out.q, err = m.mod.Next(ctx)
			return err
		})
	case key.Matches(msg, k.Undo):
		return m.start(actionMsg{verb: "undo"}, func(ctx context.Context, out *actionMsg) (err error) {
			out.entry, err = m.mod.Undo(ctx)
			return err
		})
	case key.Matches(msg, k.FirstTimers):
		ids := m.idx.firstTimers()
		if len(ids) == 0 {
			return m.fail("no pending question from a first-time chatter", nil), nil
		}
		m = m.mark(ids)
		m.msg, m.msgErr = m.selection(len(ids), "pending "+noun(len(ids))+" of first-time chatters"), false
		return m, nil
	case key.Matches(msg, k.Reject) && len(m.idx.marked) > 0:
		ids := m.idx.markedIDs()
		m.prompt = m.prompt.open(promptReject, 0, "reject the "+plural(len(ids), "selected question")+" in one action? [y/n]", "")
		if len(ids) == 1 {
			m.prompt = m.prompt.open(promptReject, 0, "reject the selected question #"+strconv.Itoa(ids[0])+"? [y/n]", "")
		}
		m.prompt.ids = ids
		return m, nil
	}

	q, ok := m.queue.selected()
	needs := []key.Binding{k.Approve, k.Reject, k.Show, k.Answer, k.Merge, k.Edit, k.Label, k.Ban, k.Wave, k.Mark}
	if key.Matches(msg, needs...) && !ok {
		return m.fail("no question selected", nil), nil
	}
	id := q.ID
	switch {
	case key.Matches(msg, k.Approve):
		if q.Status == tribune.StatusRejected || q.Status == tribune.StatusAnswered {
			// Approving a rejected or answered question brings it back.
			return m.startOn("restore", id, m.mod.Restore)
		}
		return m.startOn("approve", id, m.mod.Approve)
	case key.Matches(msg, k.Reject):
		return m.startOn("reject", id, m.mod.Reject)
	case key.Matches(msg, k.Show):
		return m.startOn("show", id, m.mod.Show)
	case key.Matches(msg, k.Answer):
		return m.startOn("answer", id, m.mod.Answer)
	case key.Matches(msg, k.Merge):
		m.prompt = m.prompt.open(promptMerge, id, "merge #"+strconv.Itoa(id)+" into #", "")
		return m, nil
	case key.Matches(msg, k.Edit):
		m.prompt = m.prompt.open(promptEdit, id, "edit #"+strconv.Itoa(id)+": ", q.Text)
		return m, nil
	case key.Matches(msg, k.Label):
		m.prompt = m.prompt.open(promptLabel, id, "label #"+strconv.Itoa(id)+": ", q.Label)
		m.prompt = m.prompt.suggest(m.idx.labelList())
		return m, nil
	case key.Matches(msg, k.Ban):
		target, err := banTarget(q)
		if err != nil {
			return m.fail(err.Error(), nil), nil
		}
		name := who(&q)
		m.prompt = m.prompt.open(promptBan, id, "ban "+name+" and reject their open questions? [y/n]", "")
		m.prompt.target, m.prompt.who = target, name
		return m, nil
	case key.Matches(msg, k.Wave):
		m.waveSeq++
		m.msg, m.msgErr = "looking for questions like #"+strconv.Itoa(id)+"…", false
		return m, findAlike(m.waveSeq, q, m.idx.waveCandidates())
	case key.Matches(msg, k.Mark):
		if _, in := m.idx.marked[id]; in {
			delete(m.idx.marked, id)
		} else if len(m.idx.marked) < maxSelection {
			m.idx.marked[id] = struct{}{}
		} else {
			return m.fail("a selection holds at most "+strconv.Itoa(maxSelection)+" questions", nil), nil
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.queue, cmd = m.queue.update(msg)
	return m, cmd
}

// top puts the cursor on the first question, after a filter changed.
func (m Model) top() Model {
	m.queue.cursor, m.queue.offset = 0, 0
	m.queue = m.queue.sync()
	return m
}

// banTarget returns how to ban the author of q, or why nobody can be.
func banTarget(q tribune.Question) (string, error) {
	if q.Source == "" {
		q.Source = tribune.SourceTwitch // a server from before sources
	}
	switch {
	case q.Source == tribune.SourceConsole:
		return "", fmt.Errorf("#%d was asked at a console: there is no viewer to ban", q.ID)
	case q.Source == tribune.SourceTwitch && q.AuthorLogin != "":
	case q.AuthorID == "":
		return "", fmt.Errorf("#%d has no author id to ban", q.ID)
	}
	return tribune.BanTarget(q), nil
}

// mark replaces the selection with ids, at most maxSelection of them.
func (m Model) mark(ids []int) Model {
	clear(m.idx.marked)
	for _, id := range ids[:min(len(ids), maxSelection)] {
		m.idx.marked[id] = struct{}{}
	}
	return m
}

// unmark clears the selection, and drops the answer of a wave still
// being looked for.
func (m Model) unmark() Model {
	clear(m.idx.marked)
	m.waveSeq++
	return m
}

// selection says what a wave selected: "12 questions like #3 selected ·
// r rejects, esc clears".
func (m Model) selection(n int, what string) string {
	s := strconv.Itoa(n) + " " + what + " selected"
	if n > maxSelection {
		s = strconv.Itoa(maxSelection) + " of the " + s + " (the most one action takes)"
	}
	return s + " · r rejects, esc clears"
}

// noun is "question" or "questions".
func noun(n int) string {
	if n == 1 {
		return "question"
	}
	return "questions"
}

// wave selects what a wave found.
func (m Model) wave(w waveMsg) Model {
	if w.seq != m.waveSeq {
		return m
	}
	others := len(w.ids)
	if slices.Contains(w.ids, w.anchor) {
		others--
	}
	if others == 0 {
		return m.fail("no other open question is like #"+strconv.Itoa(w.anchor), nil)
	}
	m = m.mark(w.ids)
	m.msg, m.msgErr = m.selection(len(w.ids), noun(len(w.ids))+" like #"+strconv.Itoa(w.anchor)), false
	return m
}

// promptKey handles a key press while a prompt is open.
func (m Model) promptKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	p := m.prompt
	if p.kind.confirm() {
		switch msg.String() {
		case "y", "Y":
			m.prompt = p.close()
			if p.kind == promptReject {
				ids := p.ids
				return m.start(actionMsg{verb: "rejectmany", ids: ids}, func(ctx context.Context, out *actionMsg) error {
					qs, err := m.mod.RejectMany(ctx, ids)
					out.n = len(qs)
					return err
				})
			}
			target := p.target
			return m.start(actionMsg{verb: "ban", id: p.id, who: p.who}, func(ctx context.Context, _ *actionMsg) error {
				_, err := m.mod.Ban(ctx, target)
				return err
			})
		case "n", "N", "esc":
			m.prompt = p.close()
			m.msg, m.msgErr = "ban cancelled", false
			if p.kind == promptReject {
				m.msg = "nothing rejected; the selection stays"
			}
		}
		return m, nil
	}
	switch msg.Type {
	case tea.KeyEsc:
		m.prompt = p.close()
		if p.kind == promptSearch {
			m.idx.setSearch("")
			m.queue = m.queue.sync()
		}
		return m, nil
	case tea.KeyEnter:
		m.prompt = p.close()
		return m.submit(p)
	}
	return m.promptInput(msg)
}

// promptInput passes msg to the open prompt's text input.
func (m Model) promptInput(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.prompt.value()
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.update(msg)
	if m.prompt.kind == promptSearch && m.prompt.value() != before {
		// Search as the moderator types; the list starts at its top.
		m.idx.setSearch(m.prompt.value())
		m.queue.cursor, m.queue.offset = 0, 0
		m.queue = m.queue.sync()
	}
	return m, cmd
}

// submit acts on a prompt closed with enter.
func (m Model) submit(p prompt) (tea.Model, tea.Cmd) {
	id, v := p.id, p.value()
	switch p.kind {
	case promptSearch:
		m.idx.setSearch(v)
		m.queue = m.queue.sync()
	case promptMerge:
		into, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(v), "#"))
		if err != nil || into <= 0 {
			return m.fail("merge needs the number of the question to merge into", nil), nil
		}
		return m.start(actionMsg{verb: "merge", id: id, into: into}, func(ctx context.Context, out *actionMsg) (err error) {
			out.q, err = m.mod.Merge(ctx, id, into)
			return err
		})
	case promptEdit:
		// The prompt was prefilled with the text as shown (safe), so an
		// untouched text counts as unchanged even if the original carried
		// characters that the terminal must not see.
		if q, ok := m.idx.get(id); ok && tribune.CleanText(v) == tribune.CleanText(safe(q.Text)) {
			m.msg, m.msgErr = "#"+strconv.Itoa(id)+" unchanged", false
			return m, nil
		}
		return m.start(actionMsg{verb: "edit", id: id}, func(ctx context.Context, out *actionMsg) (err error) {
			out.q, err = m.mod.Edit(ctx, id, v)
			return err
		})
	case promptLabel:
		if q, ok := m.idx.get(id); ok && tribune.CleanText(v) == tribune.CleanText(safe(q.Label)) {
			m.msg, m.msgErr = "#"+strconv.Itoa(id)+" unchanged", false
			return m, nil
		}
		return m.start(actionMsg{verb: "label", id: id}, func(ctx context.Context, out *actionMsg) (err error) {
			out.q, err = m.mod.Label(ctx, id, v)
			return err
		})
	}
	return m, nil
}

// progressive forms of the verbs, for the message line while a command runs.
var progressive = map[string]string{
	"approve": "approving", "reject": "rejecting", "show": "putting on air",
	"next": "putting the most-voted approved question on air",
	"hide": "hiding the overlay", "answer": "marking answered", "restore": "restoring",
	"merge": "merging", "edit": "editing", "label": "labelling", "ban": "banning",
	"undo": "undoing", "rejectmany": "rejecting",
}

// startOn starts a command on question id.
func (m Model) startOn(verb string, id int, fn func(ctx context.Context, id int) (tribune.Question, error)) (Model, tea.Cmd) {
	return m.start(actionMsg{verb: verb, id: id}, func(ctx context.Context, out *actionMsg) (err error) {
		out.q, err = fn(ctx, id)
		return err
	})
}

// start sends a command and says so on the message line.
func (m Model) start(base actionMsg, fn func(ctx context.Context, out *actionMsg) error) (Model, tea.Cmd) {
	text := progressive[base.verb]
	switch {
	case base.who != "":
		text += " " + base.who
	case len(base.ids) > 0:
		text += " " + plural(len(base.ids), "question")
	case base.id != 0:
		text += " #" + strconv.Itoa(base.id)
	}
	m.msg, m.msgErr = text+"…", false
	return m, act(m.ctx, base, fn)
}

// done shows the outcome of a command. The mirrored state is not changed
// here: the command's events bring it, in order with everyone else's.
func (m Model) done(a actionMsg) Model {
	if a.err != nil {
		return m.fail("", a.err)
	}
	if a.id != 0 {
		delete(m.idx.fresh, a.id)
	}
	n := "#" + strconv.Itoa(a.id)
	switch a.verb {
	case "approve":
		m.msg = "approved " + n
	case "reject":
		m.msg = "rejected " + n
	case "restore":
		m.msg = "restored " + n
	case "show":
		m.msg = n + " is on air"
	case "next":
		m.msg = "#" + strconv.Itoa(a.q.ID) + " is on air (" + plural(a.q.Votes, "vote") + ")"
	case "hide":
		m.msg = "overlay hidden; #" + strconv.Itoa(a.q.ID) + " is back in the queue"
	case "answer":
		m.msg = n + " marked answered"
	case "merge":
		m.msg = "merged " + n + " into #" + strconv.Itoa(a.into)
	case "edit":
		m.msg = "edited " + n
	case "label":
		m.msg = "labelled " + n + " “" + safe(a.q.Label) + "”"
		if a.q.Label == "" {
			m.msg = "removed the label of " + n
		}
	case "rejectmany":
		m = m.unmark()
		m.msg = "rejected " + plural(a.n, "question") + " in one action · u undoes it"
		if skipped := len(a.ids) - a.n; skipped > 0 {
			m.msg += " (" + strconv.Itoa(skipped) + " of the selection were no longer open)"
		}
	case "ban":
		m.msg = "banned " + a.who
	case "undo":
		m.msg = "undid " + describe(a.entry)
	}
	m.msgErr = false
	return m
}

// describe names a logged action: "approve of #3", "ban of @ann",
// "reject of 12 questions".
func describe(e tribune.LogEntry) string {
	s := string(e.Action)
	switch {
	case e.Ban != nil && e.Ban.Login != "":
		s += " of @" + safe(e.Ban.Login)
	case e.Ban != nil:
		s += " of " + safe(e.Ban.Target())
	case e.QuestionID != 0:
		s += " of #" + strconv.Itoa(e.QuestionID)
	case len(e.Before) > 0:
		s += " of " + plural(len(e.Before), "question")
	}
	return s
}

// fail shows an error on the message line: text, or err's message.
func (m Model) fail(text string, err error) Model {
	if err != nil {
		text = errorText(err)
	}
	m.msg, m.msgErr = text, true
	return m
}

// errorText is what the console says about err: the domain's message, which
// hides internal detail, or a plain word for a timeout.
func errorText(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time; the command may or may not have been applied"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return tribune.ErrorMessage(err)
}

// size returns the terminal size, or a default before it is known.
func (m Model) size() (int, int) {
	w, h := m.width, m.height
	if w <= 0 {
		w = defaultWidth
	}
	if h <= 0 {
		h = defaultHeight
	}
	return w, h
}

// layout sizes the panes for the terminal and passes each its size.
func (m Model) layout() Model {
	w, h := m.size()
	m.help.Width = w
	helpH := 1
	if m.help.ShowAll {
		helpH = strings.Count(m.help.View(m.keys), "\n") + 1
	}
	body := max(h-2-1-helpH, 2) // status bar and tabs; message line; help
	var qw, qh, dw, dh int
	if w >= sideBySideWidth {
		dw = min(max(w*2/5, 40), 72)
		qw, qh = w-dw-3, body
		dh = body
	} else {
		dh = min(max(body*2/5, 3), 10)
		if body-dh < 3 {
			dh = max(body-3, 0)
		}
		qw, qh, dw = w, body-dh, w
	}
	m.queue, _ = m.queue.update(tea.WindowSizeMsg{Width: qw, Height: qh})
	m.detail, _ = m.detail.update(tea.WindowSizeMsg{Width: dw, Height: dh})
	m.prompt, _ = m.prompt.update(tea.WindowSizeMsg{Width: w, Height: 1})
	return m
}

// View implements tea.Model. It renders from memory only.
func (m Model) View() string {
	w, _ := m.size()
	st := m.styles
	var b strings.Builder
	b.WriteString(m.statusBar(w))
	b.WriteByte('\n')
	b.WriteString(m.tabs(w))
	b.WriteByte('\n')

	list := m.queue.view(st, m.clock, !m.loaded)
	var sel *tribune.Question
	if q, ok := m.queue.selected(); ok {
		sel = &q
	}
	det := m.detail.view(st, m.clock, sel, m.idx)
	if w >= sideBySideWidth {
		ls, ds := strings.Split(list, "\n"), strings.Split(det, "\n")
		bar := " " + st.Rule.Render("│") + " "
		for i := range ls {
			b.WriteString(ls[i])
			b.WriteString(bar)
			if i < len(ds) {
				b.WriteString(ds[i])
			}
			b.WriteByte('\n')
		}
	} else {
		b.WriteString(list)
		b.WriteByte('\n')
		if det != "" {
			b.WriteString(det)
			b.WriteByte('\n')
		}
	}

	switch {
	case m.prompt.active():
		b.WriteString(m.prompt.view(st))
	case m.msg == "":
		b.WriteString(strings.Repeat(" ", w))
	case m.msgErr:
		b.WriteString(st.Error.Render(padLine("✗ "+m.msg, w)))
	default:
		b.WriteString(st.Message.Render(padLine("✓ "+m.msg, w)))
	}
	b.WriteByte('\n')
	// help.Model can overrun its width by one item when the ellipsis does
	// not fit; clip each line.
	for i, l := range strings.Split(m.help.View(m.keys), "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if ansi.StringWidth(l) > w {
			l = ansi.Truncate(l, w, "…")
		}
		b.WriteString(l)
	}
	return b.String()
}

// short names of the filters, for narrow terminals.
var shortFilter = map[filter]string{
	filterOpen: "open", filterAll: "all",
	filter(tribune.StatusPending): "pend", filter(tribune.StatusApproved): "appr",
	filter(tribune.StatusOnAir): "air", filter(tribune.StatusAnswered): "ans",
	filter(tribune.StatusHidden): "hid", filter(tribune.StatusRejected): "rej",
	filter(tribune.StatusMerged): "mrg", filter(tribune.StatusWithdrawn): "wdr",
}

// tabs renders the status filters with their counts; the active one is
// bracketed, so it shows without colour too.
func (m Model) tabs(w int) string {
	render := func(short bool) (string, int) {
		var b strings.Builder
		for _, f := range filters {
			name := string(f)
			if short {
				name = shortFilter[f]
			}
			label := name + " " + strconv.Itoa(m.idx.count(f))
			if f == m.idx.filter {
				b.WriteString(m.styles.ActiveTab.Render("[" + label + "]"))
			} else {
				b.WriteString(m.styles.Tab.Render(" " + label + " "))
			}
		}
		s := b.String()
		return s, ansi.StringWidth(s)
	}
	s, n := render(false)
	if n > w {
		s, _ = render(true)
	}
	return padLine(s, w)
}
