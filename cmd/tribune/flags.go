package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/tribune-live/tribune"
)

// config holds the flags shared by the commands that run a meeting
// (default, serve, demo).
type config struct {
	channel         string
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

	// Not flags: the demo sets these; otherwise they come from
	// TRIBUNE_TWITCH_USER, TRIBUNE_TWITCH_TOKEN and --banned-words.
	twitchUser, twitchToken string
	extraBannedWords        []string
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.channel, "channel", "", "Twitch `channel` to join (required)")
	fs.StringVar(&c.db, "db", "tribune.db", "SQLite database `file`")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:7350", "`address` of the overlay server and control API")
	fs.StringVar(&c.irc, "irc", "irc.chat.twitch.tv:6697", "Twitch IRC server `address`")
	fs.BoolVar(&c.ircTLS, "irc-tls", true, "connect to the IRC server with TLS")
	fs.StringVar(&c.lang, "lang", "en", "language of chat replies and the overlay: en or fr")
	fs.BoolVar(&c.premoderate, "premoderate", true, "hold viewers' questions until a moderator approves them")
	fs.StringVar(&c.session, "session", "", "start a new session with this `name` (default: continue the open one)")
	fs.IntVar(&c.reportThreshold, "report-threshold", tribune.DefaultReportThreshold, "distinct `reports` that hide a question")
	fs.StringVar(&c.bannedWords, "banned-words", "", "`file` of banned words, one per line")
	fs.StringVar(&c.logFile, "log", "", "write the log to this `file` (default: standard error; tribune.log when a console runs)")
}

func (c *config) validate() error {
	c.channel = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.channel), "#"))
	if c.channel == "" {
		return usageError{"--channel is required"}
	}
	if c.lang != "en" && c.lang != "fr" {
		return usageError{fmt.Sprintf("--lang %q: want en or fr", c.lang)}
	}
	if c.reportThreshold < 1 {
		return usageError{fmt.Sprintf("--report-threshold %d: want 1 or more", c.reportThreshold)}
	}
	return nil
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
