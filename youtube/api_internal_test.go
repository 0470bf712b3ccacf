package youtube

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// seen is a request as the test server received it.
type seen struct {
	method, path string
	query        url.Values
	contentType  string
	body         []byte
}

// answering starts a loopback server that answers status and body, and
// returns it with a function that returns the requests it received.
func answering(t *testing.T, status int, body string) (*httptest.Server, func() []seen) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.Query(), r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

// TestCallsOnTheWire checks the requests of the three calls against the
// API's reference: paths, parameters and the insert's JSON body.
func TestCallsOnTheWire(t *testing.T) {
	ctx := context.Background()
	t.Run("Videos", func(t *testing.T) {
		srv, got := answering(t, 200, `{"items":[{"id":"v","liveStreamingDetails":{"activeLiveChatId":"c","concurrentViewers":"12"}}]}`)
		resp, err := listVideos(ctx, srv.Client(), srv.URL+"/", "v")
		if err != nil || len(resp.Items) != 1 || resp.Items[0].LiveStreamingDetails.ActiveLiveChatID != "c" || resp.Items[0].LiveStreamingDetails.ConcurrentViewers != 12 {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
		r := got()[0]
		if r.method != "GET" || r.path != "/youtube/v3/videos" || r.query.Get("part") != "liveStreamingDetails" || r.query.Get("id") != "v" || r.query.Get("alt") != "json" {
			t.Errorf("request %+v", r)
		}
	})
	t.Run("List", func(t *testing.T) {
		srv, got := answering(t, 200, `{"nextPageToken":"n","pollingIntervalMillis":2500,"items":[{"id":"m","snippet":{"type":"textMessageEvent"}}]}`)
		resp, err := listMessages(ctx, srv.Client(), srv.URL+"/", "chat", "tok", "fr")
		if err != nil || resp.NextPageToken != "n" || resp.PollingIntervalMillis != 2500 || resp.Items[0].ID != "m" {
			t.Fatalf("resp %+v, err %v", resp, err)
		}
		r := got()[0]
		want := url.Values{"liveChatId": {"chat"}, "part": {"snippet,authorDetails"}, "maxResults": {"2000"}, "hl": {"fr"},
			"pageToken": {"tok"}, "alt": {"json"}, "prettyPrint": {"false"}}
		if r.method != "GET" || r.path != "/youtube/v3/liveChat/messages" || r.query.Encode() != want.Encode() {
			t.Errorf("request %s %s ?%s, want ?%s", r.method, r.path, r.query.Encode(), want.Encode())
		}
		if _, err := listMessages(ctx, srv.Client(), srv.URL+"/", "chat", "", "en"); err != nil {
			t.Fatal(err)
		}
		if q := got()[1].query; q.Has("pageToken") {
			t.Errorf("first page sent pageToken %q", q.Get("pageToken"))
		}
	})
	t.Run("Insert", func(t *testing.T) {
		srv, got := answering(t, 200, `{"id":"new","snippet":{"type":"textMessageEvent"}}`)
		if err := insertMessage(ctx, srv.Client(), srv.URL+"/", "chat", "@ana #12"); err != nil {
			t.Fatal(err)
		}
		r := got()[0]
		if r.method != "POST" || r.path != "/youtube/v3/liveChat/messages" || r.query.Get("part") != "snippet" || r.contentType != "application/json" {
			t.Errorf("request %+v", r)
		}
		var body map[string]any
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"snippet": map[string]any{"liveChatId": "chat", "type": "textMessageEvent", "textMessageDetails": map[string]any{"messageText": "@ana #12"}}}
		if b, w := jsonText(body), jsonText(want); b != w {
			t.Errorf("body %s, want %s", b, w)
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAnswers checks how answers that are not a result are read: what
// classify makes of them and whether they cost quota (apiError).
func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		charged bool
		outcome outcome
		words   string
	}{
		// A proxy's page or a method not served: the status alone.
		{"HTMLNotFound", 404, "<html>Not Found</html>", true, unsupported, "404 Not Found"},
		{"ErrorWithoutCode", 503, `{"error":{"message":"Backend Error","errors":[{"reason":"backendError","message":"Backend Error"}]}}`, true, retry, "503 backendError: Backend Error"},
		{"Quota", 403, `{"error":{"code":403,"message":"over your <a href=\"/q\">quota</a>.","errors":[{"reason":"quotaExceeded"}],"status":"PERMISSION_DENIED"}}`, true, stopQuota, "403 quotaExceeded: over your quota."},
		{"NotFoundJSON", 404, `{"error":{"code":404,"message":"Method not found.","errors":[{"reason":"notFound"}]}}`, true, unsupported, "404 notFound: Method not found."},
		// A result that does not decode is no answer of the API: retried,
		// not charged.
		{"BrokenResult", 200, `{"items": 12}`, false, retry, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := answering(t, tc.status, tc.body)
			_, err := listMessages(context.Background(), srv.Client(), srv.URL+"/", "chat", "", "en")
			if err == nil {
				t.Fatal("no error")
			}
			if got := apiError(err) != nil; got != tc.charged {
				t.Errorf("apiError=%v, want %v (%v)", got, tc.charged, err)
			}
			if got := classify(err); got != tc.outcome {
				t.Errorf("classify=%v, want %v (%v)", got, tc.outcome, err)
			}
			if tc.words != "" && describe(err) != tc.words {
				t.Errorf("describe=%q, want %q", describe(err), tc.words)
			}
		})
	}
}
