package bot_test

import (
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

// BenchmarkClient measures chat lines through the real go-twitch-irc
// client, from the fake server to the Service: ordinary chat (the hot
// path), and votes from distinct viewers, each committed to SQLite.
func BenchmarkClient(b *testing.B) {
	for _, bc := range []struct {
		name string
		text string
	}{
		{"Chat", "what a great stream, hello from Lyon Kappa"},
		{"Votes", "!vote 1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, envOptions{anonymous: true, service: func(s *tribune.Service) { s.Premoderate = false }})
			openQuestion(b, e, "Will the bench hold?")
			const batch = 20_000
			sent := 0
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				lines := make([]string, batch)
				for k := range lines {
					lines[k] = e.srv.Line(channel, tribunetest.ChatViewer(i*batch+k), bc.text)
				}
				b.StartTimer()
				e.srv.SendLines(channel, lines)
				sent += batch
				for {
					s := e.client.Stats()
					if s.Lines >= uint64(sent) && s.Applied == s.Commands {
						break
					}
					time.Sleep(100 * time.Microsecond)
				}
			}
			b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
