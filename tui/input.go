package tui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
)

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
