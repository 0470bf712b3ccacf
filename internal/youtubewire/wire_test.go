package youtubewire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/youtube/v3"

	"github.com/tribune-live/tribune/internal/youtubewire"
)

// The generated package is the oracle here, in a test only: its JSON tags
// come from the API's discovery document. Tribune's binary does not link
// it (see the package comment).

// fill sets every field of the value v points to, recursively, to a
// value that is not zero, so that a field added later is checked too.
func fill(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), name)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), name)
	case reflect.String:
		v.SetString("x-" + name)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(7 + len(name)))
	case reflect.Uint64:
		v.SetUint(uint64(300 + len(name)))
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// asMap decodes JSON into generic values, for a comparison that ignores
// the order of fields.
func asMap(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}

// TestNamesMatchGenerated encodes each wire type with every field set,
// decodes it into the generated type of the same resource and encodes
// that again: a field whose name or encoding (a number sent as a string)
// the API does not know is lost or refused on the way, and the two JSON
// texts differ.
func TestNamesMatchGenerated(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wire, gen any
	}{
		{"VideoListResponse", &youtubewire.VideoListResponse{}, &youtube.VideoListResponse{}},
		{"LiveChatMessageListResponse", &youtubewire.LiveChatMessageListResponse{}, &youtube.LiveChatMessageListResponse{}},
		{"LiveChatMessage", &youtubewire.LiveChatMessage{}, &youtube.LiveChatMessage{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fill(reflect.ValueOf(tc.wire).Elem(), tc.name)
			ours, err := json.Marshal(tc.wire)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ours, tc.gen); err != nil {
				t.Fatalf("the generated type refuses our JSON: %v\n%s", err, ours)
			}
			theirs, err := json.Marshal(tc.gen)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(asMap(t, ours), asMap(t, theirs)) {
				t.Errorf("ours:\n%s\nthrough the generated type:\n%s", ours, theirs)
			}
		})
	}
}

// TestGeneratedDecodes reads what the generated types write (a message
// of each kind Tribune handles) with the wire types.
func TestGeneratedDecodes(t *testing.T) {
	gen := &youtube.LiveChatMessageListResponse{
		NextPageToken: "tok", PollingIntervalMillis: 1500, OfflineAt: "2026-12-05T20:00:00Z",
		Items: []*youtube.LiveChatMessage{{
			Id: "m1",
			Snippet: &youtube.LiveChatMessageSnippet{
				Type: "userBannedEvent", LiveChatId: "chat", AuthorChannelId: "UCmod", PublishedAt: "2026-12-05T19:00:00Z",
				UserBannedDetails: &youtube.LiveChatUserBannedMessageDetails{
					BanType: "temporary", BanDurationSeconds: 300,
					BannedUserDetails: &youtube.ChannelProfileDetails{ChannelId: "UCana", DisplayName: "Ana"},
				},
				MessageDeletedDetails: &youtube.LiveChatMessageDeletedDetails{DeletedMessageId: "m0"},
				TextMessageDetails:    &youtube.LiveChatTextMessageDetails{MessageText: "!q hi?"},
			},
			AuthorDetails: &youtube.LiveChatMessageAuthorDetails{ChannelId: "UCmod", DisplayName: "Mod", IsChatModerator: true, IsChatOwner: true, IsChatSponsor: true, IsVerified: true},
		}},
	}
	b, err := json.Marshal(gen)
	if err != nil {
		t.Fatal(err)
	}
	var got youtubewire.LiveChatMessageListResponse
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	m := got.Items[0]
	sn, ad := m.Snippet, m.AuthorDetails
	ban := sn.UserBannedDetails
	switch {
	case got.NextPageToken != "tok" || got.PollingIntervalMillis != 1500 || got.OfflineAt == "":
		t.Errorf("page: %+v", got)
	case m.ID != "m1" || sn.Type != "userBannedEvent" || sn.LiveChatID != "chat" || sn.AuthorChannelID != "UCmod" || sn.PublishedAt == "":
		t.Errorf("snippet: %+v", sn)
	case ban.BanType != "temporary" || ban.BanDurationSeconds != 300 || ban.BannedUserDetails.ChannelID != "UCana" || ban.BannedUserDetails.DisplayName != "Ana":
		t.Errorf("ban: %+v %+v", ban, ban.BannedUserDetails)
	case sn.MessageDeletedDetails.DeletedMessageID != "m0" || sn.TextMessageDetails.MessageText != "!q hi?":
		t.Errorf("details: %+v", sn)
	case ad.ChannelID != "UCmod" || ad.DisplayName != "Mod" || !ad.IsChatModerator || !ad.IsChatOwner || !ad.IsChatSponsor || !ad.IsVerified:
		t.Errorf("author: %+v", ad)
	}
}

// TestErrorBody checks that the generated client reads our error body as
// Google's, and that Error carries the status, reason and message.
func TestErrorBody(t *testing.T) {
	body := youtubewire.ErrorBody{Error: &youtubewire.Error{
		Code: 403, Message: "The live chat is no longer live.", Status: "PERMISSION_DENIED",
		Errors: []youtubewire.ErrorItem{{Message: "The live chat is no longer live.", Domain: "youtube.liveChat", Reason: "liveChatEnded"}},
	}}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	res := &http.Response{StatusCode: 403, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b))}
	var gerr *googleapi.Error
	if err := googleapi.CheckResponse(res); !errors.As(err, &gerr) || gerr.Code != 403 || gerr.Message != body.Error.Message ||
		len(gerr.Errors) != 1 || gerr.Errors[0].Reason != "liveChatEnded" {
		t.Errorf("generated client read %+v (%v)", gerr, err)
	}
	if got, want := body.Error.Error(), "google api: 403 liveChatEnded: The live chat is no longer live."; got != want {
		t.Errorf("Error()=%q, want %q", got, want)
	}
	var e youtubewire.ErrorBody
	if err := json.Unmarshal([]byte(`{"error":{"code":400,"message":"m","errors":[{"reason":"pageTokenInvalid","domain":"youtube.liveChat","message":"m"}],"status":"INVALID_ARGUMENT"}}`), &e); err != nil ||
		e.Error.Code != 400 || e.Error.Reason() != "pageTokenInvalid" || e.Error.Status != "INVALID_ARGUMENT" || e.Error.Errors[0].Domain != "youtube.liveChat" {
		t.Errorf("decoded %+v (%v)", e.Error, err)
	}
	if r := (&youtubewire.Error{Code: 404}).Reason(); r != "" {
		t.Errorf("Reason of an error without causes: %q", r)
	}
}
