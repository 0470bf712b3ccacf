package youtube

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ParseVideo reads what --youtube takes: a video id (11 characters of
// [A-Za-z0-9_-]) or the URL of a video's watch, live, shorts or youtu.be
// page (with or without https://, www. or m.). It returns the video id,
// or an error that says what it expects.
func ParseVideo(s string) (id string, err error) {
	s = strings.TrimSpace(s)
	if validID(s) {
		return s, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("youtube: %s is not a video: %s", quote(s), why)
	}
	if s == "" {
		return "", fmt.Errorf("youtube: no video given: want a video id (11 characters) or its watch, live, shorts or youtu.be URL")
	}
	raw := s
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", bad("want a video id (11 characters of letters, digits, - and _) or its watch, live, shorts or youtu.be URL")
	}
	host := strings.ToLower(u.Hostname())
	path := strings.Trim(u.EscapedPath(), "/")
	switch host {
	case "youtu.be", "www.youtu.be":
		if validID(path) {
			return path, nil
		}
		return "", bad("a youtu.be link has the video id after the slash")
	case "youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com":
	default:
		return "", bad("not a youtube.com or youtu.be address")
	}
	if path == "watch" {
		if v := u.Query().Get("v"); validID(v) {
			return v, nil
		}
		return "", bad("a watch URL has the video id in ?v=")
	}
	kind, rest, _ := strings.Cut(path, "/")
	switch kind {
	case "live", "shorts":
		if validID(rest) {
			return rest, nil
		}
		return "", bad("a /" + kind + "/ URL has the video id after /" + kind + "/")
	}
	if strings.HasPrefix(kind, "@") || kind == "channel" || kind == "c" {
		return "", bad("that is a channel's page, not a broadcast; open the live video and use its own URL")
	}
	return "", bad("want a watch, live, shorts or youtu.be URL")
}

// validID reports whether s has the form of a YouTube video id.
func validID(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// quote shows input in an error: quoted, control characters escaped, and
// cut when long, so that an error line stays one short line.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		s = string(r[:80]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
