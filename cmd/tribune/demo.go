package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tribune-live/tribune/internal/twitchfake"
)

// demoChannel is the channel the simulated chat plays in.
const demoChannel = "tribune_demo"

func (m *Main) runDemo(ctx context.Context, args []string) error {
	var c config
	fs := m.newFlagSet("demo", "tribune demo [flags]\n\nRuns everything in one process with a simulated chat of viewers on a built-in\nTwitch IRC server on loopback: no Twitch account, no network needed. The database\nis a temporary file unless --db is given.")
	c.register(fs)
	console := fs.Bool("console", true, "run the moderation console when standard output is a terminal")
	seed := fs.Uint64("seed", 1, "`seed` of the simulated chat")
	// The demo shows questions flowing without a moderator at hand; first
	// messages are still held, so both paths are visible.
	_ = fs.Set("premoderate", "false")
	_ = fs.Set("channel", demoChannel)
	_ = fs.Set("db", "")
	if err := m.parseMeeting(fs, &c, args); err != nil {
		return err
	}
	if c.db == "" {
		dir, err := os.MkdirTemp("", "tribune-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer os.RemoveAll(dir)
		c.db = filepath.Join(dir, "demo.db")
	}
	chat, err := twitchfake.Start()
	if err != nil {
		return err
	}
	defer chat.Close()
	c.irc, c.ircTLS = chat.Addr(), false
	// The built-in server accepts any login: the bot replies in the
	// simulated chat as it would on Twitch, and the trolls' words are banned.
	c.twitchUser, c.twitchToken = "tribune_bot", "oauth:demo"
	c.extraBannedWords = twitchfake.DemoBannedWords
	startCrowd := func(ctx context.Context) {
		go twitchfake.NewCrowd(chat, c.channelList()[0], *seed).Run(ctx)
	}
	if *console && isTerminal(m.Stdout) {
		return m.runWithConsole(ctx, c, startCrowd)
	}
	a, stop, err := m.openMeeting(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	startCrowd(ctx)
	fmt.Fprintf(m.Stderr, "demo: simulated chat in #%s\n  overlay:     %s/overlay\n  leaderboard: %s/overlay/top\n  questions:   curl -H 'Authorization: Bearer %s' %s/api/questions\n  console:     TRIBUNE_API_TOKEN=%s tribune tui --connect %s\n",
		c.channels, a.URL(), a.URL(), a.Token, a.URL(), a.Token, a.URL())
	<-ctx.Done()
	return nil
}

// isTerminal reports whether w is a terminal, where a console can run.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
