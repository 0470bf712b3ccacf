package youtubefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/youtube/v3"

	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/internal/youtubefake"
)

const (
	videoID = "dQw4w9WgXcQ"
	chatID  = "Cg0KC2RRdzR3OVdnWGNR"
	apiKey  = "AIza-test-key"
)

var ana = youtubefake.Author{ChannelID: "UCanaAnaAnaAnaAnaAnaAna0", DisplayName: "Ana"}

func start(t *testing.T) *youtubefake.Server {
	t.Helper()
	srv := tribunetest.StartYouTube(t)
	srv.SetCredentials(youtubefake.Credentials{APIKey: apiKey, ClientID: "cid", ClientSecret: "csecret", RefreshToken: "rtoken"})
	srv.AddVideo(videoID, chatID)
	return srv
}

// service returns the generated client of the YouTube Data API, pointed at
// srv with the API key: the fake must speak what it parses.
func service(t *testing.T, srv *youtubefake.Server, opts ...option.ClientOption) *youtube.Service {
	t.Helper()
	if opts == nil {
		opts = []option.ClientOption{option.WithAPIKey(apiKey)}
	}
	svc, err := youtube.NewService(context.Background(), append(opts, option.WithEndpoint(srv.URL))...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func reason(err error) string {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) && len(gerr.Errors) > 0 {
		return gerr.Errors[0].Reason
	}
	return ""
}

func TestVideos(t *testing.T) {
	srv := start(t)
	srv.AddPlainVideo("plainvideo1")
	yt := service(t, srv)
	resp, err := yt.Videos.List([]string{"liveStreamingDetails"}).Id(videoID, "plainvideo1", "nosuchvideo").Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) != 2 {
		t.Fatalf("Items=%d, want 2 (the unknown video is left out)", len(resp.Items))
	}
	if got := resp.Items[0].LiveStreamingDetails; got == nil || got.ActiveLiveChatId != chatID {
		t.Errorf("live video: liveStreamingDetails=%+v, want activeLiveChatId %q", got, chatID)
	}
	if got := resp.Items[1].LiveStreamingDetails; got != nil {
		t.Errorf("plain video: liveStreamingDetails=%+v, want none", got)
	}
	srv.EndChat(videoID)
	resp, err = yt.Videos.List([]string{"liveStreamingDetails"}).Id(videoID).Do()
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.Items[0].LiveStreamingDetails; d.ActiveLiveChatId != "" || d.ActualEndTime == "" {
		t.Errorf("ended video: %+v, want no active chat and an end time", d)
	}
}

func TestListPages(t *testing.T) {
	srv := start(t)
	srv.SetPollingInterval(1500 * time.Millisecond)
	id1 := srv.Say(videoID, ana, "!q first?")
	srv.Say(videoID, ana, "hello")
	yt := service(t, srv)
	resp, err := yt.LiveChatMessages.List(chatID, []string{"snippet", "authorDetails"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) != 2 || resp.Items[0].Id != id1 || resp.NextPageToken == "" || resp.PollingIntervalMillis != 1500 {
		t.Fatalf("first page: %d items, token %q, interval %d; want 2, a token, 1500", len(resp.Items), resp.NextPageToken, resp.PollingIntervalMillis)
	}
	m := resp.Items[0]
	if m.Snippet.Type != "textMessageEvent" || m.Snippet.TextMessageDetails.MessageText != "!q first?" || m.AuthorDetails.ChannelId != ana.ChannelID || m.AuthorDetails.DisplayName != "Ana" {
		t.Errorf("message: %+v %+v", m.Snippet, m.AuthorDetails)
	}
	next, err := yt.LiveChatMessages.List(chatID, []string{"snippet"}).PageToken(resp.NextPageToken).Do()
	if err != nil || len(next.Items) != 0 {
		t.Fatalf("next page: %v items, err %v; want none", len(next.Items), err)
	}
	srv.Say(videoID, ana, "!vote 1")
	next, err = yt.LiveChatMessages.List(chatID, []string{"snippet"}).PageToken(next.NextPageToken).Do()
	if err != nil || len(next.Items) != 1 || next.Items[0].Snippet.DisplayMessage != "!vote 1" {
		t.Fatalf("after a new message: %v, %v; want it alone", next.Items, err)
	}
	if c := srv.Calls(); c.ByMethod[youtubefake.MethodList] != 3 || c.Units != 15 {
		t.Errorf("Calls=%+v, want 3 lists and 15 units", c)
	}
}

func TestModerationEvents(t *testing.T) {
	srv := start(t)
	mod := youtubefake.Author{ChannelID: "UCmodModModModModModModMo", DisplayName: "Mod", Moderator: true}
	id := srv.Say(videoID, ana, "spam")
	srv.Delete(videoID, mod, id)
	srv.Ban(videoID, mod, ana, 5*time.Minute)
	srv.Ban(videoID, mod, ana, 0)
	resp, err := service(t, srv).LiveChatMessages.List(chatID, []string{"snippet", "authorDetails"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) != 4 {
		t.Fatalf("Items=%d, want 4", len(resp.Items))
	}
	del, tmp, perm := resp.Items[1].Snippet, resp.Items[2].Snippet, resp.Items[3].Snippet
	if del.Type != "messageDeletedEvent" || del.MessageDeletedDetails.DeletedMessageId != id {
		t.Errorf("deletion: %+v", del)
	}
	if tmp.Type != "userBannedEvent" || tmp.UserBannedDetails.BanType != "temporary" || tmp.UserBannedDetails.BanDurationSeconds != 300 || tmp.UserBannedDetails.BannedUserDetails.ChannelId != ana.ChannelID {
		t.Errorf("timeout: %+v", tmp.UserBannedDetails)
	}
	if perm.UserBannedDetails.BanType != "permanent" || perm.UserBannedDetails.BanDurationSeconds != 0 {
		t.Errorf("ban: %+v", perm.UserBannedDetails)
	}
	if !resp.Items[1].AuthorDetails.IsChatModerator {
		t.Error("the deletion's author is not a moderator")
	}
}

// openStream opens the stream of chatID with the API key in the header.
func openStream(t *testing.T, srv *youtubefake.Server, token string) (*http.Response, *json.Decoder) {
	t.Helper()
	q := url.Values{"liveChatId": {chatID}, "part": {"snippet,authorDetails"}}
	if token != "" {
		q.Set("pageToken", token)
	}
	req, _ := http.NewRequest("GET", srv.URL+"youtube/v3/liveChat/messages/stream?"+q.Encode(), nil)
	req.Header.Set("X-Goog-Api-Key", apiKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("stream: %s %s", res.Status, b)
	}
	dec := json.NewDecoder(res.Body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		t.Fatalf("stream starts with %v (%v), want [", tok, err)
	}
	return res, dec
}

func next(t *testing.T, dec *json.Decoder) *youtube.LiveChatMessageListResponse {
	t.Helper()
	var r youtube.LiveChatMessageListResponse
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("next item: %v", err)
	}
	return &r
}

// TestStreamProgressive reads each item of the stream before the next
// message is even said: the fake sends the array progressively.
func TestStreamProgressive(t *testing.T) {
	srv := start(t)
	srv.Say(videoID, ana, "before")
	_, dec := openStream(t, srv, "")
	first := next(t, dec)
	if len(first.Items) != 1 || first.Items[0].Snippet.DisplayMessage != "before" || first.NextPageToken == "" {
		t.Fatalf("first item: %+v", first)
	}
	for _, text := range []string{"one", "two"} {
		srv.Say(videoID, ana, text)
		item := next(t, dec)
		if len(item.Items) != 1 || item.Items[0].Snippet.DisplayMessage != text {
			t.Fatalf("item for %q: %+v", text, item.Items)
		}
	}
	srv.EndChat(videoID)
	end := next(t, dec)
	if len(end.Items) != 1 || end.Items[0].Snippet.Type != "chatEndedEvent" {
		t.Fatalf("after EndChat: %+v, want a chatEndedEvent", end.Items)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		t.Fatalf("after the end: %v %v, want ]", tok, err)
	}
	// A resumed stream on an ended chat is refused.
	q := url.Values{"liveChatId": {chatID}, "part": {"snippet"}, "key": {apiKey}}
	res, err := http.Get(srv.URL + "youtube/v3/liveChat/messages/stream?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct {
			Code   int
			Errors []struct{ Reason, Domain string }
		}
	}
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 403 || len(body.Error.Errors) == 0 || body.Error.Errors[0].Reason != "liveChatEnded" {
		t.Errorf("ended chat: %d %+v, want 403 liveChatEnded", res.StatusCode, body)
	}
}

func TestStreamDropAndResume(t *testing.T) {
	srv := start(t)
	srv.SetResumeOverlap(1)
	srv.DropStream(1)
	_, dec := openStream(t, srv, "")
	first := next(t, dec)
	srv.Say(videoID, ana, "lost in the drop")
	var r youtube.LiveChatMessageListResponse
	if err := dec.Decode(&r); err == nil {
		t.Fatalf("the second item decoded (%+v); want it cut off", r)
	}
	// Resumed from the last token, with one message of overlap.
	_, dec = openStream(t, srv, first.NextPageToken)
	again := next(t, dec)
	if len(again.Items) != 1 || again.Items[0].Snippet.DisplayMessage != "lost in the drop" {
		t.Fatalf("resumed: %+v", again.Items)
	}
	srv.Say(videoID, ana, "later")
	srv.CutStreams()
	if err := dec.Decode(&r); err == nil && len(r.Items) == 1 {
		// The message may make it before the cut; the cut must follow.
		err = dec.Decode(&r)
		if err == nil {
			t.Fatal("the stream went on after CutStreams")
		}
	}
	srv.SetResumeOverlap(1)
	_, dec = openStream(t, srv, again.NextPageToken)
	overlap := next(t, dec)
	if len(overlap.Items) != 2 || overlap.Items[0].Snippet.DisplayMessage != "lost in the drop" {
		t.Fatalf("resume with overlap: %d items, want the repeated one and the new one", len(overlap.Items))
	}
}

func TestErrors(t *testing.T) {
	srv := start(t)
	yt := service(t, srv)
	list := func() error {
		_, err := yt.LiveChatMessages.List(chatID, []string{"snippet"}).Do()
		return err
	}
	srv.Fail(youtubefake.MethodList, youtubefake.Fault{Reason: "rateLimitExceeded"}, 1)
	if r := reason(list()); r != "rateLimitExceeded" {
		t.Errorf("injected fault: reason %q", r)
	}
	if err := list(); err != nil {
		t.Errorf("after the fault: %v", err)
	}
	if _, err := service(t, srv, option.WithAPIKey("wrong")).LiveChatMessages.List(chatID, []string{"snippet"}).Do(); reason(err) != "keyInvalid" {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := yt.LiveChatMessages.List("nosuchchat", []string{"snippet"}).Do(); reason(err) != "liveChatNotFound" {
		t.Errorf("unknown chat: %v", err)
	}
	srv.SetQuota(srv.Calls().Units + 5)
	if err := list(); err != nil {
		t.Errorf("last units: %v", err)
	}
	err := list()
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) || gerr.Code != 403 || reason(err) != "quotaExceeded" {
		t.Errorf("quota spent: %v, want 403 quotaExceeded", err)
	}
}

func TestInsertAndToken(t *testing.T) {
	srv := start(t)
	msg := &youtube.LiveChatMessage{Snippet: &youtube.LiveChatMessageSnippet{
		LiveChatId: chatID, Type: "textMessageEvent",
		TextMessageDetails: &youtube.LiveChatTextMessageDetails{MessageText: "@Ana #1"},
	}}
	if _, err := service(t, srv).LiveChatMessages.Insert([]string{"snippet"}, msg).Do(); err == nil {
		t.Error("insert with an API key worked; want it refused")
	}
	conf := &oauth2.Config{ClientID: "cid", ClientSecret: "csecret", Endpoint: oauth2.Endpoint{TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	ctx := context.Background()
	client := conf.Client(ctx, &oauth2.Token{RefreshToken: "rtoken"})
	yt := service(t, srv, option.WithHTTPClient(client))
	got, err := yt.LiveChatMessages.Insert([]string{"snippet"}, msg).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.Id == "" || got.Snippet.TextMessageDetails.MessageText != "@Ana #1" {
		t.Errorf("inserted: %+v", got)
	}
	long := *msg.Snippet
	long.TextMessageDetails = &youtube.LiveChatTextMessageDetails{MessageText: strings.Repeat("é", 201)}
	if _, err := yt.LiveChatMessages.Insert([]string{"snippet"}, &youtube.LiveChatMessage{Snippet: &long}).Do(); reason(err) != "messageTextInvalid" {
		t.Errorf("201 runes: %v, want messageTextInvalid", err)
	}
	if ins := srv.Inserted(); len(ins) != 1 || ins[0].Text != "@Ana #1" {
		t.Errorf("Inserted=%+v", ins)
	}
	c := srv.Calls()
	if c.ByMethod[youtubefake.MethodInsert] != 3 || c.ByMethod[youtubefake.MethodToken] != 1 || c.Units != 60 {
		t.Errorf("Calls=%+v, want 3 inserts of 20 units and 1 token", c)
	}
	bad := &oauth2.Config{ClientID: "cid", ClientSecret: "csecret", Endpoint: oauth2.Endpoint{TokenURL: srv.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
	_, err = bad.TokenSource(ctx, &oauth2.Token{RefreshToken: "revoked"}).Token()
	var rerr *oauth2.RetrieveError
	if !errors.As(err, &rerr) || rerr.ErrorCode != "invalid_grant" {
		t.Errorf("revoked refresh token: %v, want invalid_grant", err)
	}
}

func TestStreamDisabled(t *testing.T) {
	srv := start(t)
	srv.DisableStream(true)
	res, err := http.Get(srv.URL + "youtube/v3/liveChat/messages/stream?liveChatId=" + chatID + "&key=" + apiKey)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("disabled stream: %d, want 404", res.StatusCode)
	}
}

func TestCrowd(t *testing.T) {
	srv := start(t)
	c := youtubefake.NewCrowd(srv, videoID, 7)
	for range 6000 { // ten simulated minutes
		c.Step(100 * time.Millisecond)
	}
	for _, kind := range []string{"ask", "vote", "chat", "spam", "delete"} {
		if c.Sent[kind] == 0 {
			t.Errorf("Sent[%q]=0 in ten minutes; Sent=%v", kind, c.Sent)
		}
	}
	var fr, en, mod, deleted bool
	spam := map[string]bool{}
	for _, m := range srv.Messages(videoID) {
		s := m.Snippet
		switch s.Type {
		case "textMessageEvent":
			text := s.TextMessageDetails.MessageText
			if strings.HasPrefix(strings.ToLower(text), "!q") && strings.ContainsAny(text, "éèàç") {
				fr = true
			}
			if strings.HasPrefix(strings.ToLower(text), "!q") && strings.Contains(text, " the ") {
				en = true
			}
			if m.AuthorDetails.IsChatModerator {
				mod = true
			}
			if m.AuthorDetails.DisplayName == "FreeSubsNow" {
				spam[m.ID] = true
			}
		case "messageDeletedEvent":
			if !spam[s.MessageDeletedDetails.DeletedMessageID] {
				t.Errorf("deleted %q, not a spam message", s.MessageDeletedDetails.DeletedMessageID)
			}
			deleted = true
		}
	}
	if !fr || !en || !deleted {
		t.Errorf("french=%v english=%v deleted=%v, want all", fr, en, deleted)
	}
	_ = mod // the moderator asks rarely; Moderator() names them
	if !c.Moderator().Moderator || !c.Owner().Owner {
		t.Error("the crowd has no moderator or owner")
	}
}

// TestCrowdVotes checks that the crowd votes for the numbers Tribune's
// replies gave (in English and French), and only those.
func TestCrowdVotes(t *testing.T) {
	srv := start(t)
	conf := &oauth2.Config{ClientID: "cid", ClientSecret: "csecret", Endpoint: oauth2.Endpoint{TokenURL: srv.TokenURL()}}
	yt := service(t, srv, option.WithHTTPClient(conf.Client(context.Background(), &oauth2.Token{RefreshToken: "rtoken"})))
	_, err := yt.LiveChatMessages.Insert([]string{"snippet"}, &youtube.LiveChatMessage{Snippet: &youtube.LiveChatMessageSnippet{
		LiveChatId: chatID, Type: "textMessageEvent",
		TextMessageDetails: &youtube.LiveChatTextMessageDetails{MessageText: "@Ana #42 · @Bob n°43"},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	c := youtubefake.NewCrowd(srv, videoID, 3)
	c.AskEvery = -1
	for range 600 {
		c.Step(100 * time.Millisecond)
	}
	if c.Sent["vote"] == 0 {
		t.Fatal("no votes in a simulated minute")
	}
	for _, m := range srv.Messages(videoID) {
		text := m.Snippet.DisplayMessage
		for _, prefix := range []string{"!vote ", "!Vote ", "!up ", "!+1 "} {
			if rest, ok := strings.CutPrefix(text, prefix); ok {
				if n := strings.TrimPrefix(rest, "#"); n != "42" && n != "43" {
					t.Errorf("%q: want a vote for 42 or 43", text)
				}
			}
		}
	}
}

// TestCrowdRun plays the crowd against a reader: it waits for one, then
// speaks until its context ends.
func TestCrowdRun(t *testing.T) {
	srv := start(t)
	c := youtubefake.NewCrowd(srv, videoID, 1)
	c.Tick = 10 * time.Millisecond
	c.AskEvery, c.VoteEvery, c.ChatEvery = 50*time.Millisecond, 20*time.Millisecond, -1
	run := tribunetest.Run(t, "Run", c.Run)
	time.Sleep(50 * time.Millisecond)
	if n := len(srv.Messages(videoID)); n != 0 {
		t.Fatalf("the crowd spoke %d messages before anyone read the chat", n)
	}
	if _, err := service(t, srv).LiveChatMessages.List(chatID, []string{"snippet"}).Do(); err != nil {
		t.Fatal(err)
	}
	tribunetest.Eventually(t, 10*time.Second, "10 messages from the crowd", func() bool { return len(srv.Messages(videoID)) >= 10 })
	if err := run.Stop(t); err != nil {
		t.Fatal(err)
	}
	if c.Sent["ask"] == 0 || c.Sent["vote"] == 0 {
		t.Errorf("Sent=%v, want asks and votes", c.Sent)
	}
}
