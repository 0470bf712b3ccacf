package tribune

import "strconv"

// userKey identifies a viewer in the Service's maps of votes, reports and
// rate limits, which in a big meeting hold hundreds of thousands of
// entries: keys without pointers make those maps smaller, and the garbage
// collector does not scan them. Twitch user ids are decimal numbers, and
// such an id is its own key, with no table to look it up in (the live heap
// after loading 100 000 questions went from 51 to 38 MB with it); any other
// identity (YouTube, the ask page, a test's) is numbered in a small table,
// with the top bit set so that the two kinds never meet.
type userKey uint64

const namedUser userKey = 1 << 63

// userTable turns identities into keys and back, and keeps what the rate
// limits need of each author.
type userTable struct {
	named map[Identity]userKey // identities that are not Twitch numbers
	names []Identity           // those identities, by key &^ namedUser
	asks  map[userKey]asks     // by author
}

// asks is what the rate limits need to know of one author's questions.
// The time of the last one is its question's: a time of its own here would
// make the map half as big again (24 bytes an author instead of 16), in a
// meeting where nearly every author asks once.
type asks struct {
	latest int32 // id of the author's latest question
	n      int32 // questions in the session
}

func newUserTable(authors int) userTable {
	return userTable{named: map[Identity]userKey{}, asks: make(map[userKey]asks, authors)}
}

// find returns the key of identity id, if it has one: a Twitch number
// always has.
func (u *userTable) find(id Identity) (userKey, bool) {
	if id.Source == SourceTwitch {
		if k, ok := numericID(id.ID); ok {
			return k, true
		}
	}
	k, ok := u.named[id]
	return k, ok
}

// add returns the key of identity id, numbering it if needed.
func (u *userTable) add(id Identity) userKey {
	if k, ok := u.find(id); ok {
		return k
	}
	// A viewer's source is one of a few: the known ones share their
	// string, rather than each viewer keeping the one it came with.
	for _, src := range knownSources {
		if id.Source == src {
			id.Source = src
		}
	}
	k := namedUser | userKey(len(u.names))
	u.named[id] = k
	u.names = append(u.names, id)
	return k
}

// identity returns the identity of key k.
func (u *userTable) identity(k userKey) Identity {
	if k&namedUser == 0 {
		return Identity{Source: SourceTwitch, ID: strconv.FormatUint(uint64(k), 10)}
	}
	return u.names[k&^namedUser]
}

// numericID returns the key of an id written as a decimal number the way
// strconv writes it (no sign, no leading zero), so that identity(k) gives
// the same id back. Eighteen digits stay below namedUser.
func numericID(id string) (userKey, bool) {
	if id == "" || len(id) > 18 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	var n userKey
	for i := 0; i < len(id); i++ {
		c := id[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + userKey(c)
	}
	return n, true
}

var knownSources = [...]string{SourceTwitch, SourceYouTube, SourceWeb, SourceConsole}

// voteKey is the key of a viewer's vote or report on a question.
type voteKey struct {
	user     userKey
	question int32
}

func pair(question int, user userKey) voteKey { return voteKey{user: user, question: int32(question)} }
