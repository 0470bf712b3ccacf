package tribune

import "strconv"

// userKey identifies a chat user in the Service's maps of votes, reports
// and rate limits, which in a big meeting hold hundreds of thousands of
// entries: keys without pointers make them smaller, and the garbage
// collector does not scan them. Twitch user ids are decimal numbers, and
// such an id is its own key, with no table to look it up in; any other id
// (a test's, a future source's) is numbered in a small table, with the top
// bit set so that the two kinds never meet.
type userKey uint64

const namedUser userKey = 1 << 63

// userTable turns user ids into keys and back, and keeps what the rate
// limits need of each author.
type userTable struct {
	named map[string]userKey // ids that are not plain numbers
	names []string           // those ids, by key &^ namedUser
	asks  map[userKey]asks   // by author
}

// asks is what the rate limits need to know of one author's questions.
type asks struct {
	last int64 // wall clock of the last question, Unix nanoseconds
	n    int32 // questions in the session
}

func newUserTable(authors int) userTable {
	return userTable{named: map[string]userKey{}, asks: make(map[userKey]asks, authors)}
}

// find returns the key of user id, if it has one: a number always has.
func (u *userTable) find(id string) (userKey, bool) {
	if k, ok := numericID(id); ok {
		return k, true
	}
	k, ok := u.named[id]
	return k, ok
}

// add returns the key of user id, numbering it if needed.
func (u *userTable) add(id string) userKey {
	if k, ok := u.find(id); ok {
		return k
	}
	k := namedUser | userKey(len(u.names))
	u.named[id] = k
	u.names = append(u.names, id)
	return k
}

// id returns the user id of key k.
func (u *userTable) id(k userKey) string {
	if k&namedUser == 0 {
		return strconv.FormatUint(uint64(k), 10)
	}
	return u.names[k&^namedUser]
}

// numericID returns the key of an id written as a decimal number the way
// strconv writes it (no sign, no leading zero), so that id(k) gives the
// same id back. Eighteen digits stay below namedUser.
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

// voteKey is the key of a user's vote or report on a question.
type voteKey struct {
	user     userKey
	question int32
}

func pair(question int, user userKey) voteKey { return voteKey{user: user, question: int32(question)} }
