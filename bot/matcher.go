package bot

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	tribune "github.com/tribune-live/tribune"
)

var _ tribune.Matcher = (*Matcher)(nil)

// DefaultThreshold is the Jaccard similarity of two questions' key-word
// sets from which the second is taken as a repeat of the first.
const DefaultThreshold = 0.7

// Matcher finds near-duplicate questions. It implements tribune.Matcher.
//
// A question is reduced to its key words: folded (accents and case
// removed), without French and English stop words, crudely stemmed (plural
// ending dropped, long words cut to their first letters) so that "transport"
// and "transports", "impôt" and "impots" meet. Two questions match when the
// Jaccard similarity of their key-word sets reaches Threshold, with guards
// against false merges of short or opposite questions:
//   - questions of one or two key words match only an identical set;
//   - a number or a negation present in one and not the other prevents a
//     match ("taxes in 2025" vs "in 2026", "will you" vs "will you not").
//
// An inverted index (key word → questions) keeps Match fast with many open
// questions: only questions that share one of the rarest key words of the
// text can reach the threshold, and only those are compared.
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	// Threshold is the similarity (0–1] from which texts match;
	// DefaultThreshold by default. Set it before first use.
	Threshold float64

	mu    sync.Mutex
	dict  map[string]tok // every key word seen, numbered
	post  [][]*doc       // key word number → questions that have it; dead ones removed lazily
	docs  map[int]*doc
	epoch uint32
}

// tok numbers a key word. Numbers of critical key words (negations,
// numbers) have critBit set, so that comparisons test a bit, not a string.
type tok uint32

const critBit tok = 1 << 31

type doc struct {
	id   int
	toks []tok // sorted, unique
	dead bool
	seen uint32 // epoch of the last Match that looked at it
}

// NewMatcher returns an empty Matcher with DefaultThreshold.
func NewMatcher() *Matcher {
	return &Matcher{Threshold: DefaultThreshold, dict: map[string]tok{}, docs: map[int]*doc{}}
}

// Add indexes question id with its text, replacing what id had.
func (m *Matcher) Add(id int, text string) {
	kw := keyWords(text)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeLocked(id)
	toks := make([]tok, len(kw))
	for i, w := range kw {
		t, ok := m.dict[w]
		if !ok {
			t = tok(len(m.post))
			m.post = append(m.post, nil)
			if critical(w) {
				t |= critBit
			}
			m.dict[w] = t
		}
		toks[i] = t
	}
	slices.Sort(toks)
	d := &doc{id: id, toks: toks}
	m.docs[id] = d
	for _, t := range toks {
		m.post[t&^critBit] = append(m.post[t&^critBit], d)
	}
}

// Remove forgets question id.
func (m *Matcher) Remove(id int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeLocked(id)
}

func (m *Matcher) removeLocked(id int) {
	if d, ok := m.docs[id]; ok {
		d.dead = true
		delete(m.docs, id)
	}
}

// Len returns how many questions are indexed.
func (m *Matcher) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.docs)
}

// Match returns the indexed question that text repeats: the most similar
// one, the oldest (smallest id) among equals.
func (m *Matcher) Match(text string) (int, bool) {
	kw := keyWords(text)
	if len(kw) == 0 {
		return 0, false
	}
	th := m.Threshold
	if th <= 0 || th > 1 {
		th = DefaultThreshold
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := make([]tok, 0, len(kw))
	unknown := 0 // key words no question has: they only count in the size of text's set
	for _, w := range kw {
		t, ok := m.dict[w]
		if !ok {
			if critical(w) {
				return 0, false // a number or negation no question has
			}
			unknown++
			continue
		}
		a = append(a, t)
	}
	size := len(a) + unknown
	// A match shares at least need key words with text, so it has one of
	// any size-need+1 of them: look only at the rarest known ones.
	need := size
	if size > 2 {
		need = int(math.Ceil(th*float64(size) - 1e-9))
	}
	if need > len(a) {
		return 0, false
	}
	order := slices.Clone(a)
	slices.SortFunc(order, func(x, y tok) int { return len(m.post[x&^critBit]) - len(m.post[y&^critBit]) })
	slices.Sort(a)
	m.epoch++
	best, bestScore := 0, -1.0
	for _, t := range order[:len(a)-need+1] {
		list := m.post[t&^critBit]
		dead := 0
		for _, d := range list {
			if d.dead {
				dead++
				continue
			}
			if d.seen == m.epoch {
				continue
			}
			d.seen = m.epoch
			if s, ok := similarity(a, unknown, d.toks, th); ok && (s > bestScore || s == bestScore && d.id < best) {
				best, bestScore = d.id, s
			}
		}
		if dead > 0 && dead*2 >= len(list) {
			m.post[t&^critBit] = slices.DeleteFunc(list, func(d *doc) bool { return d.dead })
		}
	}
	return best, bestScore >= 0
}

// Similar reports whether b would be taken as a repeat of a, with the
// default threshold. It is what Match applies to each candidate.
func Similar(a, b string) bool {
	m := NewMatcher()
	m.Add(1, a)
	_, ok := m.Match(b)
	return ok
}

// similarity returns the Jaccard similarity of two key-word sets and
// whether it makes them a match. a and b are sorted; extra counts further
// key words of a that b cannot have (unknown to the index, not critical).
func similarity(a []tok, extra int, b []tok, th float64) (float64, bool) {
	na, nb := len(a)+extra, len(b)
	if na == 0 || nb == 0 {
		return 0, false
	}
	if (na <= 2 || nb <= 2) && na != nb {
		return 0, false
	}
	if small, large := min(na, nb), max(na, nb); float64(small) < th*float64(large)-1e-9 {
		return 0, false
	}
	inter := 0
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			if a[i]&critBit != 0 {
				return 0, false
			}
			i++
		case i == len(a) || b[j] < a[i]:
			if b[j]&critBit != 0 {
				return 0, false
			}
			j++
		default:
			inter++
			i++
			j++
		}
	}
	s := float64(inter) / float64(na+nb-inter)
	if na <= 2 {
		return s, inter == na // identical sets only
	}
	return s, s >= th-1e-9
}

// negation is the key word every negation becomes, so that "not", "never"
// and "pas" count as the same difference.
const negation = "not"

// critical reports key words whose presence on one side only changes the
// meaning: negations and numbers.
func critical(t string) bool {
	if t == negation {
		return true
	}
	for i := 0; i < len(t); i++ {
		if '0' <= t[i] && t[i] <= '9' {
			return true
		}
	}
	return false
}

// keyWords returns the sorted, unique key words of text.
func keyWords(text string) []string {
	ws := words(fold(text))
	out := make([]string, 0, len(ws))
	for i, w := range ws {
		switch {
		case negations[w]:
			out = append(out, negation)
		case w == "t" && i > 0 && strings.HasSuffix(ws[i-1], "n"):
			out = append(out, negation) // don't, can't, won't: "don" "t"
		case stopWords[w]:
		case utf8.RuneCountInString(w) == 1 && !isDigit(w[0]):
		default:
			out = append(out, stem(w))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// stemLen is how many letters of a long word are kept: enough to tell
// most words apart ("police", "policy"), few enough that "transport" and
// "transportation", "ouvrir" and "ouvrira", "termine" and "terminer" meet.
const stemLen = 6

// stem reduces a folded word to a crude stem shared by English and French
// inflections: plural endings dropped ("cities" → "city", "taxes" → "tax"),
// English "-ing" and "-ed" dropped ("running" → "run"), a final "e"
// dropped, then the word cut to stemLen letters. Numbers are kept whole.
// It is crude on purpose: both sides of a comparison go through it, so it
// only has to map related forms together, not to find real stems.
func stem(w string) string {
	if isDigit(w[0]) {
		return w
	}
	n := utf8.RuneCountInString(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	case n > 3 && strings.HasSuffix(w, "x"):
		w = w[:len(w)-1]
	}
	n = utf8.RuneCountInString(w)
	switch {
	case n >= 6 && strings.HasSuffix(w, "ing"):
		w = undouble(w[:len(w)-3])
	case n >= 5 && strings.HasSuffix(w, "ed"):
		w = undouble(w[:len(w)-2])
	}
	if utf8.RuneCountInString(w) >= 4 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	if utf8.RuneCountInString(w) > stemLen {
		i, k := 0, 0
		for k < stemLen {
			_, size := utf8.DecodeRuneInString(w[i:])
			i += size
			k++
		}
		w = w[:i]
	}
	return w
}

// undouble drops the second of two equal final consonants, as English
// doubles them before "-ing" and "-ed" ("running", "planned"); "ll", "ss"
// and "zz" stay ("filling", "passed").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && strings.IndexByte("bdfgmnprt", w[n-1]) >= 0 {
		return w[:n-1]
	}
	return w
}

// negations, folded, in English and French. "n't" is handled apart.
var negations = setOf(`not no never nor without against none neither nothing
	pas ne ni jamais sans contre aucun aucune rien non`)

// stopWords, folded, in English and French: words that carry no topic, and
// the verbs and politeness of questions addressed to a guest ("what do you
// plan to do about…", "pouvez-vous nous dire…").
var stopWords = setOf(`
	a an the this that these those there here it its
	is are was were be been being am do does did doing done have has had having
	will would shall should can could may might must
	don doesn didn isn aren wasn weren won wouldn shouldn couldn haven hasn hadn
	i me my mine we us our ours you your yours he him his she her hers they them their theirs
	what which who whom whose when where why how
	of in on at to for from by with about as into onto over under up down out off
	and or but if so than then too very just also only even still yet
	any some all each every more most much many such own same other another
	going go get got gets make makes made want wants think thinks know tell say said
	please thanks thank hi hello hey ok okay yes
	plan plans planning intend intending regarding concerning
	le la les l un une des du de d et ou mais donc or car
	au aux en dans par pour sur sous avec chez vers entre
	ce cet cette ces ca cela ceci c ci qui que qu quoi quel quelle quels quelles dont lequel laquelle
	quand comment pourquoi combien
	est sont etre ete sera seront serait seraient etait etaient suis es sommes etes
	ai as avez avons ont avait avaient aura auront aurait avoir eu
	je j tu il elle on nous vous ils elles me m te t se s lui leur leurs
	mon ma mes ton ta tes son sa ses notre nos votre vos y
	faire fait faites fais font ferez ferons allez aller va vont vais allons irez
	comptez compte comptes pensez pense penser pouvez peut peux pourrait pourriez pourra
	doit devez doivent devrait voulez veut veux dire dites
	plus moins tres bien aussi encore alors deja tout tous toute toutes
	merci bonjour salut svp stp oui
	monsieur madame
`)

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}
