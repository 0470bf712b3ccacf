package tui

import (
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/tribune-live/tribune"
)

// detail is the pane that shows the selected question in full: its text,
// author, votes, reports, time, and what was merged into it or edited.
type detail struct {
	width, height int
}

// update takes the pane's size from a WindowSizeMsg sent by the parent.
func (d detail) update(msg tea.Msg) (detail, tea.Cmd) {
	if msg, ok := msg.(tea.WindowSizeMsg); ok {
		d.width, d.height = msg.Width, msg.Height
	}
	return d, nil
}

// view renders exactly height lines of width cells. q is nil when nothing
// is selected.
func (d detail) view(st *Styles, now time.Time, q *tribune.Question, idx *index) string {
	if d.height <= 0 || d.width <= 0 {
		return ""
	}
	lines := make([]string, 0, d.height)
	if q == nil {
		lines = append(lines, d.rule(st, ""))
		lines = append(lines, st.Empty.Render(padLine("  nothing selected", d.width)))
		return d.finish(lines)
	}
	lines = append(lines, d.rule(st, "#"+strconv.Itoa(q.ID)+" · "+string(q.Status)+" · "+badge(q, true)))

	meta := []string{who(q)}
	if q.FirstMessage {
		meta = append(meta, "first message in chat")
	}
	if q.Anonymous {
		meta = append(meta, "anonymous on stream")
	}
	if q.Label != "" {
		meta = append(meta, "label “"+safe(q.Label)+"”")
	}
	meta = append(meta,
		plural(q.Votes, "vote"),
		plural(q.Reports, "report"),
		"asked "+q.Created.Local().Format("15:04:05")+", "+age(now, q.Created)+" ago",
	)
	switch {
	case q.Status == tribune.StatusOnAir && !q.Aired.IsZero():
		meta = append(meta, "on air for "+clock(now.Sub(q.Aired)))
	case !q.Aired.IsZero():
		meta = append(meta, "last on air "+q.Aired.Local().Format("15:04:05"))
	}
	if q.Source == tribune.SourceYouTube && q.Channel != "" {
		meta = append(meta, "video "+safe(q.Channel))
	}
	metaLines := d.wrapParts(meta)
	for i := range metaLines {
		metaLines[i] = st.Label.Render(padLine(metaLines[i], d.width))
	}

	var history []string
	if q.MergedInto != 0 {
		history = append(history, "merged into #"+strconv.Itoa(q.MergedInto))
	}
	if from := idx.mergedFrom[q.ID]; len(from) > 0 {
		ids := make([]string, len(from))
		for i, id := range from {
			ids[i] = "#" + strconv.Itoa(id)
		}
		history = append(history, "merged here: "+strings.Join(ids, ", "))
	}
	if orig, ok := idx.original[q.ID]; ok {
		history = append(history, "edited; was: “"+safe(orig)+"”")
	}
	var histLines []string
	if len(history) > 0 {
		histLines = d.wrapParts(history)
		for i := range histLines {
			histLines[i] = st.Label.Render(padLine(histLines[i], d.width))
		}
	}

	lines = append(lines, metaLines...)
	room := d.height - len(lines) - len(histLines)
	if room < 1 {
		// Too small for everything: the text matters more than history.
		histLines = nil
		room = d.height - len(lines)
	}
	text := strings.Split(ansi.Wrap(safe(q.Text), d.width, ""), "\n")
	if len(text) > room && room > 0 {
		text = text[:room]
		last := text[room-1]
		if ansi.StringWidth(last) >= d.width {
			last = ansi.Truncate(last, d.width-1, "")
		}
		text[room-1] = last + "…"
	}
	for _, t := range text {
		lines = append(lines, st.Text.Render(padLine(t, d.width)))
	}
	lines = append(lines, histLines...)
	return d.finish(lines)
}

// who names the author of q with where they spoke: "Ann (twitch @ann)",
// "Bo (youtube)", "“Cy” (web, name not verified)". A name typed on the ask
// page is the viewer's claim, and said to be.
func who(q *tribune.Question) string {
	name := safe(q.Author)
	switch q.Source {
	case tribune.SourceTwitch, "":
		if q.AuthorLogin == "" {
			return name + " (twitch)"
		}
		return name + " (twitch @" + safe(q.AuthorLogin) + ")"
	case tribune.SourceWeb:
		if webNameless(q) {
			return "a viewer with no name (web)"
		}
		return "“" + name + "” (web, name not verified)"
	}
	return name + " (" + safe(q.Source) + ")"
}

// rule is the pane's title line: a label on a horizontal rule.
func (d detail) rule(st *Styles, title string) string {
	if title == "" {
		return st.Rule.Render(strings.Repeat("─", d.width))
	}
	head := "── "
	t := title + " "
	rest := max(d.width-ansi.StringWidth(head)-ansi.StringWidth(t), 0)
	return padLine(st.Rule.Render(head)+st.DetailTitle.Render(t)+st.Rule.Render(strings.Repeat("─", rest)), d.width)
}

// wrapParts joins parts with " · ", breaking lines between parts.
func (d detail) wrapParts(parts []string) []string {
	var lines []string
	var cur string
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case ansi.StringWidth(cur)+3+ansi.StringWidth(p) <= d.width:
			cur += " · " + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

// finish pads or cuts lines to exactly the pane's height.
func (d detail) finish(lines []string) string {
	if len(lines) > d.height {
		lines = lines[:d.height]
	}
	blank := strings.Repeat(" ", d.width)
	for len(lines) < d.height {
		lines = append(lines, blank)
	}
	return strings.Join(lines, "\n")
}
