package match

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestMatcherWaitReturnsAfterTheBuild checks what Match cannot show from
// outside (it indexes what is left itself): Wait returns only once the
// background build has indexed all but a chunk of what was queued before
// it. (It asked for an idle builder once; Wait no longer waits for the
// last chunk, and the test failed when the builder was still on it.)
func TestMatcherWaitReturnsAfterTheBuild(t *testing.T) {
	m := NewMatcher()
	for i := 1; i <= 20000; i++ {
		m.Add(i, fmt.Sprintf("question %d about the harbour budget line %d", i, i*7))
	}
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Wait leaves at most a chunk for Match to index (it does not wait for
	// the builder to go idle); the rest is indexed.
	m.mu.Lock()
	pending, live := len(m.pending), m.live
	m.mu.Unlock()
	if pending > buildChunk || live+pending < 20000 {
		t.Errorf("after Wait: pending=%d live=%d, want at most %d pending and 20000 in all", pending, live, buildChunk)
	}
	if n := m.Len(); n != 20000 {
		t.Errorf("Len()=%d, want 20000", n)
	}
}

// TestMatchFindsWhatComparingAllFinds checks that Match's candidate filter
// (questions with enough of the rarest key words) loses nothing: on
// questions drawn from a small vocabulary, so that many share words, and
// queries that repeat them with a word dropped, added or changed, Match
// returns what comparing the query with every question returns.
func TestMatchFindsWhatComparingAllFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vocab := make([]string, 60)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("word%c%c", 'a'+i/26, 'a'+i%26)
	}
	sentence := func(n int) []string {
		var w []string
		for len(w) < n {
			if v := vocab[rng.IntN(len(vocab))]; !slices.Contains(w, v) {
				w = append(w, v)
			}
		}
		return w
	}
	m := NewMatcher()
	var texts [][]string
	for id := 1; id <= 3000; id++ {
		w := sentence(3 + rng.IntN(8))
		texts = append(texts, w)
		m.Add(id, strings.Join(w, " "))
	}
	m.Remove(17) // a removed question is never a match
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	matches := 0
	for range 2000 {
		q := slices.Clone(texts[rng.IntN(len(texts))])
		switch rng.IntN(4) {
		case 0:
			q = q[:len(q)-1]
		case 1:
			q = append(q, vocab[rng.IntN(len(vocab))])
		case 2:
			q[rng.IntN(len(q))] = vocab[rng.IntN(len(vocab))]
		}
		text := strings.Join(q, " ")
		got, gotOK := m.Match(text)
		want, wantOK := m.matchAll(text)
		if got != want || gotOK != wantOK {
			t.Fatalf("Match(%q)=%d,%v; comparing with all gives %d,%v", text, got, gotOK, want, wantOK)
		}
		if gotOK {
			matches++
		}
	}
	if matches < 500 {
		t.Errorf("only %d of 2000 queries matched: the test does not exercise matches", matches)
	}
}

// matchAll is Match without the candidate filter: text compared with every
// indexed question.
func (m *Matcher) matchAll(text string) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settleLocked()
	var a []tok
	unknown := 0
	for _, w := range appendKeyWords(nil, text) {
		if t, ok := m.dict[w]; ok {
			a = append(a, t)
		} else if critical(w) {
			return 0, false
		} else {
			unknown++
		}
	}
	slices.Sort(a)
	best, bestScore := 0, -1.0
	for id := range m.docs {
		d := m.docs[id]
		if !d.live {
			continue
		}
		if s, ok := similarity(a, unknown, m.arena[d.off:d.off+uint32(d.n)], DefaultThreshold); ok && (s > bestScore || s == bestScore && id < best) {
			best, bestScore = id, s
		}
	}
	return best, bestScore >= 0
}
