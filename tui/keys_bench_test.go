package tui

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/tribune-live/tribune"
)

// keyBenchModel returns a console at 160×50 that has loaded n made-up
// questions shaped like tribune-bench's seed (an opener and eight made-up
// words, distinct authors), with a mix of statuses and votes so that every
// filter and both orders have work to do. It is built in memory, without a
// Service: only the keys' own cost is measured.
func keyBenchModel(b *testing.B, n int) Model {
	b.Helper()
	return benchModel(b, benchQuestions(n))
}

// benchQuestions returns the questions of keyBenchModel.
func benchQuestions(n int) []tribune.Question {
	rng := rand.New(rand.NewPCG(42, 43))
	const cons, vows = "bdfgklmnprtvz", "aiou"
	syl := func() string {
		return string(cons[rng.IntN(len(cons))]) + string(vows[rng.IntN(len(vows))])
	}
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = syl() + syl() + syl()
	}
	openers := []string{"What will you do about", "How do you see", "Can you explain", "Quelle est votre position sur", "Why not fund", "Comment financer"}
	statuses := []tribune.Status{
		tribune.StatusApproved, tribune.StatusApproved, tribune.StatusApproved, tribune.StatusApproved,
		tribune.StatusPending, tribune.StatusPending, tribune.StatusAnswered, tribune.StatusRejected,
		tribune.StatusHidden, tribune.StatusMerged, tribune.StatusWithdrawn,
	}
	qs := make([]tribune.Question, n)
	for i := range qs {
		var t strings.Builder
		t.WriteString(openers[rng.IntN(len(openers))])
		for range 8 {
			t.WriteByte(' ')
			t.WriteString(vocab[rng.IntN(len(vocab))])
		}
		t.WriteByte('?')
		id := i + 1
		author := strconv.Itoa(90_000_000 + id)
		qs[i] = tribune.Question{
			ID: id, Text: t.String(), Author: "Seed" + author, AuthorLogin: "seed" + author, AuthorID: author,
			Source: tribune.SourceTwitch, Status: statuses[rng.IntN(len(statuses))], Votes: rng.IntN(rng.IntN(200) + 1),
			Created: benchNow.Add(-time.Duration(n-id) * time.Second),
		}
	}
	return qs
}

var benchNow = time.Date(2026, 11, 3, 21, 0, 0, 0, time.UTC)

// benchModel returns a console at 160×50 that has loaded qs, with the
// cursor on the fourth row.
func benchModel(b *testing.B, qs []tribune.Question) Model {
	b.Helper()
	m := New(nil, WithStyles(PlainStyles()), WithClock(func() time.Time { return benchNow }))
	next, _ := m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m = next.(Model)
	m.conn = "live"
	m = m.apply(snapshot{session: tribune.Session{ID: 1, Channel: "bench"}, questions: qs})
	for range 3 {
		m = press(m, tea.KeyMsg{Type: tea.KeyDown})
	}
	return m
}

// press is one key as Bubble Tea handles it: Update, then View.
func press(m Model, k tea.KeyMsg) Model {
	next, _ := m.Update(k)
	m = next.(Model)
	_ = m.View()
	return m
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// benchmarkKeys presses keys in turn, one per iteration.
func benchmarkKeys(b *testing.B, m Model, keys ...tea.KeyMsg) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m = press(m, keys[i%len(keys)])
		i++
	}
}

func benchmarkTab(b *testing.B, n int) {
	benchmarkKeys(b, keyBenchModel(b, n), tea.KeyMsg{Type: tea.KeyTab})
}

func benchmarkSort(b *testing.B, n int) {
	benchmarkKeys(b, keyBenchModel(b, n), runes("o"))
}

// benchmarkSearchType types a query into the open search prompt and
// erases it again, a key per iteration: each key filters the queue.
func benchmarkSearchType(b *testing.B, n int) {
	m := press(keyBenchModel(b, n), runes("/"))
	bs := tea.KeyMsg{Type: tea.KeyBackspace}
	benchmarkKeys(b, m, runes("k"), runes("a"), runes("z"), runes("o"), bs, bs, bs, bs)
}

// BenchmarkKeyTab1k is the baseline of BenchmarkKeyTab100k.
func BenchmarkKeyTab1k(b *testing.B) { benchmarkTab(b, 1000) }

// BenchmarkKeyTab100k changes the status filter (tab) with 100 000
// questions.
func BenchmarkKeyTab100k(b *testing.B) { benchmarkTab(b, 100_000) }

// BenchmarkKeySort1k is the baseline of BenchmarkKeySort100k.
func BenchmarkKeySort1k(b *testing.B) { benchmarkSort(b, 1000) }

// BenchmarkKeySort100k toggles the order (o) with 100 000 questions.
func BenchmarkKeySort100k(b *testing.B) { benchmarkSort(b, 100_000) }

// BenchmarkSearchType1k is the baseline of BenchmarkSearchType100k.
func BenchmarkSearchType1k(b *testing.B) { benchmarkSearchType(b, 1000) }

// BenchmarkSearchType100k types and erases a search, a key at a time, with
// 100 000 questions.
func BenchmarkSearchType100k(b *testing.B) { benchmarkSearchType(b, 100_000) }

// benchmarkWave selects the wave of copies of the question under the
// cursor (w): one in a hundred questions is a copy, with its own number,
// and open. An iteration is the key, the comparison it starts (the
// command Bubble Tea runs off the update loop), the selection, and a
// frame; with loopOnly, the comparison is not timed: what is left is what
// the update loop does, during which the console cannot answer.
func benchmarkWave(b *testing.B, n int, loopOnly bool) {
	qs := benchQuestions(n)
	copies := 0
	for i := 0; i < n; i += 100 {
		qs[i].Text = "FREE followers " + strconv.Itoa(i) + " at spam dot example!!"
		qs[i].Status = tribune.StatusPending
		copies++
	}
	m := benchModel(b, qs)
	i, ok := m.idx.find(1)
	if !ok {
		b.Fatal("#1 is not shown")
	}
	m.queue.cursor, m.queue.sel = i, 1
	m.queue = m.queue.scroll(-1)
	w := runes("w")
	b.ReportAllocs()
	for b.Loop() {
		next, cmd := m.Update(w)
		if loopOnly {
			b.StopTimer()
		}
		msg := cmd()
		if loopOnly {
			b.StartTimer()
		}
		next, _ = next.(Model).Update(msg)
		m = next.(Model)
		_ = m.View()
	}
	if got := len(m.idx.marked); got != copies {
		b.Fatalf("selected %d questions, want the %d copies", got, copies)
	}
}

// BenchmarkKeyWave1k is the baseline of BenchmarkKeyWave100k.
func BenchmarkKeyWave1k(b *testing.B) { benchmarkWave(b, 1000, false) }

// BenchmarkKeyWave100k selects a wave (w) among 100 000 questions.
func BenchmarkKeyWave100k(b *testing.B) { benchmarkWave(b, 100_000, false) }

// BenchmarkKeyWaveLoop1k is the baseline of BenchmarkKeyWaveLoop100k.
func BenchmarkKeyWaveLoop1k(b *testing.B) { benchmarkWave(b, 1000, true) }

// BenchmarkKeyWaveLoop100k is BenchmarkKeyWave100k without the comparison
// of texts, which runs off the update loop.
func BenchmarkKeyWaveLoop100k(b *testing.B) { benchmarkWave(b, 100_000, true) }

// BenchmarkLoad100k loads 100 000 questions into the index, as a connect
// or a resync does: prepare runs in the loading command, loadPrepared in
// Update.
func BenchmarkLoad100k(b *testing.B) {
	m := keyBenchModel(b, 100_000)
	qs := make([]tribune.Question, 0, len(m.idx.byID))
	for _, e := range m.idx.byID {
		qs = append(qs, e.q)
	}
	slices.SortFunc(qs, func(a, b tribune.Question) int { return a.ID - b.ID })
	b.Run("prepare", func(b *testing.B) {
		for b.Loop() {
			prepare(qs)
		}
	})
	b.Run("update", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			p := prepare(qs)
			b.StartTimer()
			m.idx.loadPrepared(p, false)
		}
	})
}
