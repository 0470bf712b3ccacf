package overlay_test

import (
	"context"
	"encoding/json"
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

// snapshot is the state an API call may change.
type snapshot struct {
	Questions []tribune.Question
	Log       []tribune.LogEntry
	OnAir     tribune.Question
	Banned    bool
}

func snap(t testing.TB, svc *tribune.Service) snapshot {
	q, _ := svc.OnAir()
	return snapshot{Questions: tribunetest.Questions(t, svc, ""), Log: svc.Log(), OnAir: q, Banned: svc.Banned(tribunetest.TwitchViewer("viewer2"))}
}

func decodeError(t *testing.T, body []byte) overlay.ErrorDetail {
	t.Helper()
	var e overlay.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("error body %q has no code or message", body)
	}
	return e.Error
}

// seed puts in: #1 and #2 approved, #3 pending (a first-time chatter), #4 approved.
func seed(t *testing.T, svc *tribune.Service) {
	t.Helper()
	tribunetest.Ask(t, svc, tribunetest.Viewer(1), "What is the plan for public transport?")
	tribunetest.Ask(t, svc, tribunetest.Viewer(2), "Will the library open on Sundays?")
	a := tribune.Actor{Login: "newbie", DisplayName: "Newbie", UserID: "42", FirstMessage: true}
	if _, err := svc.Ask(context.Background(), a, "First time here: how do I vote?"); err != nil {
		t.Fatal(err)
	}
	tribunetest.Ask(t, svc, tribunetest.Viewer(4), "What about bike lanes?")
}

// routes lists every API route with a request that is valid in its shape.
var routes = []struct {
	method, path, body string
}{
	{"GET", "/api/session", ""},
	{"GET", "/api/health", ""},
	{"GET", "/api/questions", ""},
	{"GET", "/api/questions?status=approved", ""},
	{"GET", "/api/questions/1", ""},
	{"POST", "/api/questions/3/approve", ""},
	{"POST", "/api/questions/1/reject", ""},
	{"POST", "/api/questions/1/show", ""},
	{"POST", "/api/questions/1/answer", ""},
	{"POST", "/api/questions/1/restore", ""},
	{"POST", "/api/questions/2/merge", `{"into":1}`},
	{"POST", "/api/questions/1/edit", `{"text":"fixed"}`},
	{"POST", "/api/overlay/hide", ""},
	{"POST", "/api/undo", ""},
	{"POST", "/api/users/viewer2/ban", ""},
	{"GET", "/api/events", ""},
	{"GET", "/api/state", ""},
	{"POST", "/api/next", ""},
	{"POST", "/api/questions/1/label", `{"label":"x"}`},
	{"POST", "/api/questions/reject", `{"ids":[1,2]}`},
	{"GET", "/api/report", ""},
}

func TestAPI_Routes(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")

	question := func(t *testing.T, b []byte) tribune.Question {
		t.Helper()
		var q tribune.Question
		if err := json.Unmarshal(b, &q); err != nil {
			t.Fatalf("question %q: %v", b, err)
		}
		return q
	}
	// The steps run in order: each leaves the state the next expects.
	steps := []struct {
		name, method, path, body string
		check                    func(t *testing.T, b []byte)
	}{
		{"Session", "GET", "/api/session", "", func(t *testing.T, b []byte) {
			var s tribune.Session
			json.Unmarshal(b, &s)
			if s.Channel != "overlaytest" || s.ID == 0 {
				t.Errorf("session = %+v, want channel overlaytest", s)
			}
		}},
		{"Health", "GET", "/api/health", "", func(t *testing.T, b []byte) {
			var h map[string]string
			json.Unmarshal(b, &h)
			if h[tribune.HealthOverlay] != "0" {
				t.Errorf("health = %v, want overlay 0", h)
			}
		}},
		{"QuestionsAll", "GET", "/api/questions", "", func(t *testing.T, b []byte) {
			var qs []tribune.Question
			json.Unmarshal(b, &qs)
			if len(qs) != 4 {
				t.Errorf("len(questions)=%d, want 4", len(qs))
			}
		}},
		{"QuestionsPending", "GET", "/api/questions?status=pending", "", func(t *testing.T, b []byte) {
			var qs []tribune.Question
			json.Unmarshal(b, &qs)
			if len(qs) != 1 || qs[0].ID != 3 {
				t.Errorf("pending = %+v, want only #3", qs)
			}
		}},
		{"Question", "GET", "/api/questions/2", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.ID != 2 || q.Text != "Will the library open on Sundays?" || q.Author != "Viewer2" {
				t.Errorf("question = %+v", q)
			}
		}},
		{"Approve", "POST", "/api/questions/3/approve", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.Status != tribune.StatusApproved {
				t.Errorf("Status=%s, want approved", q.Status)
			}
		}},
		{"Show", "POST", "/api/questions/1/show", "", func(t *testing.T, b []byte) {
			if q, ok := svc.OnAir(); !ok || q.ID != 1 {
				t.Errorf("on air: %+v %v, want #1", q, ok)
			}
		}},
		{"HideOverlay", "POST", "/api/overlay/hide", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.ID != 1 || q.Status != tribune.StatusApproved {
				t.Errorf("hidden = %+v, want #1 approved", q)
			}
			if _, ok := svc.OnAir(); ok {
				t.Error("still on air after hide")
			}
		}},
		{"Answer", "POST", "/api/questions/1/answer", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.Status != tribune.StatusAnswered {
				t.Errorf("Status=%s, want answered", q.Status)
			}
		}},
		{"Restore", "POST", "/api/questions/1/restore", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.Status != tribune.StatusApproved {
				t.Errorf("Status=%s, want approved", q.Status)
			}
		}},
		{"Reject", "POST", "/api/questions/4/reject", "", func(t *testing.T, b []byte) {
			if q := question(t, b); q.Status != tribune.StatusRejected {
				t.Errorf("Status=%s, want rejected", q.Status)
			}
		}},
		{"Merge", "POST", "/api/questions/3/merge", `{"into":1}`, func(t *testing.T, b []byte) {
			if q := question(t, b); q.Status != tribune.StatusMerged || q.MergedInto != 1 {
				t.Errorf("merged = %+v, want merged into #1", q)
			}
			if q := tribunetest.Get(t, svc, 1); q.Votes != 2 {
				t.Errorf("Votes=%d, want 2 after the merge", q.Votes)
			}
		}},
		{"Edit", "POST", "/api/questions/1/edit", `{"text":"  What is the plan for buses?  "}`, func(t *testing.T, b []byte) {
			if q := question(t, b); q.Text != "What is the plan for buses?" {
				t.Errorf("Text=%q", q.Text)
			}
		}},
		{"Undo", "POST", "/api/undo", "", func(t *testing.T, b []byte) {
			var e tribune.LogEntry
			json.Unmarshal(b, &e)
			if e.Action != tribune.ActionEdit || !e.Undone {
				t.Errorf("undone = %+v, want the edit", e)
			}
			if q := tribunetest.Get(t, svc, 1); q.Text != "What is the plan for public transport?" {
				t.Errorf("Text=%q after undo", q.Text)
			}
		}},
		{"Ban", "POST", "/api/users/Viewer2/ban", "", func(t *testing.T, b []byte) {
			var ban tribune.Ban
			json.Unmarshal(b, &ban)
			if ban.Login != "viewer2" || ban.By != "api" {
				t.Errorf("ban = %+v, want viewer2 by api", ban)
			}
			if !svc.Banned(tribunetest.TwitchViewer("viewer2")) {
				t.Error("viewer2 is not banned")
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			status, body := APIRequest(t, srv, st.method, st.path, testToken, st.body)
			if status != http.StatusOK {
				t.Fatalf("status=%d, want 200; body %s", status, body)
			}
			st.check(t, body)
		})
	}
}

func TestAPI_Unauthorized(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	tribunetest.Show(t, svc, 1)
	srv := StartServer(t, svc, "127.0.0.1:0")

	auths := []struct{ name, header string }{
		{"Missing", ""},
		{"Wrong", "Bearer wrong-token"},
		{"Prefix", "Bearer " + testToken[:len(testToken)-1]},
		{"Longer", "Bearer " + testToken + "x"},
		{"Basic", "Basic " + testToken},
		{"Bare", testToken},
	}
	for _, rt := range routes {
		for _, a := range auths {
			t.Run(rt.method+rt.path+"/"+a.name, func(t *testing.T) {
				before := snap(t, svc)
				req, _ := http.NewRequest(rt.method, srv.URL()+rt.path, strings.NewReader(rt.body))
				if a.header != "" {
					req.Header.Set("Authorization", a.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var e overlay.ErrorBody
				json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status=%d, want 401", resp.StatusCode)
				}
				if e.Error.Code != tribune.EUNAUTHORIZED {
					t.Errorf("code=%q, want %q", e.Error.Code, tribune.EUNAUTHORIZED)
				}
				if after := snap(t, svc); !reflect.DeepEqual(before, after) {
					t.Errorf("state changed by a refused request")
				}
			})
		}
	}

	t.Run("QueryTokenRefused", func(t *testing.T) {
		for _, path := range []string{"/api/questions?token=" + testToken, "/api/events?token=" + testToken} {
			if status, _ := APIRequest(t, srv, "GET", path, "", ""); status != http.StatusUnauthorized {
				t.Errorf("GET %s: status=%d, want 401: the token is taken from the header only", path, status)
			}
		}
	})
	t.Run("NoServerToken", func(t *testing.T) {
		srv2 := overlay.NewServer(svc)
		srv2.Addr = "127.0.0.1:0"
		srv2.Logger = tribunetest.QuietLogger()
		if err := srv2.Open(); err != nil {
			t.Fatal(err)
		}
		defer srv2.Close()
		for _, tok := range []string{"", "x"} {
			req, _ := http.NewRequest("GET", srv2.URL()+"/api/questions", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("token %q with no server token: status=%d, want 401", tok, resp.StatusCode)
			}
		}
	})
}

func TestAPI_Refusals(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	long := strings.Repeat("é", tribune.MaxQuestionRunes+1)

	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		// Bad ids.
		{"GetUnknown", "GET", "/api/questions/999", "", 404, tribune.ENOTFOUND},
		{"GetNotANumber", "GET", "/api/questions/abc", "", 404, tribune.ENOTFOUND},
		{"GetZero", "GET", "/api/questions/0", "", 404, tribune.ENOTFOUND},
		{"ApproveUnknown", "POST", "/api/questions/999/approve", "", 404, tribune.ENOTFOUND},
		{"ApproveNotANumber", "POST", "/api/questions/x1/approve", "", 404, tribune.ENOTFOUND},
		{"ApproveNegative", "POST", "/api/questions/-1/approve", "", 404, tribune.ENOTFOUND},
		{"RejectUnknown", "POST", "/api/questions/999/reject", "", 404, tribune.ENOTFOUND},
		{"ShowUnknown", "POST", "/api/questions/999/show", "", 404, tribune.ENOTFOUND},
		{"ShowHuge", "POST", "/api/questions/99999999999999999999/show", "", 404, tribune.ENOTFOUND},
		{"AnswerUnknown", "POST", "/api/questions/999/answer", "", 404, tribune.ENOTFOUND},
		{"RestoreUnknown", "POST", "/api/questions/999/restore", "", 404, tribune.ENOTFOUND},
		{"MergeUnknown", "POST", "/api/questions/999/merge", `{"into":1}`, 404, tribune.ENOTFOUND},
		{"MergeIntoUnknown", "POST", "/api/questions/2/merge", `{"into":999}`, 404, tribune.ENOTFOUND},
		{"EditUnknown", "POST", "/api/questions/999/edit", `{"text":"x"}`, 404, tribune.ENOTFOUND},
		{"EditNotANumber", "POST", "/api/questions/one/edit", `{"text":"x"}`, 404, tribune.ENOTFOUND},
		{"UnknownAction", "POST", "/api/questions/1/delete", "", 404, tribune.ENOTFOUND},
		{"UnknownRoute", "GET", "/api/nothing", "", 404, tribune.ENOTFOUND},
		// Bad bodies and queries.
		{"StatusUnknown", "GET", "/api/questions?status=bogus", "", 400, tribune.EINVALID},
		{"MergeNoBody", "POST", "/api/questions/2/merge", "", 400, tribune.EINVALID},
		{"MergeBadJSON", "POST", "/api/questions/2/merge", `{"into":`, 400, tribune.EINVALID},
		{"MergeWrongType", "POST", "/api/questions/2/merge", `{"into":"1"}`, 400, tribune.EINVALID},
		{"MergeMissingInto", "POST", "/api/questions/2/merge", `{}`, 400, tribune.EINVALID},
		{"MergeZero", "POST", "/api/questions/2/merge", `{"into":0}`, 400, tribune.EINVALID},
		{"MergeUnknownField", "POST", "/api/questions/2/merge", `{"into":1,"force":true}`, 400, tribune.EINVALID},
		{"MergeTwoValues", "POST", "/api/questions/2/merge", `{"into":1}{"into":4}`, 400, tribune.EINVALID},
		{"MergeArray", "POST", "/api/questions/2/merge", `[1]`, 400, tribune.EINVALID},
		{"MergeSelf", "POST", "/api/questions/2/merge", `{"into":2}`, 400, tribune.EINVALID},
		{"EditNoBody", "POST", "/api/questions/1/edit", "", 400, tribune.EINVALID},
		{"EditMissingText", "POST", "/api/questions/1/edit", `{}`, 400, tribune.EINVALID},
		{"EditWrongType", "POST", "/api/questions/1/edit", `{"text":5}`, 400, tribune.EINVALID},
		{"EditEmpty", "POST", "/api/questions/1/edit", `{"text":"  "}`, 400, tribune.EINVALID},
		{"EditTooLong", "POST", "/api/questions/1/edit", `{"text":"` + long + `"}`, 400, tribune.EINVALID},
		{"BanBadLogin", "POST", "/api/users/a%20b/ban", "", 400, tribune.EINVALID},
		// Conflicts.
		{"ApproveApproved", "POST", "/api/questions/1/approve", "", 409, tribune.ECONFLICT},
		{"RestoreApproved", "POST", "/api/questions/1/restore", "", 409, tribune.ECONFLICT},
		{"HideNothing", "POST", "/api/overlay/hide", "", 409, tribune.ECONFLICT},
		{"UndoNothing", "POST", "/api/undo", "", 409, tribune.ECONFLICT},
		// Methods.
		{"GetUndo", "GET", "/api/undo", "", 405, tribune.EINVALID},
		{"PostQuestions", "POST", "/api/questions", "", 405, tribune.EINVALID},
		{"DeleteQuestion", "DELETE", "/api/questions/1", "", 405, tribune.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snap(t, svc)
			status, body := APIRequest(t, srv, tc.method, tc.path, testToken, tc.body)
			if status != tc.status {
				t.Fatalf("status=%d, want %d; body %s", status, tc.status, body)
			}
			if e := decodeError(t, body); e.Code != tc.code {
				t.Errorf("code=%q, want %q (%s)", e.Code, tc.code, e.Message)
			}
			if after := snap(t, svc); !reflect.DeepEqual(before, after) {
				t.Errorf("state changed by a refused request")
			}
		})
	}

	t.Run("BanTwice", func(t *testing.T) {
		if status, body := APIRequest(t, srv, "POST", "/api/users/viewer4/ban", testToken, ""); status != 200 {
			t.Fatalf("first ban: status=%d %s", status, body)
		}
		before := snap(t, svc)
		status, body := APIRequest(t, srv, "POST", "/api/users/viewer4/ban", testToken, "")
		if status != http.StatusConflict {
			t.Fatalf("status=%d, want 409; %s", status, body)
		}
		if after := snap(t, svc); !reflect.DeepEqual(before, after) {
			t.Errorf("state changed by a refused ban")
		}
	})
	t.Run("ErrorArgs", func(t *testing.T) {
		_, body := APIRequest(t, srv, "POST", "/api/questions/1/edit", testToken, `{"text":"`+long+`"}`)
		e := decodeError(t, body)
		if e.Reason != tribune.ReasonTooLong || e.Args["max"] != float64(tribune.MaxQuestionRunes) {
			t.Errorf("error = %+v, want reason %s with max %d", e, tribune.ReasonTooLong, tribune.MaxQuestionRunes)
		}
	})
}

func TestAPI_Moderator(t *testing.T) {
	svc := MustOpenService(t)
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	tests := []struct{ name, header, want string }{
		{"Named", "Alice", "Alice"},
		{"Default", "", "api"},
		{"Cleaned", "  Bob \t ", "Bob"},
		{"Long", strings.Repeat("m", 100), strings.Repeat("m", 64)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", srv.URL()+"/api/questions/1/show", nil)
			if i%2 == 1 {
				req.URL.Path = "/api/questions/2/show"
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			if tc.header != "" {
				req.Header.Set(overlay.ModeratorHeader, tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status=%d", resp.StatusCode)
			}
			log := svc.Log()
			if got := log[len(log)-1].Moderator; got != tc.want {
				t.Errorf("Moderator=%q, want %q", got, tc.want)
			}
		})
	}
}

// TestAPI_Unavailable checks that a storage failure is a 503 whose body
// carries no low-level detail.
func TestAPI_Unavailable(t *testing.T) {
	svc, db := OpenServiceDB(t, filepath.Join(t.TempDir(), "t.db"))
	seed(t, svc)
	srv := StartServer(t, svc, "127.0.0.1:0")
	db.Close()
	status, body := APIRequest(t, srv, "POST", "/api/questions/1/show", testToken, "")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("status=%d, want 503; %s", status, body)
	}
	e := decodeError(t, body)
	if e.Code != tribune.EUNAVAILABLE || strings.Contains(e.Message, "store:") || strings.Contains(string(body), "sql") {
		t.Errorf("error = %+v, want unavailable without detail", e)
	}
}

// TestAPI_Events checks the remote console's stream: a hello, then every
// event of the service, as tribune.Event JSON.
func TestAPI_Events(t *testing.T) {
	svc := MustOpenService(t)
	srv := StartServer(t, svc, "127.0.0.1:0")
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
	}{
		{"Header", "/api/events", http.Header{"Authorization": {"Bearer " + testToken}}},
		{"HeaderLowerCaseScheme", "/api/events", http.Header{"Authorization": {"bearer " + testToken}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := DialWS(t, srv, tc.path, tc.header)
			if m := ReadMessage(t, conn, 5*time.Second); m.Type != string(tribune.EventHealth) {
				t.Fatalf("first message %+v, want health", m)
			}
			q := tribunetest.Ask(t, svc, tribunetest.Viewer(1), "Streamed "+tc.name+"?")
			m := ReadUntil(t, conn, string(tribune.EventCreated), 5*time.Second)
			if m.Question == nil || m.Question.ID != q.ID || m.Question.Text != q.Text {
				t.Errorf("created = %+v, want #%d", m.Question, q.ID)
			}
			tribunetest.Show(t, svc, q.ID)
			if m := ReadUntil(t, conn, string(tribune.EventOnAir), 5*time.Second); m.Question == nil || m.Question.ID != q.ID {
				t.Errorf("onair = %+v, want #%d", m.Question, q.ID)
			}
			tribunetest.Vote(t, svc, tribunetest.Voter(1), q.ID)
			if m := ReadUntil(t, conn, string(tribune.EventVoted), 5*time.Second); m.Question == nil || m.Question.Votes != 2 {
				t.Errorf("voted = %+v, want 2 votes", m.Question)
			}
			tribunetest.Hide(t, svc)
			ReadUntil(t, conn, string(tribune.EventOffAir), 5*time.Second)
		})
	}
	t.Run("ForeignOrigin", func(t *testing.T) {
		u := tribunetest.WebSocketURL(srv.URL()) + "/api/events"
		h := http.Header{"Authorization": {"Bearer " + testToken}, "Origin": {"https://evil.example"}}
		if _, resp, err := websocket.DefaultDialer.Dial(u, h); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("dial from a foreign origin: err=%v, want 403", err)
		}
	})
}
