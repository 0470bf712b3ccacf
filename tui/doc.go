// Package tui is Tribune's moderation console: a terminal UI, built with
// Bubble Tea, in which the host and co-moderators curate the queue of
// questions from every source (approve, reject, merge, edit, label, ban,
// put on air, reject a wave at once, undo), filtered by status, source,
// label and search.
//
// The console works against tribune.Moderation only: the *tribune.Service
// itself in one process, a control API client (overlay.Client) for
// `tribune tui --connect`. It mirrors the session's questions in memory,
// kept current by the events of a subscription, and runs every command as
// a tea.Cmd, so the screen never waits on the Service or the network.
//
// The Model (tui.go) is the one tea.Model; only its goroutine touches its
// state. Around it:
//
//   - commands.go: the tea.Cmds that talk to the Service (subscribe and
//     load, wait for events, run a moderator's command, compare texts for
//     a wave) and the messages they answer with. They are the only code
//     that waits on anything.
//   - index.go, filter.go, search.go: the mirror of the questions, kept
//     sorted incrementally in both orders, so that a vote moves one entry
//     instead of re-sorting, and a change of filter or search is one pass
//     over a list already sorted: fluid with a hundred thousand questions.
//   - input.go: what a key press does (the bindings are in keys.go), the
//     answers to prompts, and the selections of waves; actions.go: starts a
//     moderator's command and says on the message line how it went.
//   - view.go: lays out and renders the panes from memory: the status line
//     (status.go), the queue (queue.go), the selected question
//     (detail.go) and the prompt (prompt.go), in the Styles of styles.go;
//     text.go makes untrusted text safe for the terminal and fits it to
//     cells.
package tui
