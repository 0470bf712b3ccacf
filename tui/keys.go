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
	Sort                   key.Binding
	Search                 key.Binding
	ClearSearch            key.Binding

	Approve, Reject key.Binding
	Show, Hide      key.Binding
	Answer          key.Binding
	Merge, Edit     key.Binding
	Ban             key.Binding
	Undo            key.Binding

	Help key.Binding
	Quit key.Binding
}

// DefaultKeyMap returns the keys of the design ("Moderation console" in
// DESIGN.md), plus paging and shift+tab for the previous filter.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),

		NextFilter:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next filter")),
		PrevFilter:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("⇧tab", "prev filter")),
		Sort:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "sort votes/age")),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		ClearSearch: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),

		Approve: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Reject:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reject")),
		Show:    key.NewBinding(key.WithKeys("enter", "s"), key.WithHelp("enter/s", "on air")),
		Hide:    key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "hide overlay")),
		Answer:  key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "answered")),
		Merge:   key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "merge into…")),
		Edit:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit text")),
		Ban:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "ban author")),
		Undo:    key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "undo")),

		Help: key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit: key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap: the one-line help under the queue.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Approve, k.Reject, k.Show, k.Answer, k.Undo, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap: every binding, in columns, shown by `?`.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.NextFilter, k.PrevFilter, k.Sort, k.Search, k.ClearSearch},
		{k.Approve, k.Reject, k.Show, k.Hide, k.Answer},
		{k.Merge, k.Edit, k.Ban, k.Undo, k.Help, k.Quit},
	}
}
