package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseTime checks the fast path against time.Parse: the same instant
// for every form Tribune writes, and the same answer for forms it does not.
func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"Stored", "2026-11-23T14:05:06.123456789Z", true},
		{"StoredZeroNanos", "2026-01-01T00:00:00.000000000Z", true},
		{"LeapDay", "2028-02-29T23:59:59.999999999Z", true},
		{"Offset", "2026-11-23T15:05:06.123456789+01:00", true},
		{"ShortFraction", "2026-11-23T14:05:06.5Z", true},
		{"ErrFebruary30", "2026-02-30T00:00:00.000000000Z", false},
		{"ErrMonth13", "2026-13-01T00:00:00.000000000Z", false},
		{"ErrLetters", "2026-11-2xT14:05:06.123456789Z", false},
		{"ErrEmpty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTime(tc.in)
			want, werr := time.Parse(time.RFC3339Nano, tc.in)
			if (err == nil) != tc.ok || (werr == nil) != tc.ok {
				t.Fatalf("parseTime(%q) err=%v, time.Parse err=%v, want ok=%v", tc.in, err, werr, tc.ok)
			}
			if tc.ok && (!got.Equal(want) || got.Location() != time.UTC) {
				t.Errorf("parseTime(%q)=%v, want %v in UTC", tc.in, got, want.UTC())
			}
		})
	}
	t.Run("RoundTrip", func(t *testing.T) {
		in := time.Date(2026, 11, 23, 14, 5, 6, 7, time.FixedZone("x", 3600))
		if got, err := parseTime(formatTime(in)); err != nil || got != in.UTC() {
			t.Errorf("parseTime(formatTime(%v))=%v,%v, want %v", in, got, err, in.UTC())
		}
	})
}

// TestParseStoredTimeCalendar checks the fast path's calendar against
// time.Parse over every year it can read: the same instant for each valid
// date (leap years, century years, year 0 included), a refusal for each
// invalid one, and instants at random.
func TestParseStoredTimeCalendar(t *testing.T) {
	check := func(s string) {
		t.Helper()
		got, ok := parseStoredTime(s)
		want, err := time.Parse(time.RFC3339Nano, s)
		if ok != (err == nil) {
			t.Fatalf("parseStoredTime(%q) ok=%v, time.Parse err=%v", s, ok, err)
		}
		if ok && got != want.UTC() {
			t.Fatalf("parseStoredTime(%q)=%v, want %v", s, got, want.UTC())
		}
	}
	for year := 0; year <= 9999; year++ {
		for _, md := range []string{"01-01", "02-28", "02-29", "02-30", "03-01", "04-30", "04-31", "12-31", "12-32", "00-10", "13-01"} {
			check(fmt.Sprintf("%04d-%sT23:59:59.999999999Z", year, md))
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const first, last = -62167219200, 253402300799 // 0000-01-01, 9999-12-31T23:59:59
	for range 100_000 {
		check(time.Unix(first+r.Int64N(last-first+1), r.Int64N(1e9)).UTC().Format(timeFormat))
	}
}
