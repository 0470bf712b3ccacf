package tui

import (
	"strconv"
	"strings"

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
