package youtube

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Quota costs of the calls the source makes, in units, as Google documents
// them (developers.google.com/youtube/v3/determine_quota_cost, and each
// method's "Quota impact", read 2026-12).
const (
	CostVideos = 1  // videos.list
	CostList   = 5  // liveChatMessages.list
	CostStream = 5  // liveChatMessages.streamList, once per connection
	CostInsert = 20 // liveChatMessages.insert: one reply message
)

// Defaults of the quota plan.
const (
	DefaultQuotaPerDay   = 10_000
	DefaultMeetingLength = 2 * time.Hour
	// DefaultReplyShare is the share of the day's quota kept for replies
	// when the source may reply: 2 000 of 10 000 units, 100 messages.
	DefaultReplyShare = 0.2
	// WarnAt is the share of the day's quota at which the source warns.
	WarnAt = 0.8
	// replyBurst is how many reply messages may leave at once before the
	// plan's pace holds.
	replyBurst = 3
)

// pacific is where the quota's day begins and ends: it resets at midnight
// Pacific Time. Without the time zone database the source counts from
// UTC−8, an hour off in summer, on the safe side of the reset.
var pacific = func() *time.Location {
	if loc, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return loc
	}
	return time.FixedZone("PST", -8*3600)
}()

// quotaDay returns the quota day of t: its date in Pacific Time.
func quotaDay(t time.Time) string { return t.In(pacific).Format(time.DateOnly) }

// meter counts the units the source spent today. It is safe for
// concurrent use: the reader and the replier both charge it.
type meter struct {
	mu      sync.Mutex
	perDay  int
	day     string
	used    int // today, every call
	reads   int // this run, reads
	replies int // this run, replies
	warned  bool
	dirty   bool // changed since it was saved
}

// charge adds units spent at now by a read or a reply, and reports
// whether the day's use just crossed WarnAt.
func (m *meter) charge(now time.Time, units int, reply bool) (warn bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollLocked(now)
	m.used += units
	if reply {
		m.replies += units
	} else {
		m.reads += units
	}
	m.dirty = true
	if !m.warned && float64(m.used) >= WarnAt*float64(m.perDay) {
		m.warned = true
		return true
	}
	return false
}

// rollLocked starts a new day's count when the quota day has changed.
func (m *meter) rollLocked(now time.Time) {
	if d := quotaDay(now); d != m.day {
		if m.day != "" {
			m.used, m.warned = 0, false
		}
		m.day = d
	}
}

// usage is a snapshot of the meter.
type usage struct {
	used, perDay   int
	reads, replies int
}

func (m *meter) snapshot(now time.Time) usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollLocked(now)
	return usage{used: m.used, perDay: m.perDay, reads: m.reads, replies: m.replies}
}

// restore adds the units a previous run spent today, as saved.
func (m *meter) restore(now time.Time, saved string) {
	day, n, ok := strings.Cut(saved, " ")
	units, err := strconv.Atoi(n)
	if !ok || err != nil || units < 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollLocked(now)
	if day == m.day {
		m.used += units
		m.warned = float64(m.used) >= WarnAt*float64(m.perDay)
	}
}

// save returns the meter as a setting ("2026-12-05 1240") and whether it
// changed since the last save.
func (m *meter) save() (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := m.dirty
	m.dirty = false
	return m.day + " " + strconv.Itoa(m.used), changed
}

// plan spreads the day's quota over the meeting: reads never closer than
// the read budget allows for the meeting's length, replies within their
// own budget.
type plan struct {
	perDay int
	start  int // units already spent today when the meeting began
	reply  int // units kept for replies
	length time.Duration
}

// readBudget is what reads may spend in the meeting.
func (p plan) readBudget() int { return max(p.perDay-p.start-p.reply, 0) }

// readInterval returns the shortest spacing between two read calls that
// keeps the meeting inside the day's budget: the meeting's length over the
// calls the read budget pays for, or, when reads spent more than planned
// (drops, reconnections), what is left over the time left. Past the
// meeting's planned end the planned pace holds.
func (p plan) readInterval(elapsed time.Duration, u usage) time.Duration {
	budget := p.readBudget()
	if budget < CostList {
		return p.length
	}
	iv := spread(p.length, budget)
	left := p.length - elapsed
	if left <= 0 {
		return iv
	}
	units := budget - u.reads
	if units < CostList {
		// The reads' share is spent: what remains of the day (the
		// replies' share included) keeps the meeting going.
		units = p.perDay - u.used
	}
	if units < CostList {
		return left
	}
	return max(iv, spread(left, units))
}

// spread returns the spacing of read calls that spends units over d.
func spread(d time.Duration, units int) time.Duration {
	return time.Duration(int64(d) * CostList / int64(units))
}

// replyRate returns how many reply messages a second the reply budget
// pays for over the meeting.
func (p plan) replyRate() float64 {
	if p.reply < CostInsert || p.length <= 0 {
		return 0
	}
	return float64(p.reply) / CostInsert / p.length.Seconds()
}

// formatUnits writes n with a space between thousands ("10 000").
func formatUnits(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formatQuota writes the meter for a status line:
// "quota 1 240/10 000 (12 %)", and " · low quota" from WarnAt on.
func formatQuota(u usage) string {
	pct := 0
	if u.perDay > 0 {
		pct = u.used * 100 / u.perDay
	}
	s := "quota " + formatUnits(u.used) + "/" + formatUnits(u.perDay) + " (" + strconv.Itoa(pct) + " %)"
	if float64(u.used) >= WarnAt*float64(u.perDay) {
		s += " · low quota"
	}
	return s
}

// formatSeconds writes a polling interval for a status line: "every 4.5 s".
func formatSeconds(d time.Duration) string {
	if d < 10*time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + " s"
}
