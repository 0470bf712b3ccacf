package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tribune-live/tribune/internal/twitchfake"
)

// coStreamShared is the share of the co-stream's messages typed during a
// Shared Chat session: each has a mirror in the other channel.
const coStreamShared = 0.5

// runCoStream plays a mixed meeting on two channels, on the seeded
// database, half of its messages mirrored by Shared Chat: the bare client
// and Tribune both join the two channels and receive every copy, and
// Tribune must apply each message once.
func runCoStream(ctx context.Context, b *bench, rep *Report) error {
	gen, err := twitchfake.Start() // a line builder only: nobody connects to it
	if err != nil {
		return err
	}
	defer gen.Close()
	n := b.cfg.CoStreamLines
	b.progress("costream: generating %d messages, %.0f %% of them shared", n, 100*coStreamShared)
	s := newScript("costream", n+n/2, b.seededWorld())
	s.channels = []string{benchChannel, partnerChannel}
	w := b.seededWorld()
	mixedInto(s, n, b.cfg.Viewers, 1, w.visible, 4, &coStreamMaker{gen: gen, rng: rand.New(rand.NewPCG(4, 4)), shared: coStreamShared}, 0)
	return b.fullAgainstRaw(ctx, rep, s, b.seededCopy, fullOpts{}, b.cfg.Pairs)
}

func judgeCoStream(rep *Report) []TargetCheck {
	r := rep.run("costream")
	if r == nil {
		return nil
	}
	single := "-"
	if m := rep.run("mixed"); m != nil && m.Ratio > 0 {
		single = formatPercent(m.Ratio)
	}
	exact := len(r.Errors) == 0 && r.DB.Mismatched == 0 && r.DB.Detail == ""
	out := []TargetCheck{
		check("co-stream: full >= 70 % of raw", exact && r.Ratio >= targetRatio, "%s (single channel %s)", formatPercent(r.Ratio), single),
		check("co-stream: counts exact, each original counted once", exact,
			"%d questions, %d vote rows, %d mismatched; %d mirrors", r.DB.Questions, r.DB.VoteRows, r.DB.Mismatched, r.Mirrors),
	}
	if st := r.Bot; st != nil {
		// In process the bot says what it skipped: every mirror of a
		// command, and nothing else. (The Service would refuse a vote
		// applied twice anyway; these counters show the bot never tried.)
		ok := st.Commands == uint64(r.Commands) && st.Duplicates == uint64(r.CommandMirrors)
		out = append(out, check("co-stream (in process): the bot applied each command once", ok,
			"%d commands applied (script %d), %d copies skipped (script %d)", st.Commands, r.Commands, st.Duplicates, r.CommandMirrors))
	}
	return out
}

func formatPercent(r float64) string { return fmt.Sprintf("%.0f %%", 100*r) }
