// Package bot connects Tribune to Twitch chat through
// github.com/gempir/go-twitch-irc/v4: it joins one or several channels
// (a co-stream) into one meeting, reads the chat commands of the design
// (!question, !vote, !unvote, !top, !withdraw, !report, !qhelp), applies
// them through the chat package's Handler, obeys the platform's own
// moderation (deleted messages, bans, timeouts), and replies in the
// channel the viewer typed in, within Twitch's send limits and slow mode.
// Without credentials the Client joins anonymously: it reads and collects
// questions, and sends nothing.
//
// A chat line travels one way, and each stage has its file:
//
//   - client.go: the Client, its settings and counters, and Run, which
//     starts the workers and the outboxes and redials with backoff
//     whenever a connection ends.
//   - connect.go: one go-twitch-irc connection joins every channel. Its
//     callbacks run on its reading goroutine, so they never block: they
//     hand work on and return. A connection that goes silent, does not
//     rejoin after a RECONNECT, or whose parser panics is abandoned for a
//     new one.
//   - commands.go: a PRIVMSG that holds a command becomes a job in the
//     queue of one of the workers, chosen by a hash of its author's user
//     id, so that each viewer's commands are applied in order; the worker
//     applies it through chat.Handler and hands the reply to the
//     channel's outbox.
//   - identity.go: who the viewer is (the user id and badges, never the
//     name) and where to answer them. Twitch Shared Chat mirrors each
//     message into every channel of a shared session: a mirror's author
//     keeps their standing only from a channel of the meeting, and
//     recent.go remembers message keys so that each message is applied
//     once, whichever copies arrive.
//   - moderation.go: Twitch's CLEARMSG and CLEARCHAT (a deleted message,
//     a ban, a timeout) become jobs in the same queues, so that a
//     deletion never overtakes the question it deletes, and are applied
//     through the Service's platform moderation.
//   - reply.go, outbox.go, pace.go: one outbox per channel. Replies wait
//     in queues by priority (a question's number first, vote
//     acknowledgements last), are folded several to a message, or into
//     one summary of votes when they fall behind, and are dropped when
//     too old (reply.go); one goroutine sends them and handles Twitch's
//     answers, refusals and retries (outbox.go), paced within the send
//     limits and slow mode (pace.go).
package bot
