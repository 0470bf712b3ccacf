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
	// badges holds the source badges as rendered, by source and text;
	// only the Model's goroutine uses it.
	badges map[[2]string]string
}

func newQueue(idx *index, keys KeyMap) queue {
	return queue{idx: idx, keys: keys, badges: map[[2]string]string{}}
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
	colMark   = 3 // the cursor, the wave selection, the "new" dot
	colVotes  = 5
	colAge    = 4
	colStatus = 9
	colAuthor = 14
	// The source badge: "TW", "YT", "WEB"; "TW party" once Twitch
	// questions come from several channels (a co-stream), since with one
	// the channel says nothing.
	colSource    = 3
	colSourceMax = 12 // with a channel
)

// wide reports whether the status and author columns fit.
func (q queue) wide() bool { return q.width >= 64 }

// sourced reports whether the source column fits.
func (q queue) sourced() bool { return q.width >= 48 }

// channels reports whether source badges name the Twitch channel.
func (q queue) channels() bool { return len(q.idx.twitchN) > 1 }

// sourceWidth fits "TW " and the longest channel, up to colSourceMax: a
// co-stream has two or three channels.
func (q queue) sourceWidth() int {
	if !q.channels() {
		return colSource
	}
	w := colSource
	for ch := range q.idx.twitchN {
		w = max(w, len("TW ")+ansi.StringWidth(safe(ch)))
	}
	return min(w, colSourceMax)
}

// idWidth is the width of the id column: "#" and the longest number.
func (q queue) idWidth() int { return max(len(strconv.Itoa(q.idx.maxID))+1, 3) }

func (q queue) textWidth() int {
	w := q.width - colMark - q.idWidth() - 1 - colVotes - 1 - colAge - 1
	if q.sourced() {
		w -= q.sourceWidth() + 1
	}
	if q.wide() {
		w -= colStatus + 1 + colAuthor + 1
	}
	return max(w, 1)
}

// badge is the short name of a question's source: "TW party" (with the
// channel), "TW", "YT", "WEB".
func badge(x *tribune.Question, channel bool) string {
	switch x.Source {
	case tribune.SourceTwitch, "":
		if channel && x.Channel != "" {
			return "TW " + safe(strings.TrimPrefix(x.Channel, "#"))
		}
		return "TW"
	case tribune.SourceYouTube:
		return "YT"
	case tribune.SourceWeb:
		return "WEB"
	case tribune.SourceConsole:
		return "CON"
	}
	return strings.ToUpper(safe(x.Source))
}

// authorName is how the queue names an author. A name typed on the ask
// page is the viewer's claim, not a platform's account: it is quoted, and
// a question asked there without a name says so.
func authorName(x *tribune.Question) string {
	if x.Source != tribune.SourceWeb {
		return safe(x.Author)
	}
	if webNameless(x) {
		return "(no name)"
	}
	return "“" + safe(x.Author) + "”"
}

// webNameless reports whether a question of the ask page came without a
// name: the page then names the viewer by their browser id, or not at all.
func webNameless(x *tribune.Question) bool {
	return x.Author == "" || x.Author == x.AuthorID
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
		default:
			msg = "no questions"
			if q.idx.filter != filterAll {
				msg = "no " + string(q.idx.filter) + " questions"
			}
			if q.idx.source != "" {
				msg += " from " + q.idx.source
			}
			if q.idx.label != "" {
				msg += " labelled “" + safe(q.idx.label) + "”"
			}
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
	if q.sourced() {
		h.WriteString(fit("src", q.sourceWidth()))
		h.WriteByte(' ')
	}
	if q.wide() {
		h.WriteString(fit("status", colStatus))
		h.WriteByte(' ')
		h.WriteString(fit("author", colAuthor))
		h.WriteByte(' ')
	}
	h.WriteString("question")
	left := st.Header.Render(h.String())

	// The right side says what shapes the list, the selection and the
	// filters first: they explain a list shorter than expected. Parts
	// shrink, then go, in the order of steps.
	const (
		pSelected = iota
		pFresh
		pSource
		pLabel
		pSearch
		pSort
		pPos
	)
	forms := make([][]string, pPos+1)
	for i := range forms {
		forms[i] = []string{""}
	}
	if n := len(q.idx.marked); n > 0 {
		c := strconv.Itoa(n)
		forms[pSelected] = []string{st.Badge.Render("✓ " + c + " selected"), st.Badge.Render("✓ " + c)}
	}
	if f := len(q.idx.fresh); f > 0 {
		c := strconv.Itoa(f)
		forms[pFresh] = []string{st.Badge.Render("● " + c + " new pending"), st.Badge.Render("● " + c + " new"), ""}
	}
	if src := q.idx.source; src != "" {
		forms[pSource] = []string{st.Info.Render("source: " + src), st.Info.Render(src)}
	}
	if l := q.idx.label; l != "" {
		l = safe(l)
		forms[pLabel] = []string{st.Info.Render("label: " + l), st.Info.Render("“" + l + "”")}
	}
	if s := q.idx.search; s != "" {
		s = safe(s)
		forms[pSearch] = []string{st.Info.Render("search: " + s), st.Info.Render("/" + s)}
	}
	forms[pSort] = []string{st.Info.Render("sort: " + q.idx.order.String()), ""}
	if n := len(q.idx.view); n > 0 {
		forms[pPos] = []string{st.Info.Render(strconv.Itoa(q.cursor+1) + "/" + strconv.Itoa(n)), ""}
	}
	sep := st.Info.Render(" · ")
	render := func(pick []string) string { return joinStyled(pick, sep) }
	room := q.width - ansi.StringWidth(left) - 1
	pick := shrink(forms,
		[]int{pSort, pPos, pFresh, pSearch, pLabel, pSource, pFresh, pSelected},
		func(pick []string) bool { return ansi.StringWidth(render(pick)) <= room })
	return joinFit(left, render(pick), q.width)
}

// joinStyled joins the non-empty parts with sep.
func joinStyled(parts []string, sep string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}

func (q queue) row(st *Styles, now time.Time, x *tribune.Question, selected bool) string {
	_, fresh := q.idx.fresh[x.ID]
	_, marked := q.idx.marked[x.ID]
	var m [colMark]string
	m[0], m[1], m[2] = " ", " ", " "
	if selected {
		m[0] = "›"
	}
	if marked {
		m[1] = "✓"
	}
	if fresh {
		m[2] = "•"
	}
	id := fitRight("#"+strconv.Itoa(x.ID), q.idWidth())
	votes := fitRight(strconv.Itoa(x.Votes), colVotes)
	ago := fitRight(age(now, x.Created), colAge)
	var label string
	if x.Label != "" {
		label = "[" + safe(x.Label) + "] "
	}
	tw := q.textWidth()
	if lw := ansi.StringWidth(label); lw > tw/2 {
		// The question matters more than its label.
		label = fit(label, max(tw/2, 0))
	}
	text := fit(safe(x.Text), tw-ansi.StringWidth(label))
	var src, status, author string
	if q.sourced() {
		src = fit(badge(x, q.channels()), q.sourceWidth())
	}
	if q.wide() {
		status = fit(string(x.Status), colStatus)
		author = fit(authorName(x), colAuthor)
	}
	if selected {
		var b strings.Builder
		b.WriteString(m[0] + m[1] + m[2] + id + " " + votes + " " + ago + " ")
		if q.sourced() {
			b.WriteString(src + " ")
		}
		if q.wide() {
			b.WriteString(status + " " + author + " ")
		}
		b.WriteString(label + text)
		return st.Selected.Render(padLine(b.String(), q.width))
	}
	var b strings.Builder
	b.WriteString(m[0])
	if marked {
		b.WriteString(st.Marked.Render(m[1]))
	} else {
		b.WriteString(m[1])
	}
	if fresh {
		b.WriteString(st.Fresh.Render(m[2]))
	} else {
		b.WriteString(m[2])
	}
	// As few Renders per row as the colours allow: rendering dominates
	// the cost of a frame.
	b.WriteString(st.Row.Render(id + " " + votes + " " + ago + " "))
	if q.sourced() {
		b.WriteString(q.badge(st, x.Source, src))
		b.WriteByte(' ')
	}
	var rest string
	if q.wide() {
		b.WriteString(st.status(x.Status).Render(status))
		rest = " " + author + " "
	}
	if label != "" {
		b.WriteString(st.Row.Render(rest))
		b.WriteString(st.Tag.Render(label))
		rest = ""
	}
	b.WriteString(st.Row.Render(rest + text))
	return padLine(b.String(), q.width)
}

// badge returns a source badge rendered in its source's style. A meeting
// has a handful of distinct badges, rendered once each: rendering them on
// every row made a frame (BenchmarkView10k) 1.2× slower.
func (q queue) badge(st *Styles, source, text string) string {
	k := [2]string{source, text}
	if r, ok := q.badges[k]; ok {
		return r
	}
	r := st.source(source).Render(text)
	if len(q.badges) < 64 { // channels come from the server: bounded
		q.badges[k] = r
	}
	return r
}
