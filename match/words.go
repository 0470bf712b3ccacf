package match

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	tribune "github.com/tribune-live/tribune"
)

var _ tribune.WordFilter = (*Words)(nil)

// Words is a list of banned words and phrases. It implements
// tribune.WordFilter: it finds whole words only ("ass" is not in "class"),
// and phrases as consecutive words whatever the spaces and signs between
// them. Words are compared on their skeleton (see skeletons): whatever
// their case and accents ("CONNARD", "cônnard" and "connard" are the same
// word), their lookalike letters (Cyrillic "іdіоt", full-width "ｉｄｉｏｔ"),
// the invisible characters inside them ("id\u00ADiot" with a soft hyphen)
// and the signs between their letters ("i.d.i.o.t", "i d i o t"; see
// minSpaced for the rules). Text whose right-to-left override draws a
// banned word ("\u202Etoidi" shows "idiot") is read as it is drawn too.
// It is read-only once built, so safe for concurrent use.
type Words struct {
	// first maps a phrase's first word (skeleton) to the phrases that
	// start with it.
	first map[string][]phrase
	n     int
}

type phrase struct {
	words []string // skeletons
	text  string   // as written in the list, cleaned (tribune.CleanText)
}

// NewWords returns a filter for the given words and phrases. Entries
// without any letter or digit are ignored.
func NewWords(list ...string) *Words {
	w := &Words{first: map[string][]phrase{}}
	for _, entry := range list {
		entry = strings.TrimSpace(entry)
		ws := listWords(entry)
		if len(ws) == 0 {
			continue
		}
		// The entry is shown (the console, the log) as it is written,
		// but without a bidi control or an invisible character.
		p := phrase{words: ws, text: tribune.CleanText(entry)}
		w.first[ws[0]] = append(w.first[ws[0]], p)
		w.n++
	}
	return w
}

// LoadWords reads a banned-word list: one word or phrase per line, blank
// lines and lines starting with '#' ignored.
func LoadWords(path string) (*Words, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("banned words: %w", err)
	}
	defer f.Close()
	var list []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		list = append(list, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("banned words: read %s: %w", path, err)
	}
	return NewWords(list...), nil
}

// Len returns how many words and phrases the list holds.
func (w *Words) Len() int {
	if w == nil {
		return 0
	}
	return w.n
}

// Find returns the first banned word or phrase of text, as written in the
// list (cleaned by tribune.CleanText). Give it the text as received, not only as cleaned: a right-to-left
// override, which tribune.CleanText drops, is what draws a reversed word
// the right way round.
func (w *Words) Find(text string) (string, bool) {
	if w == nil || w.n == 0 {
		return "", false
	}
	if p, ok := w.find(text); ok {
		return p, true
	}
	if v, ok := visual(text); ok {
		return w.find(v)
	}
	return "", false
}

// find looks for the list in the skeletons of text.
func (w *Words) find(text string) (string, bool) {
	lower, upper := skeletons(text)
	if p, ok := w.findSkeleton(lower); ok {
		return p, true
	}
	if upper != "" {
		return w.findSkeleton(upper)
	}
	return "", false
}

func (w *Words) findSkeleton(s string) (string, bool) {
	var buf [64]span
	sp := spans(s, buf[:0])
	if p, ok := w.findSpans(s, sp); ok {
		return p, true
	}
	if j, ok := joined(s, sp); ok {
		return w.findSpans(j, spans(j, sp[:0]))
	}
	return "", false
}

// findSpans returns the first phrase of the list that the words sp of
// skeleton s hold.
func (w *Words) findSpans(s string, sp []span) (string, bool) {
	for i, x := range sp {
		for _, p := range w.first[s[x.start:x.end]] {
			if len(p.words) > len(sp)-i {
				continue
			}
			match := true
			for k := 1; k < len(p.words); k++ {
				if y := sp[i+k]; s[y.start:y.end] != p.words[k] {
					match = false
					break
				}
			}
			if match {
				return p.text, true
			}
		}
	}
	return "", false
}

// listWords returns the words of a list entry: the words of its lower
// skeleton, without the joining rules (an entry is written plainly).
func listWords(entry string) []string {
	s, _ := skeletons(entry)
	var ws []string
	for _, x := range spans(s, nil) {
		ws = append(ws, s[x.start:x.end])
	}
	return ws
}
