package youtube

import (
	"testing"
	"time"
)

func TestPlanReadInterval(t *testing.T) {
	meeting := plan{perDay: 10_000, reply: 2_000, length: 2 * time.Hour}
	for _, tc := range []struct {
		name    string
		p       plan
		elapsed time.Duration
		u       usage
		want    time.Duration
	}{
		// 8 000 units of reads over two hours: 1 600 calls, one every 4.5 s.
		{"Start", meeting, 0, usage{}, 4500 * time.Millisecond},
		// Read-only: the whole day for reads, one every 3.6 s.
		{"ReadOnly", plan{perDay: 10_000, length: 2 * time.Hour}, 0, usage{}, 3600 * time.Millisecond},
		// On plan at half time: the planned pace.
		{"OnPlan", meeting, time.Hour, usage{reads: 4_000, used: 4_000}, 4500 * time.Millisecond},
		// Half the reads spent in the first quarter: the 4 000 units
		// left over 90 minutes, one every 6.75 s.
		{"AheadOfPlan", meeting, 30 * time.Minute, usage{reads: 4_000, used: 4_000}, 6750 * time.Millisecond},
		// Under plan: never faster than planned.
		{"BehindPlan", meeting, time.Hour, usage{reads: 100, used: 100}, 4500 * time.Millisecond},
		// The reads' share spent with 10 minutes to go: the 100 units
		// the replies left keep reading, one call every 30 s.
		{"ReadsSpent", meeting, 110 * time.Minute, usage{reads: 8_000, replies: 1_900, used: 9_900}, 30 * time.Second},
		// Past the planned end: the planned pace holds.
		{"Overtime", meeting, 3 * time.Hour, usage{reads: 8_000, used: 8_000}, 4500 * time.Millisecond},
		// Units spent earlier today shrink the meeting's budget.
		{"SpentEarlier", plan{perDay: 10_000, start: 5_000, length: 2 * time.Hour}, 0, usage{used: 5_000}, 7200 * time.Millisecond},
		// Nothing left: one call for the rest of the meeting.
		{"Empty", plan{perDay: 10_000, start: 9_999, length: 2 * time.Hour}, 0, usage{used: 9_999}, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.readInterval(tc.elapsed, tc.u); got != tc.want {
				t.Errorf("readInterval = %v, want %v", got, tc.want)
			}
		})
	}
	// A default meeting that polls at the planned pace stays inside its
	// read budget, whatever the server's pollingIntervalMillis.
	reads := 0
	for at := time.Duration(0); at < meeting.length; {
		reads += CostList
		at += meeting.readInterval(at, usage{reads: reads, used: reads})
	}
	if reads > meeting.readBudget() {
		t.Errorf("a two-hour meeting read %d units, budget %d", reads, meeting.readBudget())
	}
}

func TestPlanReplyRate(t *testing.T) {
	p := plan{perDay: 10_000, reply: 2_000, length: 2 * time.Hour}
	// 100 messages over 7 200 s.
	if got, want := p.replyRate(), 100.0/7200; got != want {
		t.Errorf("replyRate = %v, want %v", got, want)
	}
	if got := (plan{perDay: 10_000, length: time.Hour}).replyRate(); got != 0 {
		t.Errorf("no reply budget: replyRate = %v", got)
	}
}

func TestFormatQuota(t *testing.T) {
	for _, tc := range []struct {
		u    usage
		want string
	}{
		{usage{used: 1240, perDay: 10_000}, "quota 1 240/10 000 (12 %)"},
		{usage{used: 0, perDay: 10_000}, "quota 0/10 000 (0 %)"},
		{usage{used: 7999, perDay: 10_000}, "quota 7 999/10 000 (79 %)"},
		{usage{used: 8000, perDay: 10_000}, "quota 8 000/10 000 (80 %) · low quota"},
		{usage{used: 1_000_005, perDay: 1_000_000}, "quota 1 000 005/1 000 000 (100 %) · low quota"},
		{usage{used: 11, perDay: 12}, "quota 11/12 (91 %) · low quota"},
	} {
		if got := formatQuota(tc.u); got != tc.want {
			t.Errorf("formatQuota(%+v) = %q, want %q", tc.u, got, tc.want)
		}
	}
	if got := formatSeconds(4500 * time.Millisecond); got != "4.5 s" {
		t.Errorf("formatSeconds(4.5 s) = %q", got)
	}
	if got := formatSeconds(12400 * time.Millisecond); got != "12 s" {
		t.Errorf("formatSeconds(12.4 s) = %q", got)
	}
}

func TestMeter(t *testing.T) {
	la := pacific
	m := meter{perDay: 100}
	evening := time.Date(2026, 12, 5, 23, 50, 0, 0, la)
	if m.charge(evening, 50, false) {
		t.Error("warned at 50 %")
	}
	if !m.charge(evening, 30, true) {
		t.Error("no warning at 80 %")
	}
	if m.charge(evening, 5, false) {
		t.Error("warned twice")
	}
	if u := m.snapshot(evening); u.used != 85 || u.reads != 55 || u.replies != 30 {
		t.Errorf("usage %+v", u)
	}
	saved, changed := m.save()
	if saved != "2026-12-05 85" || !changed {
		t.Errorf("save() = %q %v", saved, changed)
	}
	if _, changed := m.save(); changed {
		t.Error("changed with nothing charged")
	}
	// Midnight Pacific: a new day.
	after := time.Date(2026, 12, 6, 0, 10, 0, 0, la)
	if u := m.snapshot(after); u.used != 0 {
		t.Errorf("used %d after midnight Pacific, want 0", u.used)
	}
	if !m.charge(after, 80, false) {
		t.Error("no warning on the new day")
	}

	// A restart the same day goes on from the saved count; another day's
	// count is ignored.
	r := meter{perDay: 100}
	r.restore(evening, "2026-12-05 85")
	if u := r.snapshot(evening); u.used != 85 {
		t.Errorf("restored %d, want 85", u.used)
	}
	if r.charge(evening, 1, false) {
		t.Error("warned again after a restart past 80 %")
	}
	old := meter{perDay: 100}
	old.restore(after, "2026-12-05 85")
	for _, bad := range []string{"", "2026-12-06", "2026-12-06 -3", "2026-12-06 x"} {
		old.restore(after, bad)
	}
	if u := old.snapshot(after); u.used != 0 {
		t.Errorf("restored %d from another day or garbage, want 0", u.used)
	}
}
