package tui

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tribune-live/tribune"
)

// corpus holds what search looks in: for every question, "#id author
// @login text", lower-cased once when the question arrives and again only
// when its text or author changes, so that a key typed in the search prompt
// costs no lower-casing and a vote costs nothing. The texts sit one after
// another in one buffer (a chunk each), so that a search is one sweep of
// memory rather than a hundred thousand calls reading strings scattered
// over the heap.
type corpus struct {
	buf   []byte
	start []int // where chunk k starts in buf
	id    []int // the question of chunk k; 0 once its text changed
	dead  int   // bytes of chunks no longer used
}

// compactMin is the dead bytes below which the corpus is never compacted
// (a variable so tests can compact often).
var compactMin = 1 << 20

// add appends e's text as a new chunk and points e at it.
func (c *corpus) add(e *entry) {
	e.chunk = len(c.start)
	c.start = append(c.start, len(c.buf))
	c.id = append(c.id, e.q.ID)
	c.buf = append(c.buf, '#')
	c.buf = strconv.AppendInt(c.buf, int64(e.q.ID), 10)
	c.buf = append(c.buf, ' ')
	c.buf = appendLower(c.buf, e.q.Author)
	c.buf = append(c.buf, " @"...)
	c.buf = appendLower(c.buf, e.q.AuthorLogin)
	c.buf = append(c.buf, ' ')
	c.buf = appendLower(c.buf, e.q.Text)
}

// size is about what add appends for q, to size a corpus up front.
func size(q *tribune.Question) int { return 12 + len(q.Author) + len(q.AuthorLogin) + len(q.Text) }

// appendLower appends s lower-cased as strings.ToLower would, which maps
// rune by rune, without allocating when s is ASCII.
func appendLower(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(buf, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// drop marks e's chunk as no longer used.
func (c *corpus) drop(e *entry) {
	if c.id[e.chunk] == e.q.ID {
		c.id[e.chunk] = 0
		c.dead += c.end(e.chunk) - c.start[e.chunk]
	}
}

// replace gives e a new chunk after its text or author changed; the
// buffer is compacted once more than half of it is dead.
func (c *corpus) replace(e *entry, byID map[int]*entry) {
	c.drop(e)
	c.add(e)
	if c.dead > compactMin && c.dead > len(c.buf)/2 {
		c.compact(byID)
	}
}

func (c *corpus) end(k int) int {
	if k+1 < len(c.start) {
		return c.start[k+1]
	}
	return len(c.buf)
}

// contains reports whether e's text contains term.
func (c *corpus) contains(e *entry, term []byte) bool {
	return bytes.Contains(c.buf[c.start[e.chunk]:c.end(e.chunk)], term)
}

// match sets, in hits (a bit per question id, cleared by the caller), the
// questions whose text contains term, which is not empty.
func (c *corpus) match(term []byte, hits []uint64) {
	k, pos := 0, 0
	for {
		i := bytes.Index(c.buf[pos:], term)
		if i < 0 {
			return
		}
		at := pos + i
		// Matches come in order, so the chunk index only moves forward:
		// the whole sweep walks start once.
		for k+1 < len(c.start) && c.start[k+1] <= at {
			k++
		}
		end := c.end(k)
		if at+len(term) > end {
			// The match runs from one chunk into the next: not a match.
			pos = at + 1
			continue
		}
		if id := c.id[k]; id > 0 && id>>6 < len(hits) {
			hits[id>>6] |= 1 << (id & 63)
		}
		pos = end
		if pos >= len(c.buf) {
			return
		}
	}
}

// compact copies the chunks in use to a new buffer, in the same order.
func (c *corpus) compact(byID map[int]*entry) {
	n := corpus{buf: make([]byte, 0, len(c.buf)-c.dead)}
	for k, id := range c.id {
		e, ok := byID[id]
		if id == 0 || !ok || e.chunk != k {
			continue
		}
		s := c.buf[c.start[k]:c.end(k)]
		e.chunk = len(n.start)
		n.start = append(n.start, len(n.buf))
		n.id = append(n.id, id)
		n.buf = append(n.buf, s...)
	}
	*c = n
}

// hit reports whether id is set in the bit set hits.
func hit(hits []uint64, id int) bool {
	return id>>6 < len(hits) && hits[id>>6]&(1<<(id&63)) != 0
}

func (x *index) setSearch(term string) {
	term = strings.ToLower(strings.TrimSpace(term))
	if term == x.search {
		return
	}
	old := x.search
	x.search, x.term = term, []byte(term)
	if old != "" && strings.Contains(term, old) {
		// A longer query (typing on) can only narrow what the last one
		// showed, and view is already filtered and sorted.
		x.match()
		x.view = slices.DeleteFunc(x.view, func(s slot) bool { return !hit(x.hits, s.id) })
		return
	}
	x.rebuild()
}

// match sets hits to the questions whose text contains the search term.
func (x *index) match() {
	n := x.maxID>>6 + 1
	if cap(x.hits) < n {
		x.hits = make([]uint64, n)
	}
	x.hits = x.hits[:n]
	clear(x.hits)
	x.text.match(x.term, x.hits)
}
