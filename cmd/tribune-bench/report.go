package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the JSON written with -out.
type Report struct {
	Time      time.Time `json:"time"`
	Commit    string    `json:"commit"`
	GoVersion string    `json:"go"`
	CPUs      int       `json:"cpus"`
	Target    string    `json:"target"`
	Quick     bool      `json:"quick,omitempty"`

	Store   *StoreResult   `json:"store,omitempty"`
	Ready   *ReadyResult   `json:"ready,omitempty"`
	Runs    []RunResult    `json:"runs,omitempty"`
	Console *ConsoleResult `json:"console,omitempty"`
	Flood   *FloodResult   `json:"flood,omitempty"`
	Ask     *AskResult     `json:"ask,omitempty"`
	Soak    *SoakResult    `json:"soak,omitempty"`

	Failed  []PhaseFailure `json:"failed,omitempty"`
	Targets []TargetCheck  `json:"targets,omitempty"`

	WallSecond float64 `json:"wall_seconds"`
	// LoadStart and LoadEnd are /proc/loadavg: other work on the machine
	// skews absolute numbers; ratios measured in one run suffer less.
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// StoreResult is the store's own ceiling.
type StoreResult struct {
	SingleVotesPerSec   float64 `json:"single_votes_per_sec"`
	Batch100VotesPerSec float64 `json:"batch100_votes_per_sec"`
}

func printReport(w io.Writer, rep *Report) {
	quick := ""
	if rep.Quick {
		quick = "  -quick (small sizes: targets that speak of sizes are missed by design)"
	}
	fmt.Fprintf(w, "\ntribune-bench %s  commit %s  %s  %d CPUs  target %s  (%.0f s, load %s → %s)%s\n\n",
		rep.Time.Format(time.RFC3339), rep.Commit, rep.GoVersion, rep.CPUs, rep.Target, rep.WallSecond, rep.LoadStart, rep.LoadEnd, quick)
	if s := rep.Store; s != nil {
		fmt.Fprintf(w, "store ceiling: %.0f votes/s one per transaction, %.0f votes/s 100 per transaction\n", s.SingleVotesPerSec, s.Batch100VotesPerSec)
	}
	if r := rep.Ready; r != nil {
		fmt.Fprintf(w, "serve ready: %.0f ms empty, %.0f ms with %d questions (x%.1f), median of %d\n", r.EmptyMS, r.SeededMS, r.Questions, r.Ratio, r.Runs)
	}
	if len(rep.Runs) > 0 {
		printRuns(w, rep)
	}
	if c := rep.Console; c != nil {
		fmt.Fprintf(w, "\nconsole, %d questions: load %.0f ms; key+view p50 %.1f ms p99 %.1f ms max %.1f ms; view p99 %.1f ms; %d events in %d batches during a storm, update+view p99 %.1f ms, %d resyncs\n",
			c.Questions, c.LoadMS, c.Key.P50, c.Key.P99, c.Key.Max, c.View.P99, c.Events, c.Batches, c.Batch.P99, c.Resyncs)
		for _, kind := range []string{"move", "filter", "sort", "search"} {
			if l, ok := c.Keys[kind]; ok {
				fmt.Fprintf(w, "  %-6s keys: %3d, p50 %.1f ms, max %.1f ms\n", kind, l.N, l.P50, l.Max)
			}
		}
	}
	if f := rep.Flood; f != nil {
		printFlood(w, f)
	}
	if a := rep.Ask; a != nil {
		printAsk(w, a)
	}
	if s := rep.Soak; s != nil {
		fmt.Fprintf(w, "\nsoak %s at %.0f commands/s: %d samples; heap %.1f→%.1f MB (trend %+.3f MB/min), RSS %.1f→%.1f MB (trend %+.3f MB/min), goroutines %d→%d (trend %+.2f/min); counts exact: %v\n",
			s.Duration, s.Rate, len(s.Samples), s.HeapStartMB, s.HeapEndMB, s.HeapTrendMBPerMin, s.RSSStartMB, s.RSSEndMB, s.RSSTrendMBPerMin,
			s.GoroutinesStart, s.GoroutinesEnd, s.GoroutineTrendPerMin, s.CountsExact)
		for _, e := range s.Errors {
			fmt.Fprintf(w, "  soak: %s\n", e)
		}
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(w, "\nphase %s failed: %s\n", f.Phase, f.Error)
	}
	if len(rep.Targets) > 0 {
		fmt.Fprintln(w, "\ntargets:")
		for _, t := range rep.Targets {
			mark := "MET   "
			if !t.OK {
				mark = "MISSED"
			}
			fmt.Fprintf(w, "  %s %-9s %-66s %s\n", mark, t.Phase, t.Target, t.Got)
		}
	}
}

func printRuns(w io.Writer, rep *Report) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tlines\tcmds\traw lines/s\tfull lines/s\tfull/raw\tcmds/s\tapi p50\tp99\tmax\toverlay p50\tp99\tpeak RSS\tend RSS\tclient busy\terrors\t")
	for _, r := range rep.Runs {
		raw, ratio := "-", "-"
		if r.Raw != nil {
			raw, ratio = fmt.Sprintf("%.0f", r.Raw.LinesPerSec), fmt.Sprintf("%.0f %%", 100*r.Ratio)
		}
		lps := fmt.Sprintf("%.0f", r.LinesPerSec)
		if r.Rate > 0 {
			lps = fmt.Sprintf("(paced %.0f)", r.Rate)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.0f\t%.1f ms\t%.1f ms\t%.1f ms\t%.0f ms\t%.0f ms\t%.0f MB\t%.0f MB\t%.0f %%\t%d\t\n",
			r.Name, r.Lines, r.Commands, raw, lps, ratio, r.CommandsPerSec, r.API.P50, r.API.P99, r.API.Max,
			r.Overlay.P50, r.Overlay.P99, r.PeakRSSMB, r.EndRSSMB, 100*r.APIBusy, len(r.Errors))
	}
	tw.Flush()
	if rep.Target == "inproc" {
		fmt.Fprintln(w, "(target inproc: RSS is this process's, the bench's own memory included)")
	}
	fmt.Fprintln(w, "(client busy: the share of the run the bench's /api/events client spent decoding and recording)")
	for _, r := range rep.Runs {
		switch {
		case r.Name == "storm+drop":
			fmt.Fprintf(w, "\ndrop (in process): %d lines sent while the bot was connected, %d while it was not (Twitch's to lose); rejoined after %.0f ms; the bot received %d votes, %d are stored; %d counts differ from their vote rows\n",
				r.Delivered, r.LostLines, r.ReconnectMS, r.ReceivedCommands, r.StoredCommands, r.DB.Mismatched)
		case r.Name == "costream":
			single := "no single-channel run"
			if m := rep.run("mixed"); m != nil && m.Ratio > 0 {
				single = fmt.Sprintf("single channel %.0f %%", 100*m.Ratio)
			}
			fmt.Fprintf(w, "\nco-stream %s: %d lines, of them %d Shared Chat mirrors; full/raw %.0f %% (%s)\n",
				joinNames(r.Channels), r.Lines, r.Mirrors, 100*r.Ratio, single)
			if r.Bot != nil {
				fmt.Fprintf(w, "  the bot (in process) saw %d lines, applied %d commands, skipped %d copies as duplicates\n", r.Bot.Lines, r.Bot.Commands, r.Bot.Duplicates)
			}
		case r.Name == "youtube" && r.Raw != nil:
			fmt.Fprintf(w, "\nyoutube: %d messages; through the stream decoder into the Service %.0f msgs/s, bare decoding loop %.0f msgs/s: %.0f %%\n",
				r.YouTube, r.LinesPerSec, r.Raw.LinesPerSec, 100*r.Ratio)
		}
		if len(r.PairRatios) > 1 {
			fmt.Fprintf(w, "%s: full/raw of %d alternated pairs %s; the row is the median pair's, its peak RSS the highest\n", r.Name, len(r.PairRatios), percents(r.PairRatios))
		}
		if r.SettleMS > 0 {
			fmt.Fprintf(w, "%s: after the start, the first question took %.0f ms (index built, votes read) before the clock started\n", r.Name, r.SettleMS)
		}
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  %s: %s\n", r.Name, e)
		}
	}
}

// percents lists ratios as percentages, in order.
func percents(rs []float64) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = formatPercent(r)
	}
	return strings.Join(out, ", ")
}
