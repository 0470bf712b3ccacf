package tui

import (
	"context"
	"errors"
	"strconv"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
)

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
