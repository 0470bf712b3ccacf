package tui

import (
	"strconv"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/tribune-live/tribune"
)

// promptKind says what a prompt asks for.
type promptKind int

const (
	promptNone   promptKind = iota
	promptMerge             // the number of the question to merge into
	promptEdit              // the corrected text
	promptBan               // y/n confirmation of a ban
	promptSearch            // a search term, applied as it is typed
	promptLabel             // a label; empty removes it
	promptReject            // y/n confirmation of a wave's rejection
)

// confirm reports whether a prompt of kind k takes a single y or n.
func (k promptKind) confirm() bool { return k == promptBan || k == promptReject }

// prompt is the line that asks the moderator for input. It replaces the
// message line while it is open. The parent decides what enter and esc do;
// the prompt only edits its text, with a bubbles/textinput.
type prompt struct {
	kind   promptKind
	id     int    // the question the prompt is about
	target string // a ban's target (tribune.BanTarget)
	who    string // whom a ban is about, as the console names them
	ids    []int  // the questions a wave's rejection is about
	label  string
	input  textinput.Model
	width  int
}

func newPrompt(st *Styles) prompt {
	in := textinput.New()
	in.PromptStyle = st.Prompt
	in.TextStyle = st.Input
	in.PlaceholderStyle = st.Info
	in.CompletionStyle = st.Info
	in.Cursor.Style = st.Cursor
	in.Cursor.TextStyle = st.Input
	// A steady cursor, as before: a blinking one would redraw the screen
	// twice a second for nothing and make the rendering depend on time.
	in.Cursor.SetMode(cursor.CursorStatic)
	return prompt{input: in}
}

// open shows a prompt of kind about question id, prefilled with value.
// value may be untrusted (a question's text): it is made safe first, so the
// text edited is the text shown.
func (p prompt) open(kind promptKind, id int, label, value string) prompt {
	p.kind, p.id, p.label = kind, id, label
	p.input.CharLimit, p.input.ShowSuggestions, p.input.Placeholder = 0, false, ""
	p.input.SetSuggestions(nil)
	if kind == promptLabel {
		p.input.CharLimit = tribune.MaxLabelRunes
		p.input.Placeholder = "none: enter removes the label"
	}
	if kind.confirm() {
		// A confirmation is a single key, not text.
		p.input.Prompt = ""
		p.input.Blur()
	} else {
		p.input.Prompt = label
		p.input.Focus() // no command: the cursor does not blink
	}
	p.input.SetValue(safe(value))
	p.input.CursorEnd()
	return p.resize()
}

// close hides the prompt.
// suggest offers completions (tab takes the first that fits).
func (p prompt) suggest(options []string) prompt {
	p.input.ShowSuggestions = len(options) > 0
	p.input.SetSuggestions(options)
	return p
}

func (p prompt) close() prompt {
	p.kind, p.id, p.target, p.who, p.ids = promptNone, 0, "", "", nil
	p.input.Blur()
	p.input.Reset()
	return p
}

func (p prompt) active() bool { return p.kind != promptNone }

func (p prompt) value() string { return p.input.Value() }

// update passes key presses and the text input's own messages (a paste
// from the clipboard) to the text input, and takes its width from a
// WindowSizeMsg sent by the parent.
func (p prompt) update(msg tea.Msg) (prompt, tea.Cmd) {
	if msg, ok := msg.(tea.WindowSizeMsg); ok {
		p.width = msg.Width
		return p.resize(), nil
	}
	if p.kind.confirm() || p.kind == promptNone {
		return p, nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p.clean(), cmd
}

// clean drops from the text what safe would: textinput removes control
// characters from what is typed or pasted, but keeps bidirectional
// overrides, which could reorder the prompt line.
func (p prompt) clean() prompt {
	v := p.input.Value()
	s := safe(v)
	if s == v {
		return p
	}
	before := safe(string([]rune(v)[:p.input.Position()]))
	p.input.SetValue(s)
	p.input.SetCursor(utf8.RuneCountInString(before))
	return p
}

// limit is the most runes the prompt's text may hold, shown in a counter;
// 0 when there is none.
func (p prompt) limit() int {
	switch p.kind {
	case promptEdit:
		return tribune.MaxQuestionRunes
	case promptLabel:
		return tribune.MaxLabelRunes
	}
	return 0
}

func (p prompt) counter() string {
	if p.limit() == 0 {
		return ""
	}
	return " " + strconv.Itoa(utf8.RuneCountInString(p.input.Value())) + "/" + strconv.Itoa(p.limit())
}

func (p prompt) resize() prompt {
	// The text input scrolls horizontally within what the label and, for
	// an edit, the counter and a gap before it leave; textinput draws one
	// more cell than its Width, for the cursor after the text.
	w := p.width - ansi.StringWidth(p.label) - 1
	if l := p.limit(); l > 0 {
		// The room of the widest counter, " 300/300", and a gap.
		w -= len(" "+strconv.Itoa(l)+"/"+strconv.Itoa(l)) + 1
	}
	p.input.Width = max(w, 4)
	return p
}

// view renders the prompt on one line of width cells.
func (p prompt) view(st *Styles) string {
	if p.kind.confirm() {
		return padLine(st.Prompt.Render(p.label), p.width)
	}
	line := p.input.View()
	if c := p.counter(); c != "" {
		// The counter keeps its place at the right end while the text
		// scrolls; it is dropped only when the terminal is too narrow.
		cw := ansi.StringWidth(c)
		if ansi.StringWidth(p.label)+p.input.Width+1+cw <= p.width {
			return padLine(line, p.width-cw) + st.Info.Render(c)
		}
	}
	return padLine(line, p.width)
}
