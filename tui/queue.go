package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/tribune-live/tribune"
)

// queue is the list pane: the questions the filter shows, one per line, with
// a cursor. It renders only the rows on screen, so its cost does not grow
// with the number of questions. The selection follows a question, not a
// row: when the list reorders, the selected question keeps its place on
// screen and the list moves around it.
type queue struct {
	idx    *index
	keys   KeyMap
	cursor int // position of the selection in idx.view
	offset int // position of the first row on screen
	sel    int // selected question id, 0 when the view is empty
	width  int
	height int // rows of questions, the header line excluded
}

func newQueue(idx *index, keys KeyMap) queue {
	return queue{idx: idx, keys: keys}
}

// update moves the cursor on key presses and takes its size from a
// WindowSizeMsg sent by the parent (the pane's size, not the terminal's).
// A question the moderator moves onto is no longer new.
func (q queue) update(msg tea.Msg) (queue, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		q.width, q.height = msg.Width, max(msg.Height-1, 1)
		return q.scroll(q.cursor - q.offset), nil
	case tea.KeyMsg:
		n := len(q.idx.view)
		switch {
		case key.Matches(msg, q.keys.Up):
			q.cursor--
		case key.Matches(msg, q.keys.Down):
			q.cursor++
		case key.Matches(msg, q.keys.PageUp):
			q.cursor -= q.height
		case key.Matches(msg, q.keys.PageDown):
			q.cursor += q.height
		case key.Matches(msg, q.keys.Top):
			q.cursor = 0
		case key.Matches(msg, q.keys.Bottom):
			q.cursor = n - 1
		default:
			return q, nil
		}
		q.cursor = min(max(q.cursor, 0), max(n-1, 0))
		q.sel = 0
		if n > 0 {
			q.sel = q.idx.at(q.cursor)
			delete(q.idx.fresh, q.sel)
		}
		return q.scroll(-1), nil
	}
	return q, nil
}

// sync puts the cursor back on the selected question after the index
// changed, keeping it on the same screen row. If the selected question left
// the view, the one that took its place is selected.
func (q queue) sync() queue {
	n := len(q.idx.view)
	if n == 0 {
		q.cursor, q.offset, q.sel = 0, 0, 0
		return q
	}
	row := q.cursor - q.offset
	if i, ok := q.idx.find(q.sel); ok {
		q.cursor = i
	} else {
		q.cursor = min(max(q.cursor, 0), n-1)
		q.sel = q.idx.at(q.cursor)
	}
	return q.scroll(row)
}

// scroll sets the offset so that the cursor is on screen row row, or, with
// row < 0, scrolls as little as needed to show the cursor.
func (q queue) scroll(row int) queue {
	n, h := len(q.idx.view), max(q.height, 1)
	if row >= 0 {
		q.offset = q.cursor - min(row, h-1)
	}
	if q.cursor < q.offset {
		q.offset = q.cursor
	}
	if q.cursor >= q.offset+h {
		q.offset = q.cursor - h + 1
	}
	q.offset = max(min(q.offset, n-h), 0)
	return q
}

// selected returns the selected question.
func (q queue) selected() (tribune.Question, bool) {
	if q.sel == 0 {
		return tribune.Question{}, false
	}
	return q.idx.get(q.sel)
}

// columns of a queue line, in cells.
const (
	colMark   = 2
	colVotes  = 5
	colAge    = 4
	colStatus = 9
	colAuthor = 14
)

// wide reports whether the status and author columns fit.
func (q queue) wide() bool { return q.width >= 64 }

// idWidth is the width of the id column: "#" and the longest number.
func (q queue) idWidth() int { return max(len(strconv.Itoa(q.idx.maxID))+1, 3) }

func (q queue) textWidth() int {
	w := q.width - colMark - q.idWidth() - 1 - colVotes - 1 - colAge - 1
	if q.wide() {
		w -= colStatus + 1 + colAuthor + 1
	}
	return max(w, 1)
}

// view renders the header line and exactly height rows.
func (q queue) view(st *Styles, now time.Time, loading bool) string {
	var b strings.Builder
	b.Grow((q.height + 1) * (q.width + 16))
	b.WriteString(q.header(st))
	n := len(q.idx.view)
	if n == 0 {
		msg := "no questions"
		switch {
		case loading:
			msg = "loading…"
		case q.idx.search != "":
			msg = "nothing matches “" + q.idx.search + "”"
		case q.idx.filter != filterAll:
			msg = "no " + string(q.idx.filter) + " questions"
		}
		b.WriteByte('\n')
		b.WriteString(st.Empty.Render(padLine("  "+msg, q.width)))
		for i := 1; i < q.height; i++ {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", q.width))
		}
		return b.String()
	}
	end := min(q.offset+q.height, n)
	for i := q.offset; i < q.offset+q.height; i++ {
		b.WriteByte('\n')
		if i >= end {
			b.WriteString(strings.Repeat(" ", q.width))
			continue
		}
		b.WriteString(q.row(st, now, &q.idx.view[i].e.q, i == q.cursor))
	}
	return b.String()
}

func (q queue) header(st *Styles) string {
	var h strings.Builder
	h.WriteString(strings.Repeat(" ", colMark))
	h.WriteString(fitRight("#", q.idWidth()))
	h.WriteByte(' ')
	h.WriteString(fitRight("votes", colVotes))
	h.WriteByte(' ')
	h.WriteString(fitRight("age", colAge))
	h.WriteByte(' ')
	if q.wide() {
		h.WriteString(fit("status", colStatus))
		h.WriteByte(' ')
		h.WriteString(fit("author", colAuthor))
		h.WriteByte(' ')
	}
	h.WriteString("question")
	left := st.Header.Render(h.String())
	// What the header's right side says, most important first; the longest
	// variant that fits is shown.
	var badge, short string
	if f := len(q.idx.fresh); f > 0 {
		badge = "● " + strconv.Itoa(f) + " new pending"
		short = "● " + strconv.Itoa(f) + " new"
	}
	var search, pos string
	if q.idx.search != "" {
		search = "search: " + q.idx.search
	}
	if n := len(q.idx.view); n > 0 {
		pos = strconv.Itoa(q.cursor+1) + "/" + strconv.Itoa(n)
	}
	sort := "sort: " + q.idx.order.String()
	variants := [][2]string{
		{badge, join(search, sort, pos)},
		{badge, join(search, sort)},
		{badge, search},
		{short, search},
		{short, ""},
	}
	room := q.width - ansi.StringWidth(left) - 1
	for _, v := range variants {
		if ansi.StringWidth(join(v[0], v[1])) <= room {
			right := st.Info.Render(v[1])
			if v[0] != "" {
				right = st.Badge.Render(v[0])
				if v[1] != "" {
					right += st.Info.Render(" · " + v[1])
				}
			}
			return joinRight(left, right, q.width)
		}
	}
	return padLine(left, q.width)
}

// join joins the non-empty parts with " · ".
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}

func (q queue) row(st *Styles, now time.Time, x *tribune.Question, selected bool) string {
	mark := "  "
	_, fresh := q.idx.fresh[x.ID]
	switch {
	case selected && fresh:
		mark = "›•"
	case selected:
		mark = "› "
	case fresh:
		mark = " •"
	}
	id := fitRight("#"+strconv.Itoa(x.ID), q.idWidth())
	votes := fitRight(strconv.Itoa(x.Votes), colVotes)
	ago := fitRight(age(now, x.Created), colAge)
	text := fit(safe(x.Text), q.textWidth())
	var status, author string
	if q.wide() {
		status = fit(string(x.Status), colStatus)
		author = fit(safe(x.Author), colAuthor)
	}
	if selected {
		var b strings.Builder
		b.WriteString(mark + id + " " + votes + " " + ago + " ")
		if q.wide() {
			b.WriteString(status + " " + author + " ")
		}
		b.WriteString(text)
		return st.Selected.Render(padLine(b.String(), q.width))
	}
	var b strings.Builder
	if fresh {
		b.WriteString(st.Fresh.Render(mark))
	} else {
		b.WriteString(mark)
	}
	// One Render per row and column group: rendering dominates the cost
	// of a frame.
	if q.wide() {
		b.WriteString(st.Row.Render(id + " " + votes + " " + ago + " "))
		b.WriteString(st.status(x.Status).Render(status))
		b.WriteString(st.Row.Render(" " + author + " " + text))
	} else {
		b.WriteString(st.Row.Render(id + " " + votes + " " + ago + " " + text))
	}
	return padLine(b.String(), q.width)
}
