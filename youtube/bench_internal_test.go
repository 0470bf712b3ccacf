package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/youtubewire"
	"github.com/tribune-live/tribune/match"
)

// streamBody returns a stream body of n chat messages in items of 500, as
// liveChat/messages/stream sends them: seven in ten are votes for
// questions 1 to 5, one in ten a question, two plain chat; every message
// has its own id and viewer (round makes them new in each round).
func streamBody(round, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for start := 0; start < n; start += 500 {
		resp := youtubewire.LiveChatMessageListResponse{
			Kind: "youtube#liveChatMessageListResponse", NextPageToken: fmt.Sprintf("tok-%d-%d", round, start),
			PageInfo: &youtubewire.PageInfo{TotalResults: 500, ResultsPerPage: 500},
		}
		for i := start; i < min(n, start+500); i++ {
			var text string
			switch k := i % 10; {
			case k == 0:
				text = fmt.Sprintf("!q Will district %d get its %dth bus line before winter %d?", i, round+7, 2027+i%50)
			case k <= 7:
				text = fmt.Sprintf("!vote %d", 1+i%5)
			default:
				text = "bonsoir de Lyon, super direct"
			}
			channel := fmt.Sprintf("UCbench%06d%011d", round+1, i)
			resp.Items = append(resp.Items, &youtubewire.LiveChatMessage{
				Kind: "youtube#liveChatMessage", ID: fmt.Sprintf("LCC.bench.%d.%d", round, i),
				Snippet: &youtubewire.LiveChatMessageSnippet{
					Type: "textMessageEvent", LiveChatID: "benchchat", AuthorChannelID: channel,
					PublishedAt: "2026-12-05T19:00:00.000Z", HasDisplayContent: true, DisplayMessage: text,
					TextMessageDetails: &youtubewire.LiveChatTextMessageDetails{MessageText: text},
				},
				AuthorDetails: &youtubewire.LiveChatMessageAuthorDetails{
					ChannelID: channel, ChannelURL: "http://www.youtube.com/channel/" + channel,
					DisplayName: fmt.Sprintf("Viewer %d", i), ProfileImageURL: "https://yt3.ggpht.example/" + channel,
				},
			})
		}
		b, _ := json.Marshal(resp)
		if start > 0 {
			buf.WriteString(",\n")
		}
		buf.Write(b)
	}
	buf.WriteString("\n]\n")
	return buf.Bytes()
}

// BenchmarkStream measures chat messages a second through the stream
// decoder into the Service (commands applied and committed to SQLite by
// the source's workers), against the same messages decoded by a bare loop
// in the same run (the ceiling), and reports the ratio.
func BenchmarkStream(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := tribunetest.OpenService(b, "bench", func(s *tribune.Service) {
		s.Premoderate = false
		s.Matcher = match.NewMatcher()
	})
	for i := 1; i <= 5; i++ {
		a := tribune.Actor{Source: tribune.SourceWeb, UserID: fmt.Sprintf("author%d", i), DisplayName: "Author"}
		if _, err := svc.Ask(ctx, a, fmt.Sprintf("Opening question number %d about topic %c?", i, 'a'+i)); err != nil {
			b.Fatal(err)
		}
	}
	src := NewSource(svc, "jNQXAC9IVRw")
	src.Logger = slog.New(slog.DiscardHandler)
	src.defaults()
	src.videoID, src.chatID = "jNQXAC9IVRw", "benchchat"
	r := newRun(ctx, src)
	workers := r.startWorkers(ctx)
	defer func() {
		cancel()
		workers.Wait()
	}()

	const perRound = 10_000
	count := func(resp *youtubewire.LiveChatMessageListResponse) error { return nil }
	apply := func(resp *youtubewire.LiveChatMessageListResponse) error {
		r.apply(resp)
		return nil
	}
	var ceiling time.Duration // the bare loop's time, round by round
	sent := 0
	for round := 0; b.Loop(); round++ {
		// The ceiling is measured on the same bytes, in each round, so
		// that both see the same load on a shared machine.
		b.StopTimer()
		body := streamBody(round, perRound)
		runtime.GC()
		start := time.Now()
		if err := decodeStream(bytes.NewReader(body), count); err != nil {
			b.Fatal(err)
		}
		ceiling += time.Since(start)
		b.StartTimer()
		if err := decodeStream(bytes.NewReader(body), apply); err != nil {
			b.Fatal(err)
		}
		sent += perRound
		for src.stats.applied.Load() != src.stats.commands.Load() {
			time.Sleep(100 * time.Microsecond)
		}
	}
	if got := src.stats.messages.Load(); got != uint64(sent) {
		b.Fatalf("read %d messages, sent %d", got, sent)
	}
	rate := float64(sent) / b.Elapsed().Seconds()
	bare := float64(sent) / ceiling.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(bare, "ceiling-msgs/s")
	b.ReportMetric(rate/bare, "ratio")
}
