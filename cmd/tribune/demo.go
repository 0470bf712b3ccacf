package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/meeting"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/internal/youtubefake"
)

// The demo's simulated platforms: the two Twitch channels of a co-stream
// its chat plays in, and the YouTube broadcast (a video id is 11 characters).
const (
	demoChannel      = "tribune_demo"
	demoPartyChannel = "tribune_party"
	demoVideo        = "tribuneDemo"
)

func (m *Main) runDemo(ctx context.Context, args []string) error {
	var c config
	fs := m.newFlagSet("demo", "tribune demo [flags]\n\nRuns everything in one process with a simulated chat of viewers on a built-in\nTwitch IRC server on loopback: no Twitch account, no network needed. The database\nis a temporary file unless --db is given.")
	c.register(fs)
	console := fs.Bool("console", true, "run the moderation console when standard output is a terminal")
	seed := fs.Uint64("seed", 1, "`seed` of the simulated chat")
	// The demo shows questions flowing without a moderator at hand; first
	// messages are still held, so both paths are visible.
	_ = fs.Set("premoderate", "false")
	_ = fs.Set("channel", demoChannel+","+demoPartyChannel)
	_ = fs.Set("db", "")
	if err := m.parseMeeting(fs, &c, args); err != nil {
		return err
	}
	if c.askURL == "" && !strings.HasSuffix(c.listen, ":0") {
		// The ask card on stream (/overlay/ask) shows the demo's own page.
		c.askURL = "http://" + c.listen + "/ask"
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

	yt, err := youtubefake.Start()
	if err != nil {
		return err
	}
	defer yt.Close()
	// With OAuth, so that the simulated YouTube chat gets its numbers too.
	creds := youtubefake.Credentials{APIKey: "demo-key", ClientID: "demo", ClientSecret: "demo-secret", RefreshToken: "demo-refresh"}
	yt.SetCredentials(creds)
	yt.AddVideo(demoVideo, "demo-live-chat")
	c.youtube, c.youtubeAPI, c.youtubeOAuth = demoVideo, yt.URL, yt.TokenURL()
	c.youtubeCreds = &youtubeCreds{creds.APIKey, creds.ClientID, creds.ClientSecret, creds.RefreshToken}

	startCrowds := func(ctx context.Context, a *meeting.Meeting) {
		// A co-stream: the crowd speaks on every channel, and Twitch's
		// Shared Chat copies part of its lines into the other one.
		go twitchfake.NewCoStream(chat, c.channelList(), *seed).Run(ctx)
		crowd := youtubefake.NewCrowd(yt, demoVideo, *seed+1)
		// YouTube viewers vote for the questions asked on Twitch too.
		crowd.Numbers = func() []int {
			var ids []int
			for _, q := range a.Service.Top(10) {
				ids = append(ids, q.ID)
			}
			return ids
		}
		go crowd.Run(ctx)
		// And viewers with no account anywhere ask and vote on the ask page.
		go ask.NewCrowd(a.URL(), *seed+2).Run(ctx)
	}
	if *console && isTerminal(m.Stdout) {
		return m.runWithConsole(ctx, c, startCrowds)
	}
	a, stop, err := m.openMeeting(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	startCrowds(ctx, a)
	fmt.Fprintf(m.Stderr, "demo: simulated viewers in #%s, on YouTube (%s) and on the ask page\n  overlay:     %s/overlay\n  leaderboard: %s/overlay/top\n  ask page:    %s/ask\n  questions:   curl -H 'Authorization: Bearer %s' %s/api/questions\n  console:     TRIBUNE_API_TOKEN=%s tribune tui --connect %s\n",
		c.channels, demoVideo, a.URL(), a.URL(), a.URL(), a.Token, a.URL(), a.Token, a.URL())
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
