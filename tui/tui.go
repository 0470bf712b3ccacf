package tui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
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
