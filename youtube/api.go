package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// The calls of the Data API, in net/http and encoding/json: the client
// sets the credentials in its Transport (the API key header or the OAuth
// bearer), these add the path, the parameters and the JSON.

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

// listVideos calls videos.list for the liveStreamingDetails of video id.
func listVideos(ctx context.Context, c *http.Client, base, id string) (*youtubewire.VideoListResponse, error) {
	q := url.Values{"part": {"liveStreamingDetails"}, "id": {id}}
	var out youtubewire.VideoListResponse
	if err := call(ctx, c, "videos.list", http.MethodGet, base+"youtube/v3/videos", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// listMessages calls liveChatMessages.list from page token (or the recent
// messages when token is "").
func listMessages(ctx context.Context, c *http.Client, base, chatID, token, lang string) (*youtubewire.LiveChatMessageListResponse, error) {
	q := url.Values{
		"liveChatId": {chatID},
		"part":       {"snippet,authorDetails"},
		"maxResults": {"2000"},
		"hl":         {lang},
	}
	if token != "" {
		q.Set("pageToken", token)
	}
	var out youtubewire.LiveChatMessageListResponse
	if err := call(ctx, c, "liveChatMessages.list", http.MethodGet, base+"youtube/v3/liveChat/messages", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// insertMessage calls liveChatMessages.insert with a text message.
func insertMessage(ctx context.Context, c *http.Client, base, chatID, text string) error {
	msg := &youtubewire.LiveChatMessage{Snippet: &youtubewire.LiveChatMessageSnippet{
		LiveChatID: chatID, Type: "textMessageEvent",
		TextMessageDetails: &youtubewire.LiveChatTextMessageDetails{MessageText: text},
	}}
	var out youtubewire.LiveChatMessage
	return call(ctx, c, "liveChatMessages.insert", http.MethodPost, base+"youtube/v3/liveChat/messages", url.Values{"part": {"snippet"}}, msg, &out)
}

// call makes one request of method name and decodes its JSON answer
// into out. A non-2xx
// answer is a *youtubewire.Error (see checkResponse); a transport failure
// is ctx's error when ctx ended, else the client's.
func call(ctx context.Context, c *http.Client, name, method, endpoint string, q url.Values, in, out any) error {
	q.Set("alt", "json")
	q.Set("prettyPrint", "false")
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("youtube: %s: encode the request: %w", name, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint+"?"+q.Encode(), body)
	if err != nil {
		return fmt.Errorf("youtube: %s: request: %w", name, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	defer discardBody(res.Body)
	if err := checkResponse(res); err != nil {
		return err
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("youtube: %s: decode the answer: %w", name, err)
	}
	return nil
}

// checkResponse returns nil for a 2xx answer, else the *youtubewire.Error
// of Google's error body, or one with only the status when the body is not
// one (a proxy's page, a 404 of a method that is not served).
func checkResponse(res *http.Response) error {
	if res.StatusCode >= 200 && res.StatusCode <= 299 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	var eb youtubewire.ErrorBody
	if json.Unmarshal(b, &eb) == nil && eb.Error != nil {
		if eb.Error.Code == 0 {
			eb.Error.Code = res.StatusCode
		}
		return eb.Error
	}
	return &youtubewire.Error{Code: res.StatusCode}
}
