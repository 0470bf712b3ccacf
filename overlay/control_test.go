package overlay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/tribunetest"
	"github.com/tribune-live/tribune/overlay"
)

func decodeQuestion(t *testing.T, b []byte) tribune.Question {
	t.Helper()
	var q tribune.Question
	if err := json.Unmarshal(b, &q); err != nil {
		t.Fatalf("question %q: %v", b, err)
	}
	return q
}

// TestAPI_Next checks the Stream Deck button: the most-voted approved
// question goes on air, the oldest among equals, and 409 when none waits.
func TestAPI_Next(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc) // #1, #2, #4 approved with one vote each, #3 pending
	for v := 0; v < 3; v++ {
		tribunetest.Vote(t, svc, tribunetest.Voter(v), 4)
	}
	srv := StartServer(t, svc, "127.0.0.1:0")

	for _, want := range []int{4, 1, 4} {
		status, body := APIRequest(t, srv, "POST", "/api/next", testToken, "")
		if status != http.StatusOK {
			t.Fatalf("status=%d, want 200; %s", status, body)
		}
		q := decodeQuestion(t, body)
		if q.ID != want || q.Status != tribune.StatusOnAir {
			t.Errorf("next put #%d (%s) on air, want #%d", q.ID, q.Status, want)
		}
		if on, ok := svc.OnAir(); !ok || on.ID != want {
			t.Errorf("on air: #%d %v, want #%d", on.ID, ok, want)
		}
	}
	// #1 stepped down for #4: it is approved again, not lost.
	if st := tribunetest.Get(t, svc, 1).Status; st != tribune.StatusApproved {
		t.Errorf("#1 is %s after #4 took the air, want approved", st)
	}

	t.Run("NothingWaits", func(t *testing.T) {
		svc := MustOpenService(t)
		a := tribune.Actor{Login: "newbie", UserID: "77", FirstMessage: true}
		if _, err := svc.Ask(context.Background(), a, "Pending only?"); err != nil {
			t.Fatal(err)
		}
		srv := StartServer(t, svc, "127.0.0.1:0")
		before := snap(t, svc)
		status, body := APIRequest(t, srv, "POST", "/api/next", testToken, "")
		if status != http.StatusConflict {
			t.Fatalf("status=%d, want 409; %s", status, body)
		}
		if e := decodeError(t, body); e.Code != tribune.ECONFLICT || e.Reason != tribune.ReasonNothingToShow {
			t.Errorf("error %+v, want conflict/%s", e, tribune.ReasonNothingToShow)
		}
		if after := snap(t, svc); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused next changed the state")
		}
	})
}

// TestAPI_State checks a button's read-out: what is on air, how many
// questions of each status (every status, zeros included), and the state
// of each source.
func TestAPI_State(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	svc.SetHealth("twitch #overlaytest", "connected")
	srv := StartServer(t, svc, "127.0.0.1:0")

	state := func(t *testing.T) overlay.State {
		t.Helper()
		status, body := APIRequest(t, srv, "GET", "/api/state", testToken, "")
		if status != http.StatusOK {
			t.Fatalf("status=%d; %s", status, body)
		}
		var st overlay.State
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("state %s: %v", body, err)
		}
		if !strings.Contains(string(body), `"onair":`) {
			t.Errorf("state %s has no onair key", body)
		}
		return st
	}
	wantCounts := func(t *testing.T, st overlay.State) {
		t.Helper()
		counts := svc.Counts()
		for _, status := range tribune.Statuses {
			got, ok := st.Counts[status]
			if !ok {
				t.Errorf("counts has no %q", status)
			}
			if got != counts[status] {
				t.Errorf("counts[%s]=%d, want %d", status, got, counts[status])
			}
		}
	}

	st := state(t)
	if st.OnAir != nil {
		t.Errorf("onair=%+v, want null", st.OnAir)
	}
	wantCounts(t, st)
	if st.Counts[tribune.StatusApproved] != 3 || st.Counts[tribune.StatusPending] != 1 || st.Counts[tribune.StatusAnswered] != 0 {
		t.Errorf("counts=%v, want 3 approved, 1 pending", st.Counts)
	}
	if st.Sources["twitch #overlaytest"] != "connected" || st.Sources[tribune.HealthStorage] != tribune.HealthOK {
		t.Errorf("sources=%v, want twitch connected and storage ok", st.Sources)
	}

	tribunetest.Show(t, svc, 2)
	if _, err := svc.Answer(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	st = state(t)
	if st.OnAir == nil || st.OnAir.ID != 2 || st.OnAir.Aired.IsZero() {
		t.Errorf("onair=%+v, want #2 with its time on air", st.OnAir)
	}
	wantCounts(t, st)
	if st.Counts[tribune.StatusOnAir] != 1 || st.Counts[tribune.StatusAnswered] != 1 {
		t.Errorf("counts=%v, want 1 on air and 1 answered", st.Counts)
	}
}

// TestAPI_Label checks labelling: the label in the response and the
// state, the limits, unknown questions, removal and undo.
func TestAPI_Label(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")

	status, body := APIRequest(t, srv, "POST", "/api/questions/1/label", testToken, `{"label":"  transport  "}`)
	if status != http.StatusOK {
		t.Fatalf("status=%d; %s", status, body)
	}
	if q := decodeQuestion(t, body); q.ID != 1 || q.Label != "transport" {
		t.Errorf("response %+v, want #1 labelled transport", q)
	}
	if got := tribunetest.Get(t, svc, 1).Label; got != "transport" {
		t.Errorf("Label=%q, want transport", got)
	}

	long := strings.Repeat("é", tribune.MaxLabelRunes+1)
	refusals := []struct {
		name, path, body string
		status           int
		code, reason     string
	}{
		{"TooLong", "/api/questions/2/label", `{"label":"` + long + `"}`, 400, tribune.EINVALID, tribune.ReasonTooLong},
		{"Unknown", "/api/questions/999/label", `{"label":"x"}`, 404, tribune.ENOTFOUND, tribune.ReasonUnknown},
		{"NotANumber", "/api/questions/x/label", `{"label":"x"}`, 404, tribune.ENOTFOUND, tribune.ReasonUnknown},
		{"Missing", "/api/questions/2/label", `{}`, 400, tribune.EINVALID, tribune.ReasonInvalidRequest},
		{"WrongType", "/api/questions/2/label", `{"label":3}`, 400, tribune.EINVALID, tribune.ReasonInvalidRequest},
		{"NoBody", "/api/questions/2/label", ``, 400, tribune.EINVALID, tribune.ReasonInvalidRequest},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := snap(t, svc)
			status, body := APIRequest(t, srv, "POST", tc.path, testToken, tc.body)
			if status != tc.status {
				t.Fatalf("status=%d, want %d; %s", status, tc.status, body)
			}
			if e := decodeError(t, body); e.Code != tc.code || e.Reason != tc.reason {
				t.Errorf("error %+v, want %s/%s", e, tc.code, tc.reason)
			}
			if after := snap(t, svc); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused label changed the state")
			}
		})
	}
	t.Run("TooLongSaysTheLimit", func(t *testing.T) {
		_, body := APIRequest(t, srv, "POST", "/api/questions/2/label", testToken, `{"label":"`+long+`"}`)
		if e := decodeError(t, body); e.Args["max"] != float64(tribune.MaxLabelRunes) {
			t.Errorf("args %v, want max %d", e.Args, tribune.MaxLabelRunes)
		}
	})
	t.Run("RemoveAndUndo", func(t *testing.T) {
		status, body := APIRequest(t, srv, "POST", "/api/questions/1/label", testToken, `{"label":""}`)
		if status != http.StatusOK || decodeQuestion(t, body).Label != "" || tribunetest.Get(t, svc, 1).Label != "" {
			t.Fatalf("remove: status=%d %s; label %q", status, body, tribunetest.Get(t, svc, 1).Label)
		}
		if status, body := APIRequest(t, srv, "POST", "/api/undo", testToken, ""); status != http.StatusOK {
			t.Fatalf("undo: %d %s", status, body)
		}
		if got := tribunetest.Get(t, svc, 1).Label; got != "transport" {
			t.Errorf("Label=%q after undo, want transport back", got)
		}
	})
}

// TestAPI_RejectMany checks a wave: every open question of it rejected in
// one action, the on-air one taken off, closed ones skipped, and one undo
// that puts everything back.
func TestAPI_RejectMany(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	tribunetest.Ask(t, svc, tribunetest.Viewer(5), "Spam wave one")
	tribunetest.Ask(t, svc, tribunetest.Viewer(6), "Spam wave two")
	if _, err := svc.Answer(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	tribunetest.Show(t, svc, 1)
	srv := StartServer(t, svc, "127.0.0.1:0")
	before := snap(t, svc)

	refusals := []struct {
		name, body string
		status     int
		code       string
	}{
		{"Empty", `{"ids":[]}`, 400, tribune.EINVALID},
		{"Missing", `{}`, 400, tribune.EINVALID},
		{"NotNumbers", `{"ids":["1"]}`, 400, tribune.EINVALID},
		{"Unknown", `{"ids":[5,999]}`, 404, tribune.ENOTFOUND},
		{"NoneOpen", `{"ids":[2]}`, 409, tribune.ECONFLICT},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			status, body := APIRequest(t, srv, "POST", "/api/questions/reject", testToken, tc.body)
			if status != tc.status {
				t.Fatalf("status=%d, want %d; %s", status, tc.status, body)
			}
			if e := decodeError(t, body); e.Code != tc.code {
				t.Errorf("code=%q, want %q", e.Code, tc.code)
			}
			if after := snap(t, svc); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused wave changed the state")
			}
		})
	}

	// #2 is answered: skipped. #3 pending, #1 on air, #5 and #6 approved.
	status, body := APIRequest(t, srv, "POST", "/api/questions/reject", testToken, `{"ids":[1,2,3,5,6]}`)
	if status != http.StatusOK {
		t.Fatalf("status=%d; %s", status, body)
	}
	var qs []tribune.Question
	if err := json.Unmarshal(body, &qs); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, q := range qs {
		ids = append(ids, q.ID)
		if q.Status != tribune.StatusRejected {
			t.Errorf("#%d is %s in the response, want rejected", q.ID, q.Status)
		}
	}
	if !reflect.DeepEqual(ids, []int{1, 3, 5, 6}) {
		t.Errorf("rejected %v, want [1 3 5 6]", ids)
	}
	for _, id := range []int{1, 3, 5, 6} {
		if st := tribunetest.Get(t, svc, id).Status; st != tribune.StatusRejected {
			t.Errorf("#%d is %s, want rejected", id, st)
		}
	}
	if _, ok := svc.OnAir(); ok {
		t.Error("the rejected on-air question is still on air")
	}
	if n := len(svc.Log()) - len(before.Log); n != 1 {
		t.Errorf("the wave logged %d actions, want 1", n)
	}

	if status, body := APIRequest(t, srv, "POST", "/api/undo", testToken, ""); status != http.StatusOK {
		t.Fatalf("undo: %d %s", status, body)
	}
	after := snap(t, svc)
	for i, q := range before.Questions {
		if got := after.Questions[i]; got.Status != q.Status {
			t.Errorf("#%d is %s after one undo, want %s", q.ID, got.Status, q.Status)
		}
	}
	if on, ok := svc.OnAir(); !ok || on.ID != 1 {
		t.Errorf("on air after undo: #%d %v, want #1 back", on.ID, ok)
	}
}

// TestClient_Buttons checks the remote console's Next, Label and
// RejectMany against the server.
func TestClient_Buttons(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	tribunetest.Vote(t, svc, tribunetest.Voter(1), 2)
	srv := StartServer(t, svc, "127.0.0.1:0")
	var m tribune.Moderation = newClient(t, srv, testToken)
	ctx := context.Background()

	q, err := m.Next(ctx)
	if err != nil || q.ID != 2 || tribunetest.Get(t, svc, 2).Status != tribune.StatusOnAir {
		t.Fatalf("Next = #%d, %v; want #2 on air", q.ID, err)
	}
	q, err = m.Label(ctx, 4, "vélo")
	if err != nil || q.Label != "vélo" || tribunetest.Get(t, svc, 4).Label != "vélo" {
		t.Fatalf("Label = %+v, %v", q, err)
	}
	if _, err := m.Label(ctx, 4, strings.Repeat("x", tribune.MaxLabelRunes+1)); tribune.ErrorCode(err) != tribune.EINVALID || tribune.ErrorReason(err) != tribune.ReasonTooLong {
		t.Errorf("Label too long: %v, want invalid/too_long", err)
	}
	qs, err := m.RejectMany(ctx, []int{1, 4})
	if err != nil || len(qs) != 2 {
		t.Fatalf("RejectMany = %d questions, %v; want 2", len(qs), err)
	}
	if _, err := m.RejectMany(ctx, []int{999}); tribune.ErrorCode(err) != tribune.ENOTFOUND {
		t.Errorf("RejectMany unknown: %v, want not found", err)
	}
	if _, err := m.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{1, 4} {
		if st := tribunetest.Get(t, svc, id).Status; st != tribune.StatusApproved {
			t.Errorf("#%d is %s after undo, want approved", id, st)
		}
	}
	if _, err := m.Next(ctx); err != nil {
		t.Fatal(err)
	}
	svc2 := MustOpenService(t)
	if _, err := newClient(t, StartServer(t, svc2, "127.0.0.1:0"), testToken).Next(ctx); tribune.ErrorCode(err) != tribune.ECONFLICT || tribune.ErrorReason(err) != tribune.ReasonNothingToShow {
		t.Errorf("Next with nothing approved: %v, want conflict/%s", err, tribune.ReasonNothingToShow)
	}
}

// TestAPI_Report checks GET /api/report: the token, 404 without a report,
// the report's HTML as it was written, and a clean error when it fails.
func TestAPI_Report(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	t.Run("NoReport", func(t *testing.T) {
		srv := StartServer(t, svc, "127.0.0.1:0")
		status, body := APIRequest(t, srv, "GET", "/api/report", testToken, "")
		if status != http.StatusNotFound || decodeError(t, body).Code != tribune.ENOTFOUND {
			t.Errorf("status=%d %s, want 404", status, body)
		}
	})
	report := func(ctx context.Context, w io.Writer) error {
		qs, err := svc.Questions(ctx, "")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "<!doctype html><title>Report</title><p>%d questions</p>", len(qs))
		return err
	}
	srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) { s.Report = report })
	if status, _ := APIRequest(t, srv, "GET", "/api/report", "", ""); status != http.StatusUnauthorized {
		t.Errorf("without a token: status=%d, want 401", status)
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/api/report", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "<!doctype html><title>Report</title><p>4 questions</p>" {
		t.Errorf("report: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type=%q, want text/html", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy=%q, want nothing loaded and no script", csp)
	}

	t.Run("Fails", func(t *testing.T) {
		srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) {
			s.Report = func(ctx context.Context, w io.Writer) error {
				io.WriteString(w, "<!doctype html><p>half a rep")
				return errors.New("chart: out of ink")
			}
		})
		status, body := APIRequest(t, srv, "GET", "/api/report", testToken, "")
		if status != http.StatusInternalServerError {
			t.Fatalf("status=%d, want 500; %s", status, body)
		}
		if e := decodeError(t, body); e.Code != tribune.EINTERNAL || strings.Contains(string(body), "half") || strings.Contains(string(body), "ink") {
			t.Errorf("body %s: want an internal error, without the half page or the detail", body)
		}
	})
}

// TestHealthz checks that /healthz is 200 "ok" while the meeting records,
// whatever chat does, and 503 naming storage once storage refuses writes.
func TestHealthz(t *testing.T) {
	svc, db := OpenServiceDB(t, filepath.Join(t.TempDir(), "t.db"))
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	healthz := func(t *testing.T) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := healthz(t); status != 200 || body != "ok" {
		t.Errorf("healthz: %d %q, want 200 ok", status, body)
	}
	// Chat down: the ask page and the console still take questions.
	svc.SetHealth(tribune.HealthChat, "disconnected")
	svc.SetHealth("youtube", "quota exceeded")
	if status, body := healthz(t); status != 200 || body != "ok" {
		t.Errorf("healthz with chat down: %d %q, want 200 ok", status, body)
	}

	db.Close() // storage now refuses every write
	if _, err := svc.Show(context.Background(), 1); tribune.ErrorCode(err) != tribune.EUNAVAILABLE {
		t.Fatalf("show on a closed store: %v, want unavailable", err)
	}
	state := tribunetest.Health(svc)[tribune.HealthStorage]
	if state == tribune.HealthOK || state == "" {
		t.Fatalf("storage health %q after a refused write", state)
	}
	status, body := healthz(t)
	if status != http.StatusServiceUnavailable || body != "storage: "+state {
		t.Errorf("healthz: %d %q, want 503 %q", status, body, "storage: "+state)
	}
}

// TestServer_Listener checks that a pre-bound listener is served instead
// of Addr, and closed by Close; and that a busy port fails Open cleanly.
func TestServer_Listener(t *testing.T) {
	svc := MustOpenService(t)
	ln := tribunetest.Listen(t)
	srv := overlay.NewServer(svc)
	srv.Addr = "203.0.113.1:1" // not this machine's: binding it would fail
	srv.Listener = ln
	srv.Token = testToken
	srv.Logger = tribunetest.QuietLogger()
	if err := srv.Open(); err != nil {
		t.Fatalf("open on a bound listener: %v", err)
	}
	if want := "http://" + ln.Addr().String(); srv.URL() != want {
		t.Errorf("URL=%q, want %q", srv.URL(), want)
	}
	if status, body := APIRequest(t, srv, "GET", "/api/session", testToken, ""); status != 200 {
		t.Errorf("api on the listener: %d %s", status, body)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Errorf("the listener still accepts after Close")
	}

	t.Run("BusyPort", func(t *testing.T) {
		busy := tribunetest.Listen(t)
		srv := overlay.NewServer(svc)
		srv.Addr = busy.Addr().String()
		srv.Logger = tribunetest.QuietLogger()
		if err := srv.Open(); err == nil || !strings.Contains(err.Error(), busy.Addr().String()) {
			t.Errorf("open on a busy port: %v, want an error naming it", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("close after a failed open: %v", err)
		}
	})
}

// TestServer_BadConfig checks that a bad language or ask address fails
// Open with a clear error, before anything listens.
func TestServer_BadConfig(t *testing.T) {
	svc := MustOpenService(t)
	for _, tc := range []struct {
		name, lang, askURL, want string
	}{
		{"Lang", "de", "", `unknown language "de"`},
		{"AskURLRelative", "", "/ask", "not an http or https address"},
		{"AskURLScheme", "", "javascript:alert(1)", "not an http or https address"},
		{"AskURLNoHost", "", "https:///ask", "not an http or https address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := tribunetest.Listen(t)
			srv := overlay.NewServer(svc)
			srv.Listener = ln
			srv.Lang, srv.AskURL = tc.lang, tc.askURL
			srv.Logger = tribunetest.QuietLogger()
			if err := srv.Open(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want %q", err, tc.want)
			}
			// Nothing serves: a connection is accepted by the kernel but
			// never answered.
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprint(c, "GET /healthz HTTP/1.0\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if n, _ := c.Read(make([]byte, 64)); n > 0 {
				t.Errorf("a server answered after a failed Open")
			}
		})
	}
}

// TestServer_AskMounted checks that the ask page's handler serves /ask and
// everything under it on the main listener, and nothing else.
func TestServer_AskMounted(t *testing.T) {
	svc := MustOpenService(t)
	ask := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ask page: %s %s", r.Method, r.URL.Path)
	})
	srv := StartServerWith(t, svc, "127.0.0.1:0", func(s *overlay.Server) { s.Ask = ask })
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/ask", "ask page: GET /ask"},
		{"GET", "/ask/", "ask page: GET /ask/"},
		{"POST", "/ask/questions", "ask page: POST /ask/questions"},
		{"DELETE", "/ask/questions/3/vote", "ask page: DELETE /ask/questions/3/vote"},
	} {
		status, body := APIRequest(t, srv, tc.method, tc.path, "", "")
		if status != 200 || string(body) != tc.want {
			t.Errorf("%s %s: %d %q, want %q", tc.method, tc.path, status, body, tc.want)
		}
	}
	if status, body := APIRequest(t, srv, "GET", "/asking", "", ""); status != 404 {
		t.Errorf("GET /asking: %d %q, want 404", status, body)
	}
	plain := StartServer(t, svc, "127.0.0.1:0")
	if status, _ := APIRequest(t, plain, "GET", "/ask", "", ""); status != 404 {
		t.Errorf("GET /ask without an ask page: %d, want 404", status)
	}
}

// TestAPI_EventsTokenInHeaderOnly checks that /api/events refuses a token
// in its URL, while the remote console, which sends it in a header, works.
func TestAPI_EventsTokenInHeaderOnly(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	u := tribunetest.WebSocketURL(srv.URL()) + "/api/events?token=" + testToken
	if _, resp, err := websocket.DefaultDialer.Dial(u, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("dial with the token in the URL: err=%v resp=%v, want 401", err, resp)
	}
	sub := tribunetest.Subscribe(t, newClient(t, srv, testToken))
	select {
	case ev := <-sub.C:
		if ev.Type != tribune.EventHealth {
			t.Errorf("first event %+v, want health", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event from the client's subscription")
	}
}
