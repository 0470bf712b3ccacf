package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/twitchfake"
)

func parse(t *testing.T, args ...string) (*Main, error) {
	t.Helper()
	m := NewMain()
	var stderr bytes.Buffer
	m.Stdout, m.Stderr = io.Discard, &stderr
	return m, m.ParseFlags(args)
}

func TestParseFlags(t *testing.T) {
	t.Run("Quick", func(t *testing.T) {
		m, err := parse(t, "-quick", "-storm-votes", "777")
		if err != nil {
			t.Fatal(err)
		}
		c := m.Config
		if c.MixedLines != 100_000 || c.AskBrowsers != 500 {
			t.Errorf("MixedLines=%d AskBrowsers=%d, want the quick sizes 100000 and 500", c.MixedLines, c.AskBrowsers)
		}
		if c.Pairs != 1 {
			t.Errorf("Pairs=%d, want 1 in a smoke run", c.Pairs)
		}
		if c.StormVotes != 777 {
			t.Errorf("StormVotes=%d, want 777: a flag given wins over -quick", c.StormVotes)
		}
	})
	t.Run("Only", func(t *testing.T) {
		m, err := parse(t, "-only", "storm, flood")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Config.wants("storm") || !m.Config.wants("flood") || m.Config.wants("mixed") {
			t.Errorf("Only=%q: want storm and flood alone", m.Config.Only)
		}
	})
	for name, args := range map[string][]string{
		"ErrUnknownPhase":  {"-only", "storm,nosuch"},
		"ErrTarget":        {"-target", "docker"},
		"ErrProfileChild":  {"-cpuprofile", "cpu.out"},
		"ErrServeEnv":      {"-serve-env", "GOGC"},
		"ErrAskVotes":      {"-ask-votes", "11"},
		"ErrAskers":        {"-ask-browsers", "10", "-ask-askers", "11"},
		"ErrArgument":      {"storm"},
		"ErrNegativeLines": {"-mixed-lines", "-1"},
		"ErrNoPairs":       {"-pairs", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, args...)
			if !errors.As(err, new(usageError)) {
				t.Errorf("ParseFlags(%q) = %v, want a usage error", args, err)
			}
		})
	}
	t.Run("Help", func(t *testing.T) {
		m := NewMain()
		var stderr bytes.Buffer
		m.Stderr = &stderr
		if err := m.ParseFlags([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("ParseFlags(-h) = %v, want flag.ErrHelp", err)
		}
		for _, p := range phases {
			if !strings.Contains(stderr.String(), p.name+" ") {
				t.Errorf("-h does not list phase %q:\n%s", p.name, stderr.String())
			}
		}
	})
}

func TestPhaseTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range phases {
		if p.name == "" || p.about == "" || p.target == "" || p.run == nil || p.judge == nil {
			t.Errorf("phase %q: every phase needs a name, an about, a target, run and judge", p.name)
		}
		if seen[p.name] {
			t.Errorf("phase %q twice", p.name)
		}
		seen[p.name] = true
		// A phase without results judges nothing: its absence is not a
		// pass.
		if got := p.judge(&Report{}); len(got) != 0 {
			t.Errorf("phase %q judged an empty report: %+v", p.name, got)
		}
	}
}

func TestCheckTargetsFailedPhase(t *testing.T) {
	rep := &Report{
		Failed: []PhaseFailure{{Phase: "youtube", Error: "meeting: no YouTube\nmore"}},
		Runs:   []RunResult{{Name: "storm", CommandsPerSec: 30_000}},
	}
	var yt, storm *TargetCheck
	got := checkTargets(rep)
	for i := range got {
		switch got[i].Phase {
		case "youtube":
			yt = &got[i]
		case "storm":
			storm = &got[i]
		}
	}
	if yt == nil || yt.OK || yt.Got != "failed: meeting: no YouTube" {
		t.Errorf("failed phase judged %+v, want MISSED with its error's first line", yt)
	}
	if storm == nil || !storm.OK {
		t.Errorf("storm at 30 000 votes/s judged %+v, want MET", storm)
	}
}

func TestMedianPair(t *testing.T) {
	run := func(ratio, rss float64, errs ...string) RunResult {
		return RunResult{Name: "mixed", Ratio: ratio, LinesPerSec: 1000 * ratio, PeakRSSMB: rss, Errors: errs}
	}
	tests := []struct {
		name      string
		runs      []RunResult
		wantRatio float64
		wantRSS   float64
		wantErrs  int
	}{
		{"One", []RunResult{run(0.6, 90)}, 0.6, 90, 0},
		{"Odd", []RunResult{run(0.9, 95), run(0.6, 99), run(0.75, 97)}, 0.75, 99, 0},
		{"EvenTakesTheLower", []RunResult{run(0.9, 95), run(0.6, 99), run(0.8, 97), run(0.7, 101)}, 0.7, 101, 0},
		{"ErrorsWin", []RunResult{run(0.9, 95), run(0.8, 96, "lost"), run(0.75, 97)}, 0.8, 97, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := medianPair(tt.runs)
			if got.Ratio != tt.wantRatio || got.LinesPerSec != 1000*tt.wantRatio {
				t.Errorf("ratio %v at %v lines/s, want the run of ratio %v", got.Ratio, got.LinesPerSec, tt.wantRatio)
			}
			if got.PeakRSSMB != tt.wantRSS {
				t.Errorf("peak RSS %v, want the highest of the pairs, %v", got.PeakRSSMB, tt.wantRSS)
			}
			if len(got.Errors) != tt.wantErrs {
				t.Errorf("errors %q, want %d", got.Errors, tt.wantErrs)
			}
			if n := len(tt.runs); n > 1 && len(got.PairRatios) != n || n == 1 && got.PairRatios != nil {
				t.Errorf("pair ratios %v for %d runs", got.PairRatios, n)
			}
			for i, r := range got.PairRatios {
				if r != tt.runs[i].Ratio {
					t.Errorf("pair ratio %d = %v, want %v: in the order run", i, r, tt.runs[i].Ratio)
				}
			}
		})
	}
}

// TestAPIMessage decodes the events the Service publishes, as
// /api/events sends them (tribune.Event in JSON), and checks what the run
// makes of them.
func TestAPIMessage(t *testing.T) {
	s := newScript("t", 2, world{questions: 3, visible: 3})
	lm := &lineMaker{sent: time.Now()}
	s.add(lm.line(benchChannel, viewer(1), "!vote 2"), viaTwitch, 1, lineVote, 2)
	text := `What about "quotes" and <b>tags</b> \ here?`
	s.add(lm.line(benchChannel, viewer(2), "!q "+text), viaTwitch, 2, lineAsk, 0)
	s.ask(text)
	r := newRun(s, topN)
	r.written[0].Store(1)
	r.written[1].Store(1)
	h := r.apiHandler(nil)
	for _, ev := range []tribune.Event{
		{Type: tribune.EventVoted, Question: &tribune.Question{ID: 2, Text: "Votable?", Votes: 2, Status: tribune.StatusApproved, Created: time.Now()}},
		{Type: tribune.EventCreated, Question: &tribune.Question{ID: 4, Text: text, Votes: 1, Status: tribune.StatusPending, Created: time.Now()}},
	} {
		msg, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		h(msg, time.Now())
	}
	lat, _, _, unexpected, left := r.api.results()
	if left != 0 || unexpected != 0 || len(lat) != 2 {
		t.Errorf("after a vote and a question: left=%d unexpected=%d latencies=%d, want 0, 0, 2", left, unexpected, len(lat))
	}
	h([]byte(`{"type":"voted","question":{"id":3,"votes":`), time.Now())
	if _, _, _, unexpected, _ = r.api.results(); unexpected != 1 {
		t.Errorf("a truncated message: unexpected=%d, want 1", unexpected)
	}
}

// TestScanVoted checks the fast path of "voted" events against
// encoding/json on the Service's own encoding, with texts built to fool a
// scanner.
func TestScanVoted(t *testing.T) {
	for _, text := range []string{
		"plain?", `,"votes":99,"id":5`, `\",\"votes\":7`, "\\", `"}`, "née à Montréal ?", "<script>x</script>",
	} {
		q := tribune.Question{ID: 12, SessionID: 3, Text: text, Author: text, AuthorLogin: "a", AuthorID: "9", Source: tribune.SourceTwitch,
			Channel: benchChannel, Label: `"votes":1`, Created: time.Now(), Status: tribune.StatusApproved, Votes: 4321}
		msg, err := json.Marshal(tribune.Event{Type: tribune.EventVoted, Question: &q})
		if err != nil {
			t.Fatal(err)
		}
		var fast, slow apiMessage
		if !scanVoted(msg, &fast) {
			t.Fatalf("scanVoted did not read %s", msg)
		}
		if err := json.Unmarshal(msg, &slow); err != nil {
			t.Fatal(err)
		}
		if fast.Type != slow.Type || fast.Question.ID != slow.Question.ID || fast.Question.Votes != slow.Question.Votes {
			t.Errorf("text %q: scanVoted read %+v, json %+v", text, fast.Question, slow.Question)
		}
	}
	for _, msg := range []string{
		`{"type":"created","question":{"id":1,"votes":1}}`,
		`{"type":"voted","question":{"id":1}}`,
		`{"type":"voted","question":{"id":x,"votes":1}}`,
		`{"type":"voted","question":{"id":1,"votes":}`,
	} {
		var ev apiMessage
		if scanVoted([]byte(msg), &ev) {
			t.Errorf("scanVoted read %s: %+v; want it left to encoding/json", msg, ev)
		}
	}
}

// newTestBench returns a bench that runs Tribune in this process.
func newTestBench(t *testing.T) *bench {
	t.Helper()
	m := NewMain()
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		m.Stderr = os.Stderr
	}
	m.Config.Target = "inproc"
	b, err := newBench(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	return b
}

// TestStormInProcess runs a small storm through the whole path and
// checks that the bench counts it exactly: every vote's effect seen by
// both clients, every vote stored.
func TestStormInProcess(t *testing.T) {
	b := newTestBench(t)
	s := stormScript("storm", 2000, stormWorld, 0)
	res := b.runFull(context.Background(), s, b.freshDB("storm"), fullOpts{setup: setupScript(setupQuestions, 3)})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %q", res.Errors)
	}
	if res.API.N != 2000 || res.DB.VoteRows != 2000+setupQuestions || res.DB.Mismatched != 0 {
		t.Errorf("API.N=%d VoteRows=%d Mismatched=%d, want 2000, %d, 0", res.API.N, res.DB.VoteRows, 2000+setupQuestions, res.DB.Mismatched)
	}
}

// TestCoStreamInProcess plays messages on two channels, half of them with
// a Shared Chat mirror, and checks that each counts once.
func TestCoStreamInProcess(t *testing.T) {
	b := newTestBench(t)
	b.cfg.SeedQuestions = 200
	if err := b.prepare(needSeeded); err != nil {
		t.Fatal(err)
	}
	gen, err := twitchfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	w := b.seededWorld()
	s := newScript("costream", 3000, w)
	s.channels = []string{benchChannel, partnerChannel}
	mixedInto(s, 2000, 500, 1, w.visible, 4, &coStreamMaker{gen: gen, rng: rand.New(rand.NewPCG(4, 4)), shared: coStreamShared}, 0)
	if s.commandMirrors == 0 {
		t.Fatal("the script has no mirrored command")
	}
	db, err := b.seededCopy("costream")
	if err != nil {
		t.Fatal(err)
	}
	res := b.runFull(context.Background(), s, db, fullOpts{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %q", res.Errors)
	}
	if st := res.Bot; st == nil || st.Commands != uint64(s.commands()) || st.Duplicates != uint64(s.commandMirrors) {
		t.Errorf("bot %+v: want %d commands and %d duplicates", st, s.commands(), s.commandMirrors)
	}
}

// The hand-written field scanners the bench used before encoding/json,
// kept as the baseline of BenchmarkDecodeVoted. Tribune's JSON has no
// spaces; keys cannot occur inside strings, whose quotes are escaped.
func scanString(msg []byte, key string) string {
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return ""
	}
	rest := msg[i+len(key):]
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			return string(rest[:j])
		}
	}
	return ""
}

func scanInt(msg []byte, key string) (int, bool) {
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(key):]
	j := 0
	for j < len(rest) && (rest[j] == '-' || '0' <= rest[j] && rest[j] <= '9') {
		j++
	}
	n, err := strconv.Atoi(string(rest[:j]))
	return n, err == nil
}

// BenchmarkDecodeVoted compares ways the /api/events client can read each
// "voted" event of a storm: encoding/json into apiMessage, the field
// scanners the bench had before, and scanVoted, which it has now.
func BenchmarkDecodeVoted(b *testing.B) {
	q := tribune.Question{ID: 7, SessionID: 1, Text: "What will you do about bubalo and tikonu and ramipa?", Author: "Citizen_Viewer_100042",
		AuthorLogin: "citizen_viewer_100042", AuthorID: "70000042", Source: tribune.SourceTwitch, Channel: benchChannel,
		Created: time.Now(), Status: tribune.StatusApproved, Votes: 1234}
	msg, err := json.Marshal(tribune.Event{Type: tribune.EventVoted, Question: &q})
	if err != nil {
		b.Fatal(err)
	}
	if !scanVoted(msg, new(apiMessage)) {
		b.Fatal("scanVoted does not read the Service's voted event")
	}
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var ev apiMessage
			if err := json.Unmarshal(msg, &ev); err != nil || ev.Question.Votes != 1234 {
				b.Fatal(err, ev)
			}
		}
	})
	b.Run("scanVoted", func(b *testing.B) {
		for b.Loop() {
			var ev apiMessage
			if !scanVoted(msg, &ev) || ev.Question.Votes != 1234 {
				b.Fatal(ev)
			}
		}
	})
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			if scanString(msg, `"type":"`) != "voted" {
				b.Fatal("type")
			}
			id, _ := scanInt(msg, `"id":`)
			n, _ := scanInt(msg, `"votes":`)
			if id != 7 || n != 1234 {
				b.Fatal(id, n)
			}
		}
	})
}
