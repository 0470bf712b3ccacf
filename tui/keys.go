package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every key binding of the console. It implements help.KeyMap,
// so the help bar and the full help (`?`) are generated from it: a binding
// changed here changes the help too.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding

	NextFilter, PrevFilter key.Binding
	SourceFilter           key.Binding // cycles all sources, twitch, youtube, web
	LabelFilter            key.Binding // cycles the labels questions have
	Sort                   key.Binding
	Search                 key.Binding
	// Clear closes the full help, else clears the selection, else the
	// search.
	Clear key.Binding

	Approve, Reject key.Binding
	Show, Hide      key.Binding
	Next            key.Binding // the most-voted approved question on air
	Answer          key.Binding
	Merge, Edit     key.Binding
	Label           key.Binding
	Ban             key.Binding
	Undo            key.Binding

	// A wave: questions selected together, rejected in one undoable
	// action by Reject.
	Wave        key.Binding // select the open questions alike the one under the cursor
	FirstTimers key.Binding // select the pending questions of first-time chatters
	Mark        key.Binding // add the question under the cursor to the selection, or take it out

	Help key.Binding
	Quit key.Binding
}

// DefaultKeyMap returns the keys of the design ("Moderation console" in
// DESIGN.md), plus paging, shift+tab for the previous filter, and the
// selection of a wave.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),

		NextFilter:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next status")),
		PrevFilter:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("⇧tab", "prev status")),
		SourceFilter: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "by source")),
		LabelFilter:  key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "by label")),
		Sort:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort")),
		Search:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Clear:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear")),

		Approve: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Reject:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reject")),
		Show:    key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter/s", "on air")),
		Next:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next on air")),
		Hide:    key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "off air")),
		Answer:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "answered")),
		Merge:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "merge into…")),
		Edit:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit text")),
		Label:   key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "label")),
		Ban:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "ban author")),
		Undo:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),

		Wave:        key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "select alike")),
		FirstTimers: key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "first-timers")),
		Mark:        key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap: the one-line help under the queue.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Approve, k.Reject, k.Show, k.Next, k.Undo, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap: every binding, in columns, shown by `?`.
func (k KeyMap) FullHelp() [][]key.Binding {
	// Four columns, so that the full help fits 80 cells.
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextFilter, k.PrevFilter, k.SourceFilter, k.LabelFilter, k.Sort, k.Search, k.Clear},
		{k.Approve, k.Reject, k.Show, k.Next, k.Hide, k.Answer, k.Merge, k.Edit},
		{k.Label, k.Ban, k.Undo, k.Wave, k.FirstTimers, k.Mark, k.Help, k.Quit},
	}
}
