package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/meeting"
	"github.com/tribune-live/tribune/youtube"
)

// config holds the flags shared by the commands that run a meeting
// (default, serve, demo).
type config struct {
	channels        string
	db              string
	listen          string
	irc             string
	ircTLS          bool
	lang            string
	premoderate     bool
	session         string
	reportThreshold int
	bannedWords     string
	logFile         string
	showAuthors     bool

	youtube      string
	youtubeAPI   string
	youtubeOAuth string
	youtubeQuota int

	askListen   string
	askURL      string
	askCode     string
	askIDsPerIP int
	trustProxy  bool

	obs       string
	obsScene  string
	obsSource string

	// Not flags: the demo sets these; otherwise they come from the
	// environment and --banned-words.
	twitchUser, twitchToken string
	youtubeCreds            *youtubeCreds
	extraBannedWords        []string
}

// youtubeCreds are the YouTube API key and OAuth client, which only the
// environment (or the demo) gives.
type youtubeCreds struct{ key, clientID, clientSecret, refreshToken string }

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.channels, "channel", "", "Twitch `channels` to join, comma-separated: one queue for a co-stream")
	fs.StringVar(&c.db, "db", "tribune.db", "SQLite database `file`")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:7350", "`address` of the overlay server and control API")
	fs.StringVar(&c.irc, "irc", "irc.chat.twitch.tv:6697", "Twitch IRC server `address`")
	fs.BoolVar(&c.ircTLS, "irc-tls", true, "connect to the IRC server with TLS")
	fs.StringVar(&c.lang, "lang", "en", "language of chat replies, the overlay and the report: en or fr")
	fs.BoolVar(&c.premoderate, "premoderate", true, "hold viewers' questions until a moderator approves them")
	fs.StringVar(&c.session, "session", "", "start a new session with this `name` (default: continue the open one)")
	fs.IntVar(&c.reportThreshold, "report-threshold", tribune.DefaultReportThreshold, "distinct `reports` that hide a question")
	fs.StringVar(&c.bannedWords, "banned-words", "", "`file` of banned words, one per line")
	fs.StringVar(&c.logFile, "log", "", "write the log to this `file` (default: standard error; tribune.log when a console runs)")
	fs.BoolVar(&c.showAuthors, "show-authors", true, "show authors' names on stream and on the ask page")

	fs.StringVar(&c.youtube, "youtube", "", "YouTube live `video` (id or watch/live URL) whose chat to read")
	fs.StringVar(&c.youtubeAPI, "youtube-api", "https://www.googleapis.com/", "YouTube Data API base `URL`")
	fs.StringVar(&c.youtubeOAuth, "youtube-oauth", "https://oauth2.googleapis.com/token", "OAuth token `URL` for replies in YouTube chat")
	fs.IntVar(&c.youtubeQuota, "youtube-quota", 10000, "YouTube API quota `units` per day")

	fs.StringVar(&c.askListen, "ask-listen", "", "second `address` serving only the ask page, to publish behind a TLS proxy")
	fs.StringVar(&c.askURL, "ask-url", "", "public `URL` of the ask page, shown on stream")
	fs.StringVar(&c.askCode, "ask-code", "", "meeting `code` the ask page requires, shown on stream")
	fs.IntVar(&c.askIDsPerIP, "ask-ids-per-ip", 30, "new ask-page browsers per client address per hour")
	fs.BoolVar(&c.trustProxy, "trust-proxy", false, "take the client address from X-Forwarded-For (behind a reverse proxy)")

	fs.StringVar(&c.obs, "obs", "", "obs-websocket `URL` (ws://127.0.0.1:4455) for on-air automation")
	fs.StringVar(&c.obsScene, "obs-scene", "", "OBS `scene` to switch to while a question is on air")
	fs.StringVar(&c.obsSource, "obs-source", "", "OBS `source` to show while a question is on air")
}

// channelList returns the Twitch channels of --channel, lower case,
// without '#', in order and without repeats.
func (c *config) channelList() []string {
	var out []string
	for _, ch := range strings.Split(c.channels, ",") {
		ch = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ch), "#"))
		if ch != "" && !contains(out, ch) {
			out = append(out, ch)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (c *config) validate() error {
	chans := c.channelList()
	if len(chans) == 0 && c.youtube == "" {
		return usageError{"--channel is required (or --youtube for a meeting on YouTube alone)"}
	}
	if c.youtube != "" {
		if _, err := youtube.ParseVideo(c.youtube); err != nil {
			return usageError{fmt.Sprintf("--youtube: %v", err)}
		}
	}
	for _, ch := range chans {
		if !validChannel(ch) {
			return usageError{fmt.Sprintf("--channel %q: a Twitch channel is 1 to 25 letters, digits or _", ch)}
		}
	}
	if c.lang != "en" && c.lang != "fr" {
		return usageError{fmt.Sprintf("--lang %q: want en or fr", c.lang)}
	}
	if c.reportThreshold < 1 {
		return usageError{fmt.Sprintf("--report-threshold %d: want 1 or more", c.reportThreshold)}
	}
	if c.youtubeQuota < 1 {
		return usageError{fmt.Sprintf("--youtube-quota %d: want 1 or more units a day", c.youtubeQuota)}
	}
	if c.askIDsPerIP < 1 {
		return usageError{fmt.Sprintf("--ask-ids-per-ip %d: want 1 or more", c.askIDsPerIP)}
	}
	return nil
}

// validChannel reports whether ch is a Twitch login.
func validChannel(ch string) bool {
	if len(ch) > 25 {
		return false
	}
	for i := 0; i < len(ch); i++ {
		if b := ch[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// meeting returns the meeting's configuration: the flags and what the
// environment holds.
func (c *config) meeting(m *Main) meeting.Config {
	mc := meeting.Config{
		DB: c.db, Channels: c.channelList(), Listen: c.listen, IRC: c.irc, IRCTLS: c.ircTLS,
		Lang: c.lang, Premoderate: c.premoderate, Session: c.session, ReportThreshold: c.reportThreshold,
		BannedWords: c.bannedWords, ExtraWords: c.extraBannedWords, ShowAuthors: c.showAuthors,
		YouTube: c.youtube, YouTubeAPI: c.youtubeAPI, YouTubeOAuth: c.youtubeOAuth, YouTubeQuota: c.youtubeQuota,
		AskListen: c.askListen, AskURL: c.askURL, AskCode: c.askCode, AskIDsPerIP: c.askIDsPerIP, TrustProxy: c.trustProxy,
		OBS: c.obs, OBSScene: c.obsScene, OBSSource: c.obsSource,
		TwitchUser: c.twitchUser, TwitchToken: c.twitchToken,
		APIToken: m.Getenv("TRIBUNE_API_TOKEN"), OBSPassword: m.Getenv("TRIBUNE_OBS_PASSWORD"),
	}
	if mc.TwitchUser == "" {
		mc.TwitchUser, mc.TwitchToken = m.Getenv("TRIBUNE_TWITCH_USER"), m.Getenv("TRIBUNE_TWITCH_TOKEN")
	}
	yc := c.youtubeCreds
	if yc == nil {
		yc = &youtubeCreds{m.Getenv("TRIBUNE_YOUTUBE_API_KEY"), m.Getenv("TRIBUNE_YOUTUBE_CLIENT_ID"),
			m.Getenv("TRIBUNE_YOUTUBE_CLIENT_SECRET"), m.Getenv("TRIBUNE_YOUTUBE_REFRESH_TOKEN")}
	}
	mc.YouTubeKey, mc.YouTubeClientID, mc.YouTubeClientSecret, mc.YouTubeRefreshToken = yc.key, yc.clientID, yc.clientSecret, yc.refreshToken
	return mc
}

// newFlagSet returns a flag set whose usage text starts with synopsis.
func (m *Main) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: %s\n\nFlags (each also read from TRIBUNE_<NAME>):\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse reads flags from the environment (TRIBUNE_<NAME>, dashes as
// underscores), then from args, which win.
func (m *Main) parse(fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "TRIBUNE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := m.Getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = usageError{fmt.Sprintf("%s=%q: %v", name, v, err)}
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
