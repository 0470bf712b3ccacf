package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tribune-live/tribune/internal/twitchfake"
)

// floodSettle is how long after the flood the bench waits before it
// counts the acknowledgements: the bot folds a vote acknowledgement that
// waited 5 s into its next summary, so by then each one has been sent or
// folded.
const floodSettle = 6500 * time.Millisecond

// floodViewer is the viewer who asks after the flood: one the flood never
// had.
const floodViewer = 5_000_000

// FloodResult is the flood: how soon a new viewer's question is answered
// after a flood of votes, and what became of the votes' acknowledgements.
type FloodResult struct {
	Lines int `json:"lines"`
	Votes int `json:"votes"`
	// ReplyMS runs from the server writing the new viewer's !question to
	// the server receiving the bot's reply to it; -1 when none came
	// within the reply's 15 s lifetime.
	ReplyMS   float64 `json:"reply_ms"`
	ReplyText string  `json:"reply_text,omitempty"`
	// FloodMS is how long the flood took to send.
	FloodMS float64 `json:"flood_ms"`
	// What the server received from the bot, by FloodSettle after the
	// question: messages, vote acknowledgements in them one by one,
	// summaries and the votes they counted.
	Replies       int `json:"replies"`
	AckedOneByOne int `json:"acked_one_by_one"`
	Summaries     int `json:"summaries"`
	InSummaries   int `json:"votes_in_summaries"`
	// FoldedOrDropped are the votes not acknowledged one by one: folded
	// into a summary (sent, or due within 30 s) or dropped.
	FoldedOrDropped int `json:"folded_or_dropped"`
	// From the bot's counters, in process only.
	Folded  *uint64 `json:"folded,omitempty"`
	Dropped *uint64 `json:"dropped,omitempty"`
}

// floodScript is n lines, nine in ten of them votes of distinct viewers on
// the setup questions, the rest chat, then a new viewer's question.
func floodScript(n int) (s *script, asker twitchfake.User) {
	s = newScript("flood", n+1, stormWorld)
	lm := &lineMaker{sent: time.Now()}
	rng := rand.New(rand.NewPCG(13, 13))
	for i := range n {
		if i%10 == 9 {
			s.add(lm.line(benchChannel, viewer(i), chatLine(rng)), viaTwitch, i, lineChat, 0)
			continue
		}
		q := 1 + i%setupQuestions
		s.add(lm.line(benchChannel, viewer(i), "!vote "+strconv.Itoa(q)), viaTwitch, i, lineVote, q)
	}
	asker = viewer(floodViewer)
	text := newTextGen(rand.New(rand.NewPCG(14, 14))).question()
	s.add(lm.line(benchChannel, asker, "!q "+text), viaTwitch, floodViewer, lineAsk, 0)
	s.ask(text)
	return s, asker
}

// voteAck and summaryItem read the bot's English replies: "@name voted
// #12" parts, and "votes counted: #12 +40, #7 +12" summaries.
var (
	voteAck     = regexp.MustCompile(`@\S+ voted #\d+`)
	summaryItem = regexp.MustCompile(`#\d+ \+(\d+)`)
)

// runFlood sends the flood as fast as the connection takes, then the new
// viewer's question, and times its reply at the server. The bot is not a
// moderator in the fake's channel: 20 messages per 30 s, the harder case.
func runFlood(ctx context.Context, b *bench, rep *Report) error {
	s, asker := floodScript(b.cfg.FloodLines)
	askLine := len(s.lines) - 1
	askID := twitchfake.Tag(s.lines[askLine], "id")
	res := &FloodResult{Lines: b.cfg.FloodLines, Votes: s.commands() - 1, ReplyMS: -1}
	after := func(ctx context.Context, t target, srv *twitchfake.Server, r *run, _ *RunResult) {
		asked := r.base.Add(time.Duration(r.written[askLine].Load()))
		res.FloodMS = float64(time.Duration(r.written[askLine-1].Load())) / 1e6
		mention := "@" + asker.DisplayName + " "
		wctx, cancel := context.WithDeadline(ctx, asked.Add(15*time.Second+time.Second))
		reply, err := srv.WaitFor(wctx, func(rp twitchfake.Reply) bool {
			return rp.Parent == askID || strings.Contains(rp.Text+" ", mention)
		})
		cancel()
		if err == nil {
			res.ReplyMS = float64(reply.Time.Sub(asked)) / 1e6
			res.ReplyText = reply.Text
		}
		time.Sleep(time.Until(asked.Add(floodSettle)))
		for _, rp := range srv.Replies() {
			if rp.Time.Before(r.base) {
				continue // the setup's
			}
			res.Replies++
			if strings.HasPrefix(rp.Text, "votes counted:") {
				res.Summaries++
				for _, m := range summaryItem.FindAllStringSubmatch(rp.Text, -1) {
					n, _ := strconv.Atoi(m[1])
					res.InSummaries += n
				}
				continue
			}
			res.AckedOneByOne += len(voteAck.FindAllString(rp.Text, -1))
		}
		res.FoldedOrDropped = res.Votes - res.AckedOneByOne
		if it, ok := t.(*inprocTarget); ok {
			st := it.Bot.Stats()
			res.Folded, res.Dropped = &st.Folded, &st.Dropped
		}
	}
	b.progress("flood: %d lines, then a new viewer's question", b.cfg.FloodLines)
	rep.Runs = append(rep.Runs, b.runFull(ctx, s, b.freshDB("flood"), fullOpts{setup: setupScript(setupQuestions, 3), after: after}))
	rep.Flood = res
	return nil
}

func judgeFlood(rep *Report) []TargetCheck {
	f, r := rep.Flood, rep.run("flood")
	if f == nil || r == nil {
		return nil
	}
	got := "no reply within its 15 s lifetime"
	if f.ReplyMS >= 0 {
		got = fmt.Sprintf("%.0f ms after %d lines", f.ReplyMS, f.Lines)
	}
	return []TargetCheck{
		check("flood: the new question's reply within 5 s", f.ReplyMS >= 0 && f.ReplyMS <= float64(targetFloodReply/time.Millisecond), "%s", got),
		check("flood: every vote stored, counts exact", len(r.Errors) == 0 && r.DB.Mismatched == 0,
			"%d vote rows, %d mismatched; %d acks one by one, %d folded or dropped", r.DB.VoteRows, r.DB.Mismatched, f.AckedOneByOne, f.FoldedOrDropped),
	}
}

func printFlood(w io.Writer, f *FloodResult) {
	reply := "no reply"
	if f.ReplyMS >= 0 {
		reply = fmt.Sprintf("%.0f ms (%q)", f.ReplyMS, f.ReplyText)
	}
	fmt.Fprintf(w, "\nflood: %d lines (%d votes) sent in %.0f ms, then a new viewer's !question: its reply reached the server after %s\n",
		f.Lines, f.Votes, f.FloodMS, reply)
	fmt.Fprintf(w, "  by %.1f s after the question the bot had sent %d messages: %d vote acknowledgements one by one, %d summaries counting %d votes; %d votes not acknowledged one by one (folded or dropped)",
		floodSettle.Seconds(), f.Replies, f.AckedOneByOne, f.Summaries, f.InSummaries, f.FoldedOrDropped)
	if f.Folded != nil {
		fmt.Fprintf(w, "; the bot counted %d folded, %d dropped", *f.Folded, *f.Dropped)
	}
	fmt.Fprintln(w)
}
