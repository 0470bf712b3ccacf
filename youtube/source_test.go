package youtube_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tribune "github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/chat"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/youtubefake"
	"github.com/tribune-live/tribune/youtube"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*env)
		want  string
	}{
		{"NoCredentials", func(e *env) { e.src.APIKey = "" }, "TRIBUNE_YOUTUBE_API_KEY"},
		{"PartialOAuth", func(e *env) { e.src.ClientID = clientID }, "TRIBUNE_YOUTUBE_CLIENT_SECRET, TRIBUNE_YOUTUBE_REFRESH_TOKEN not set"},
		{"NotAVideo", func(e *env) { e.src = e.sourceOf("https://vimeo.com/123", envOptions{}) }, "not a youtube.com or youtu.be address"},
		{"UnknownVideo", func(e *env) { e.src = e.sourceOf("aaaaaaaaaaa", envOptions{}) }, "no video aaaaaaaaaaa"},
		{"NotLive", func(e *env) { e.srv.AddPlainVideo(videoID) }, "is not a live broadcast"},
		{"NoChat", func(e *env) { e.srv.AddVideo(videoID, "") }, "has no active live chat"},
		{"Ended", func(e *env) { e.srv.EndChat(videoID) }, "has ended"},
		{"ChatNotFound", func(e *env) { e.srv.DeleteChat(videoID) }, "liveChatNotFound"},
		{"KeyRefused", func(e *env) { e.src.APIKey = "AIza-wrong-key-00000000" }, "Google refused the credentials (400 keyInvalid"},
		{"OAuthRefused", func(e *env) {
			e.src.ClientID, e.src.ClientSecret, e.src.RefreshToken = clientID, clientSecret, "1//revoked-refresh-token"
		}, "refused the refresh token (token endpoint: invalid_grant"},
		{"QuotaSpent", func(e *env) { e.srv.SetQuota(1) }, "daily quota is spent"},
		{"SecretEchoed", func(e *env) {
			// A server that quotes the key back: the error must not.
			e.srv.Fail(youtubefake.MethodVideos, youtubefake.Fault{Status: 400, Reason: "badRequest", Message: "bad key " + apiKey}, 1)
		}, "bad key [redacted]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{noStart: true})
			tc.setup(e)
			err := e.src.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v, want an error with %q", err, tc.want)
			}
			e.assertNoSecrets(t, err.Error(), "the error")
			if n := len(tribunetest.Questions(t, e.svc, "")); n != 0 {
				t.Errorf("%d questions after a failed Check", n)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t, envOptions{noStart: true})
		if err := e.src.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		if e.src.VideoID() != videoID || e.src.LiveChatID() != chatID {
			t.Errorf("VideoID=%q LiveChatID=%q", e.src.VideoID(), e.src.LiveChatID())
		}
		if used, _ := e.src.Quota(); used != youtube.CostVideos+youtube.CostList || e.srv.Calls().Units != used {
			t.Errorf("Quota used %d, fake charged %d; want %d", used, e.srv.Calls().Units, youtube.CostVideos+youtube.CostList)
		}
		if r := e.srv.Requests(youtubefake.MethodList); len(r) != 1 || r[0].Auth != "key" {
			t.Errorf("list requests %+v, want one with the key", r)
		}
	})
}

// TestStream reads the chat through the stream: the history Check read,
// then each message as it is said.
func TestStream(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true})
	e.say(t, ana, "!q When will the bridge reopen?")
	e.say(t, bob, "hello everyone")
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	h := e.waitHealth(t, "streaming")
	if want := "streaming · read-only · quota 11/10 000 (0 %)"; h != want {
		t.Errorf("health %q, want %q", h, want)
	}
	e.say(t, bob, "!vote 1")
	e.say(t, tribunetest.YouTubeViewer(1), "!q Will the pool open on Sundays?")
	// Viewers' commands are applied concurrently, each viewer's in order:
	// a vote for a new number waits until the number is given.
	e.settle(t)
	e.say(t, tribunetest.YouTubeViewer(2), "!vote #2")
	e.settle(t)
	q1, q2 := tribunetest.Get(t, e.svc, 1), tribunetest.Get(t, e.svc, 2)
	if q1.Votes != 2 || q2.Votes != 2 {
		t.Errorf("Votes #1=%d #2=%d, want 2 and 2", q1.Votes, q2.Votes)
	}
	if q1.Source != tribune.SourceYouTube || q1.AuthorID != ana.ChannelID || q1.Author != "Ana" || q1.Channel != videoID || q1.Status != tribune.StatusApproved {
		t.Errorf("question 1: %+v", q1)
	}
	if s := e.src.Stats(); s.Transport != "stream" || s.Calls != 2 {
		t.Errorf("Stats %+v, want the stream and 2 read calls (Check's list, one stream)", s)
	}
	c := e.srv.Calls()
	if c.ByMethod[youtubefake.MethodStream] != 1 || c.ByMethod[youtubefake.MethodList] != 1 || c.ByMethod[youtubefake.MethodInsert] != 0 {
		t.Errorf("calls %v, want one list, one stream, no insert", c.ByMethod)
	}
	if used, _ := e.src.Quota(); used != c.Units {
		t.Errorf("the meter says %d units, the fake charged %d", used, c.Units)
	}
}

// TestPolling falls back to liveChatMessages.list where the stream is not
// served, and polls no closer than pollingIntervalMillis, measured where
// the requests arrive.
func TestPolling(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true})
	const interval = 200 * time.Millisecond
	e.srv.SetPollingInterval(interval)
	e.srv.DisableStream(true)
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if h := e.waitHealth(t, "polling every"); !strings.HasPrefix(h, "polling every 0.2 s · read-only · quota ") {
		t.Errorf("health %q", h)
	}
	e.say(t, ana, "!q Polling question?")
	e.settle(t)
	e.say(t, bob, "!vote 1")
	e.settle(t)
	if q := tribunetest.Get(t, e.svc, 1); q.Votes != 2 {
		t.Errorf("Votes=%d, want 2", q.Votes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	if err := e.srv.WaitRequests(ctx, youtubefake.MethodList, 6); err != nil {
		t.Fatal(err)
	}
	e.stop(t)
	reqs := e.srv.Requests(youtubefake.MethodList)
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < interval {
			t.Errorf("list %d came %v after the one before, want at least %v", i, gap, interval)
		}
		if reqs[i].PageToken == "" {
			t.Errorf("list %d had no page token", i)
		}
	}
	if s := e.src.Stats(); s.Transport != "poll" {
		t.Errorf("Transport=%q", s.Transport)
	}
}

// TestPollingBudget polls slower than the server asks when the day's
// budget cannot pay for that pace over the meeting.
func TestPollingBudget(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true, source: func(s *youtube.Source) {
		// 200 units over 4 s: 40 reads, one every 100 ms at the closest.
		s.QuotaPerDay, s.MeetingLength = 200, 4*time.Second
	}})
	e.srv.SetPollingInterval(5 * time.Millisecond)
	e.srv.DisableStream(true)
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	if err := e.srv.WaitRequests(ctx, youtubefake.MethodList, 6); err != nil {
		t.Fatal(err)
	}
	e.stop(t)
	const floor = 100 * time.Millisecond
	reqs := e.srv.Requests(youtubefake.MethodList)
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap < floor {
			t.Errorf("list %d came %v after the one before, want at least %v (the budget's pace)", i, gap, floor)
		}
	}
}

// TestDropResume breaks the stream off mid-item, and again between items,
// with a server that repeats messages on resume: every message is applied
// once, none lost.
func TestDropResume(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true})
	e.srv.SetResumeOverlap(3)
	e.srv.DropStream(3) // the first stream: 3 items, then half of one
	e.say(t, ana, "!q Before the start?")
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.waitHealth(t, "streaming")
	// One message an item: each is applied before the next is said.
	e.say(t, tribunetest.YouTubeViewer(1), "!vote 1")
	e.settle(t)
	e.say(t, tribunetest.YouTubeViewer(2), "!q After one vote?")
	e.settle(t)
	e.say(t, tribunetest.YouTubeViewer(3), "!vote 2") // in the item that is cut
	e.settle(t)
	e.srv.CutStreams()
	e.say(t, tribunetest.YouTubeViewer(4), "!vote 1")
	e.say(t, tribunetest.YouTubeViewer(5), "!vote 2")
	e.say(t, tribunetest.YouTubeViewer(6), "!q Third one?")
	e.settle(t)
	e.srv.CutStreams()
	e.say(t, tribunetest.YouTubeViewer(7), "!vote 3")
	e.settle(t)

	if q := tribunetest.Get(t, e.svc, 1); q.Votes != 3 {
		t.Errorf("#1 Votes=%d, want 3 (author, viewers 1 and 4)", q.Votes)
	}
	if q := tribunetest.Get(t, e.svc, 2); q.Votes != 3 {
		t.Errorf("#2 Votes=%d, want 3 (author, viewers 3 and 5)", q.Votes)
	}
	if q := tribunetest.Get(t, e.svc, 3); q.Votes != 2 {
		t.Errorf("#3 Votes=%d, want 2", q.Votes)
	}
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 3 {
		t.Errorf("%d questions, want 3: none asked twice", n)
	}
	s := e.src.Stats()
	if s.Duplicates == 0 {
		t.Error("Duplicates=0: the resumed streams repeated messages, and none were skipped")
	}
	streams := e.srv.Requests(youtubefake.MethodStream)
	if len(streams) < 3 {
		t.Fatalf("%d stream requests, want at least 3 (two resumes)", len(streams))
	}
	for i, r := range streams {
		if r.PageToken == "" {
			t.Errorf("stream %d had no page token", i)
		}
	}
	if !strings.Contains(e.logs.String(), "resuming from the last page token") {
		t.Error("the drop is not in the log")
	}
}

// TestAcrossPlatforms counts a Twitch viewer's and a YouTube viewer's
// votes for one question, and one YouTube channel under two display names
// once.
func TestAcrossPlatforms(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.waitHealth(t, "streaming")
	twitch := chat.NewHandler(e.svc, "en")
	tw := tribune.Actor{Source: tribune.SourceTwitch, Login: "tess", DisplayName: "Tess", UserID: "424242", Channel: "townhall"}
	reply, ok := twitch.Handle(context.Background(), tw, chat.Command{Kind: chat.KindAsk, Text: "Will the tram run at night?"})
	if !ok || reply.Text != "#1" {
		t.Fatalf("Twitch ask: %+v %v", reply, ok)
	}
	e.say(t, ana, "!vote 1")
	e.settle(t)
	if q := tribunetest.Get(t, e.svc, 1); q.Votes != 2 {
		t.Errorf("Votes=%d, want 2: the Twitch author's and the YouTube viewer's", q.Votes)
	}
	// The same channel, renamed: still one viewer.
	renamed := ana
	renamed.DisplayName = "Ana B."
	e.say(t, renamed, "!vote 1")
	e.say(t, renamed, "!q Another question from Ana?")
	e.settle(t)
	e.say(t, ana, "!q And a third one, at once?")
	e.settle(t)
	if q := tribunetest.Get(t, e.svc, 1); q.Votes != 2 {
		t.Errorf("Votes=%d after the renamed channel voted again, want 2", q.Votes)
	}
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 2 {
		t.Errorf("%d questions, want 2: the channel under its first name is rate-limited as the same viewer", n)
	}
	// A Twitch viewer with the YouTube channel's id is someone else.
	other := tribune.Actor{Source: tribune.SourceTwitch, Login: "ana", UserID: ana.ChannelID}
	if _, err := e.svc.Vote(context.Background(), other, 1); err != nil {
		t.Errorf("a Twitch vote with the channel's id: %v", err)
	}
	if q := tribunetest.Get(t, e.svc, 1); q.Votes != 3 {
		t.Errorf("Votes=%d, want 3", q.Votes)
	}
}

// TestModerators lets the chat's moderators and owner ask past the limits
// and pre-moderation, as Twitch moderators do.
func TestModerators(t *testing.T) {
	e := newEnv(t, envOptions{service: func(s *tribune.Service) { s.Premoderate = true }})
	e.waitHealth(t, "streaming")
	e.say(t, mod, "!q Moderator one?")
	e.say(t, mod, "!q Moderator two?")
	e.say(t, host, "!q From the owner?")
	e.say(t, ana, "!q From a viewer?")
	e.say(t, ana, "!q From a viewer, again?")
	e.settle(t)
	qs := tribunetest.Questions(t, e.svc, "")
	if len(qs) != 4 {
		t.Fatalf("%d questions, want 4 (the viewer's second is too fast)", len(qs))
	}
	for _, q := range qs {
		want := tribune.StatusApproved
		if q.AuthorID == ana.ChannelID {
			want = tribune.StatusPending
		}
		if q.Status != want {
			t.Errorf("#%d by %s: %s, want %s", q.ID, q.Author, q.Status, want)
		}
	}
}

// TestPlatformModeration obeys YouTube's moderators: a deleted message
// hides its question, a permanent ban bans, a timeout holds for review.
func TestPlatformModeration(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.waitHealth(t, "streaming")
	carl := tribunetest.YouTubeViewer(3)
	m1 := e.say(t, ana, "!q Spam question?")
	e.say(t, bob, "!q Bob's question?")
	e.say(t, carl, "!q Carl's question?")
	e.srv.Delete(videoID, mod, m1)
	e.srv.Ban(videoID, mod, bob, 0)
	e.srv.Ban(videoID, mod, carl, 5*time.Minute)
	e.settle(t)
	// Questions are numbered as they are applied, concurrently: find
	// them by author.
	byAuthor := map[string]tribune.Question{}
	for _, q := range tribunetest.Questions(t, e.svc, "") {
		byAuthor[q.AuthorID] = q
	}
	if q := byAuthor[ana.ChannelID]; q.Status != tribune.StatusHidden {
		t.Errorf("Ana's #%d is %s after its message was deleted, want hidden", q.ID, q.Status)
	}
	if q := byAuthor[bob.ChannelID]; q.Status != tribune.StatusRejected {
		t.Errorf("Bob's #%d is %s after he was banned, want rejected", q.ID, q.Status)
	}
	if q := byAuthor[carl.ChannelID]; q.Status != tribune.StatusHidden {
		t.Errorf("Carl's #%d is %s after he was timed out, want hidden", q.ID, q.Status)
	}
	bobActor := tribune.Actor{Source: tribune.SourceYouTube, UserID: bob.ChannelID}
	if !e.svc.Banned(bobActor) {
		t.Error("Bob is not banned")
	}
	if e.svc.Banned(tribune.Actor{Source: tribune.SourceYouTube, UserID: carl.ChannelID}) {
		t.Error("Carl is banned after a timeout")
	}
	e.say(t, bob, "!q Back again?")
	e.settle(t)
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 3 {
		t.Errorf("%d questions: the banned viewer asked again", n)
	}
	var reasons []string
	for _, l := range e.svc.Log() {
		if l.Moderator == tribune.SourceYouTube {
			reasons = append(reasons, string(l.Action)+": "+l.Reason)
		}
	}
	slices.Sort(reasons)
	want := []string{"ban: banned on youtube", "deleted: deleted on youtube", "timeout: timed out on youtube"}
	if !slices.Equal(reasons, want) {
		t.Errorf("moderation log %q, want %q", reasons, want)
	}
}

// TestChatEnded stops the source, not the meeting, when the chat ends,
// after applying what it read.
func TestChatEnded(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q Last question?")
	e.srv.EndChat(videoID)
	if err := e.waitStopped(t); err != nil {
		t.Fatalf("Run: %v, want nil", err)
	}
	if h := e.health(); !strings.HasPrefix(h, "stopped: live chat ended · read-only · quota ") {
		t.Errorf("health %q", h)
	}
	if q := tribunetest.Get(t, e.svc, 1); q.Text != "Last question?" {
		t.Errorf("#1 %q", q.Text)
	}
	if !strings.Contains(e.logs.String(), "the meeting goes on") {
		t.Error("the log does not say the meeting goes on")
	}
}

// TestQuotaExceeded stops the source when Google refuses a call for
// quota, and the meeting still takes commands.
func TestQuotaExceeded(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true})
	e.srv.SetQuota(youtube.CostVideos + youtube.CostList) // Check's calls, then no more
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	if err := e.waitStopped(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if h := e.health(); !strings.HasPrefix(h, "stopped: quota exceeded · read-only · quota 11/10 000") {
		t.Errorf("health %q", h)
	}
	if !strings.Contains(e.logs.String(), "quotaExceeded") {
		t.Error("the log does not name quotaExceeded")
	}
	tw := tribune.Actor{Source: tribune.SourceTwitch, Login: "tess", UserID: "1001"}
	res, err := e.svc.Ask(context.Background(), tw, "Does the meeting go on?")
	if err != nil {
		t.Fatalf("Ask after the YouTube source stopped: %v", err)
	}
	if _, err := e.svc.Vote(context.Background(), tribune.Actor{Source: tribune.SourceTwitch, UserID: "1002"}, res.Question.ID); err != nil {
		t.Errorf("Vote: %v", err)
	}
}

// TestQuotaBudget stops reading once --youtube-quota is spent, before
// Google has to refuse, and warns from 80 % on.
func TestQuotaBudget(t *testing.T) {
	// Check (6) and one stream (5): 11 of 12 units, 91 %.
	e := newEnv(t, envOptions{source: func(s *youtube.Source) { s.QuotaPerDay, s.MeetingLength = 12, 100*time.Millisecond }})
	h := e.waitHealth(t, "streaming")
	if want := "streaming · read-only · quota 11/12 (91 %) · low quota"; h != want {
		t.Errorf("health %q, want %q", h, want)
	}
	if !strings.Contains(e.logs.String(), "most of the day's API quota is spent") {
		t.Error("no warning in the log at 80 %")
	}
	e.srv.CutStreams()
	if err := e.waitStopped(t); err != nil {
		t.Fatal(err)
	}
	if h := e.health(); !strings.HasPrefix(h, "stopped: quota used up") {
		t.Errorf("health %q", h)
	}
	if c := e.srv.Calls(); c.ByMethod[youtubefake.MethodStream] != 1 {
		t.Errorf("%d streams, want 1: none past the budget", c.ByMethod[youtubefake.MethodStream])
	}
}

// TestRestart continues a meeting with a new source: the day's meter goes
// on from what was spent, and the history read again asks nothing twice.
func TestRestart(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q Asked before the restart?")
	e.settle(t)
	e.stop(t)
	used, _ := e.src.Quota()

	e.src = e.newSource(envOptions{})
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.waitHealth(t, "streaming")
	e.say(t, bob, "!q Asked after?")
	e.settle(t)
	if n := len(tribunetest.Questions(t, e.svc, "")); n != 2 {
		t.Errorf("%d questions, want 2: the history's question was asked again", n)
	}
	if s := e.src.Stats(); s.Replayed != 1 {
		t.Errorf("Replayed=%d, want 1", s.Replayed)
	}
	if now, _ := e.src.Quota(); now != used+youtube.CostVideos+youtube.CostList+youtube.CostStream {
		t.Errorf("meter %d after the restart, want %d + this run's 11", now, used)
	}
}

// TestBackoff backs off, doubling, while the stream fails, and resumes.
func TestBackoff(t *testing.T) {
	e := newEnv(t, envOptions{noStart: true})
	e.srv.Fail(youtubefake.MethodStream, youtubefake.Fault{Status: 503, Reason: "backendError"}, 2)
	if err := e.src.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	e.waitHealth(t, "streaming")
	e.say(t, ana, "!q After the outage?")
	e.settle(t)
	reqs := e.srv.Requests(youtubefake.MethodStream)
	if len(reqs) != 3 {
		t.Fatalf("%d stream requests, want 3", len(reqs))
	}
	for i, want := range []time.Duration{500 * time.Millisecond, time.Second} {
		if gap := reqs[i+1].At.Sub(reqs[i].At); gap < want {
			t.Errorf("retry %d came after %v, want at least %v", i+1, gap, want)
		}
	}
	if !slices.ContainsFunc(e.healthStates(), func(s string) bool { return strings.HasPrefix(s, "reconnecting") }) {
		t.Errorf("health never said reconnecting: %q", e.healthStates())
	}
	if !strings.Contains(e.logs.String(), "503 backendError") {
		t.Error("the failures are not in the log")
	}
}

// TestStall resumes a stream that stays silent for StallTimeout.
func TestStall(t *testing.T) {
	e := newEnv(t, envOptions{source: func(s *youtube.Source) { s.StallTimeout = 200 * time.Millisecond }})
	ctx, cancel := context.WithTimeout(context.Background(), tribunetest.WaitLimit)
	defer cancel()
	if err := e.srv.WaitRequests(ctx, youtubefake.MethodStream, 3); err != nil {
		t.Fatal(err)
	}
	reqs := e.srv.Requests(youtubefake.MethodStream)
	if gap := reqs[2].At.Sub(reqs[1].At); gap < 200*time.Millisecond {
		t.Errorf("a silent stream was resumed after %v, want at least 200ms", gap)
	}
	e.say(t, ana, "!q After the silence?")
	e.settle(t)
	if !strings.Contains(e.logs.String(), "went silent") {
		t.Error("the stall is not in the log")
	}
}
