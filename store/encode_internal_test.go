package store

import (
	"testing"
	"time"
)

// TestParseTime reads the form Tribune writes and other RFC 3339 forms (a
// file edited by hand) as the same instant in UTC, equal with == to what
// was written, and refuses what is not a time.
func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     time.Time
	}{
		{"Stored", "2026-11-23T14:05:06.123456789Z", time.Date(2026, 11, 23, 14, 5, 6, 123456789, time.UTC)},
		{"StoredZeroNanos", "2026-01-01T00:00:00.000000000Z", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"LeapDay", "2028-02-29T23:59:59.999999999Z", time.Date(2028, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"Offset", "2026-11-23T15:05:06.123456789+01:00", time.Date(2026, 11, 23, 14, 5, 6, 123456789, time.UTC)},
		{"ShortFraction", "2026-11-23T14:05:06.5Z", time.Date(2026, 11, 23, 14, 5, 6, 5e8, time.UTC)},
		{"ZeroTime", "0001-01-01T00:00:00.000000000Z", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTime(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("parseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"2026-02-30T00:00:00.000000000Z", "2026-13-01T00:00:00.000000000Z", "2026-11-2xT14:05:06Z", "yesterday", ""} {
		if got, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", in, got)
		}
	}
	t.Run("RoundTrip", func(t *testing.T) {
		in := time.Date(2026, 11, 23, 14, 5, 6, 7, time.FixedZone("x", 3600))
		if got, err := parseTime(formatTime(in)); err != nil || got != in.UTC() {
			t.Errorf("parseTime(formatTime(%v))=%v,%v, want %v", in, got, err, in.UTC())
		}
	})
}
