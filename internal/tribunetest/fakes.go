package tribunetest

// The fake platforms, started for one test on loopback ports and stopped
// when it ends.

import (
	"testing"

	"github.com/tribune-live/tribune/internal/obsfake"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/internal/youtubefake"
)

// StartTwitch starts a fake Twitch chat server, closed when the test
// ends.
func StartTwitch(tb testing.TB) *twitchfake.Server {
	tb.Helper()
	srv, err := twitchfake.Start()
	if err != nil {
		tb.Fatalf("start the fake Twitch chat: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// StartYouTube starts a fake YouTube Data API, closed when the test ends;
// the test adds its videos and credentials.
func StartYouTube(tb testing.TB) *youtubefake.Server {
	tb.Helper()
	srv, err := youtubefake.Start()
	if err != nil {
		tb.Fatalf("start the fake YouTube API: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// StartOBS starts a fake OBS whose scene collection is scenes with
// program on air, asking for password ("" for none); it is killed when
// the test ends.
func StartOBS(tb testing.TB, password, program string, scenes ...obsfake.Scene) *obsfake.Server {
	tb.Helper()
	fake := obsfake.New(program, scenes...)
	fake.Password = password
	if err := fake.Start(); err != nil {
		tb.Fatalf("start the fake OBS: %v", err)
	}
	tb.Cleanup(fake.Kill)
	return fake
}
