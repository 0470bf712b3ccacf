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
// whatever their accents and case ("CONNARD", "cônnard" and "connard" are
// the same word), and phrases as consecutive words whatever the spaces and
// signs between them. It is read-only once built, so safe for concurrent
// use.
type Words struct {
	// first maps a phrase's first folded word to the phrases that start
	// with it.
	first map[string][]phrase
	n     int
}

type phrase struct {
	words []string // folded
	text  string   // as written in the list
}

// NewWords returns a filter for the given words and phrases. Entries
// without any letter or digit are ignored.
func NewWords(list ...string) *Words {
	w := &Words{first: map[string][]phrase{}}
	for _, entry := range list {
		entry = strings.TrimSpace(entry)
		ws := words(fold(entry))
		if len(ws) == 0 {
			continue
		}
		w.first[ws[0]] = append(w.first[ws[0]], phrase{words: ws, text: entry})
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
// list.
func (w *Words) Find(text string) (string, bool) {
	if w == nil || w.n == 0 {
		return "", false
	}
	ws := words(fold(text))
	for i, word := range ws {
		for _, p := range w.first[word] {
			if len(p.words) > len(ws)-i {
				continue
			}
			match := true
			for k := 1; k < len(p.words); k++ {
				if ws[i+k] != p.words[k] {
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
