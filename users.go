package tribune

// userTable numbers the chat users of a session (by Twitch user id), so
// that the sets of votes and reports are maps of plain numbers: a big
// meeting holds hundreds of thousands of votes, and a map whose keys hold
// no pointers is half the size and is not scanned by the garbage collector.
type userTable struct {
	numbers map[string]uint32
	asks    []asks // by number: what the rate limits need of each author
}

// asks is what the rate limits need to know of one author's questions.
type asks struct {
	last int64 // wall clock of the last question, Unix nanoseconds
	n    int32 // questions in the session
}

func newUserTable(capacity int) userTable {
	return userTable{numbers: make(map[string]uint32, capacity), asks: make([]asks, 0, capacity)}
}

// find returns the number of user id, if it has one.
func (u *userTable) find(id string) (uint32, bool) {
	n, ok := u.numbers[id]
	return n, ok
}

// add returns the number of user id, numbering it if needed.
func (u *userTable) add(id string) uint32 {
	if n, ok := u.numbers[id]; ok {
		return n
	}
	n := uint32(len(u.asks))
	u.numbers[id] = n
	u.asks = append(u.asks, asks{})
	return n
}

// ids returns the user id of each number in numbers. It walks every user:
// only merges, which are rare, need it.
func (u *userTable) ids(numbers []uint32) map[uint32]string {
	want := make(map[uint32]string, len(numbers))
	for _, n := range numbers {
		want[n] = ""
	}
	for id, n := range u.numbers {
		if _, ok := want[n]; ok {
			want[n] = id
		}
	}
	return want
}

// pair is the key of a user's vote or report on a question.
func pair(question int, user uint32) uint64 { return uint64(uint32(question))<<32 | uint64(user) }

// pairQuestion returns the question of a pair.
func pairQuestion(k uint64) int { return int(k >> 32) }

// pairUser returns the user number of a pair.
func pairUser(k uint64) uint32 { return uint32(k) }
