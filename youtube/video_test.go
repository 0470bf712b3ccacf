package youtube_test

import (
	"strings"
	"testing"

	"github.com/tribune-live/tribune/youtube"
)

func TestParseVideo(t *testing.T) {
	const id = "dQw4w9WgXcQ"
	for _, in := range []string{
		id,
		"  " + id + "\n",
		"https://www.youtube.com/watch?v=" + id,
		"https://www.youtube.com/watch?feature=share&v=" + id + "&t=42s",
		"http://youtube.com/watch?v=" + id,
		"https://m.youtube.com/watch?v=" + id,
		"www.youtube.com/watch?v=" + id,
		"https://www.youtube.com/live/" + id,
		"https://www.youtube.com/live/" + id + "?si=abc",
		"youtube.com/live/" + id,
		"https://youtu.be/" + id,
		"https://youtu.be/" + id + "?t=10",
		"youtu.be/" + id,
		"https://www.youtube.com/shorts/" + id,
		"https://WWW.YouTube.com/watch?v=" + id,
		"-_abcDEF012",
	} {
		want := id
		if strings.Contains(in, "-_abc") {
			want = "-_abcDEF012"
		}
		got, err := youtube.ParseVideo(in)
		if err != nil || got != want {
			t.Errorf("ParseVideo(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "no video given"},
		{"dQw4w9WgXc", "not a video"},   // 10 characters
		{"dQw4w9WgXcQQ", "not a video"}, // 12
		{"dQw4w9WgX!Q", "not a video"},
		{"https://vimeo.com/123456", "not a youtube.com or youtu.be address"},
		{"https://www.youtube.com.evil.example/watch?v=" + id, "not a youtube.com or youtu.be address"},
		{"https://www.youtube.com/watch?v=short", "?v="},
		{"https://www.youtube.com/watch", "?v="},
		{"https://www.youtube.com/@mairie/live", "channel's page"},
		{"https://www.youtube.com/channel/UC123/live", "channel's page"},
		{"https://www.youtube.com/live/", "after /live/"},
		{"https://youtu.be/", "youtu.be link"},
		{"https://www.youtube.com/playlist?list=PL123", "watch, live, shorts or youtu.be URL"},
		{"ftp://youtu.be/" + id, "not a video"},
		{"javascript:alert(1)", "not a video"},
		{strings.Repeat("x", 500), "…"},
	} {
		got, err := youtube.ParseVideo(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseVideo(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.want)
			continue
		}
		if len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("ParseVideo(%.20q…): error is not one short line: %q", tc.in, err)
		}
	}
}
