package ask_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/ask"
	"github.com/tribune-live/tribune/internal/fakeclock"
	"github.com/tribune-live/tribune/internal/tribunetest"
)

func TestAskAndVote(t *testing.T) {
	e := newEnv(t, options{})
	ctx := context.Background()
	alice, bob := e.browser(t), e.browser(t)

	res, err := alice.Ask(ctx, ask.AskRequest{Text: "  Will the  tram reach the north?  ", Name: " Alice\u200b ", Anonymous: false})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mine == nil || res.Duplicate || res.Question.ID != 1 {
		t.Fatalf("ask answered %+v, want a new question #1 with its own form", res)
	}
	if res.Message != "Thank you! Your question is #1." {
		t.Errorf("Message=%q", res.Message)
	}
	q := tribunetest.Get(t, e.svc, 1)
	want := tribune.Question{Text: "Will the tram reach the north?", Author: "Alice", Source: tribune.SourceWeb, AuthorID: alice.ID(), Channel: "web", Status: tribune.StatusApproved, Votes: 1}
	if q.Text != want.Text || q.Author != want.Author || q.Source != want.Source || q.AuthorID != want.AuthorID || q.Channel != want.Channel || q.Status != want.Status || q.Votes != want.Votes || q.AuthorLogin != "" {
		t.Errorf("stored %+v, want %+v", q, want)
	}
	if len(alice.ID()) != 22 {
		t.Errorf("browser id %q, want 22 characters (128 bits)", alice.ID())
	}
	if got := tribune.BanTarget(q); got != "web:"+alice.ID() {
		t.Errorf("BanTarget=%q", got)
	}

	t.Run("Vote", func(t *testing.T) {
		v, err := bob.Vote(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Voted || v.Question.Votes != 2 || v.Message != "Vote counted for #1." {
			t.Errorf("vote answered %+v", v)
		}
		if bob.ID() == alice.ID() || bob.ID() == "" {
			t.Errorf("bob's id %q, alice's %q: want two browsers", bob.ID(), alice.ID())
		}
	})
	t.Run("RepeatVote", func(t *testing.T) {
		_, err := bob.Vote(ctx, 1)
		ae := apiError(t, err)
		if ae.Status != http.StatusConflict || ae.Reason != tribune.ReasonAlreadyVoted || ae.Message != "You already voted for #1." {
			t.Errorf("repeat vote: %+v", ae)
		}
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 2 {
			t.Errorf("Votes=%d after a repeated vote, want 2", n)
		}
	})
	t.Run("AuthorVotesOnce", func(t *testing.T) {
		_, err := alice.Vote(ctx, 1)
		if ae := apiError(t, err); ae.Status != http.StatusConflict {
			t.Errorf("author's vote: %+v, want 409: the author's vote already counts", ae)
		}
	})
	t.Run("Unvote", func(t *testing.T) {
		v, err := bob.Unvote(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if v.Voted || v.Question.Votes != 1 {
			t.Errorf("unvote answered %+v", v)
		}
		_, err = bob.Unvote(ctx, 1)
		if ae := apiError(t, err); ae.Status != http.StatusConflict || ae.Reason != tribune.ReasonNotVoted {
			t.Errorf("second unvote: %+v", ae)
		}
		if n := tribunetest.Get(t, e.svc, 1).Votes; n != 1 {
			t.Errorf("Votes=%d, want 1", n)
		}
	})
	t.Run("State", func(t *testing.T) {
		st, err := alice.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Questions) != 1 || st.Questions[0].Author != "Alice" || st.Questions[0].Source != "web" {
			t.Errorf("Questions=%+v", st.Questions)
		}
		if len(st.Mine) != 1 || st.Mine[0].Status != tribune.StatusApproved || st.Mine[0].Name != "Alice" {
			t.Errorf("Mine=%+v", st.Mine)
		}
		if fmt.Sprint(st.Voted) != "[1]" {
			t.Errorf("Voted=%v, want [1]: the author's own vote", st.Voted)
		}
		st, _ = bob.State(ctx)
		if len(st.Mine) != 0 || len(st.Voted) != 0 {
			t.Errorf("bob's state %+v: his vote was taken back, he asked nothing", st)
		}
	})
	t.Run("DuplicateBecomesVote", func(t *testing.T) {
		carol := e.browser(t)
		res := mustAsk(t, carol, "will the TRAM reach the north")
		if !res.Duplicate || !res.Voted || res.Question.ID != 1 || res.Mine != nil {
			t.Fatalf("a near-duplicate answered %+v, want a vote on #1", res)
		}
		if res.Message != "This was already asked as #1: your vote was added to it." {
			t.Errorf("Message=%q", res.Message)
		}
		if n := count(e.svc); n != 1 {
			t.Errorf("%d questions, want 1", n)
		}
		if st, _ := carol.State(ctx); fmt.Sprint(st.Voted) != "[1]" {
			t.Errorf("carol's votes %v, want [1]", st.Voted)
		}
	})
}

func TestPublicForm(t *testing.T) {
	private := regexp.MustCompile(`"(login|user_id|channel|message_id|session|reports)"`)
	check := func(t *testing.T, what, raw string, idOf ...string) {
		t.Helper()
		if m := private.FindString(raw); m != "" {
			t.Errorf("%s carries %s: %s", what, m, raw)
		}
		for _, id := range idOf {
			if strings.Contains(raw, id) {
				t.Errorf("%s carries a browser id: %s", what, raw)
			}
		}
	}
	for _, show := range []bool{true, false} {
		t.Run(fmt.Sprintf("ShowAuthors=%v", show), func(t *testing.T) {
			e := newEnv(t, options{server: func(s *ask.Server) { s.ShowAuthors = show }})
			ctx := context.Background()
			named, anon := e.browser(t), e.browser(t)
			feed := e.openFeed(t, nil)
			feed.next(t, "snapshot", 5*time.Second)
			if _, err := named.Ask(ctx, ask.AskRequest{Text: "Named question about parking?", Name: "Nora"}); err != nil {
				t.Fatal(err)
			}
			res, err := anon.Ask(ctx, ask.AskRequest{Text: "Anonymous question about the budget?", Name: "Secret Sam", Anonymous: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Question.Author != "" {
				t.Errorf("the anonymous question's answer names %q", res.Question.Author)
			}
			if q := tribunetest.Get(t, e.svc, 2); q.Author != "Secret Sam" || !q.Anonymous {
				t.Errorf("stored %+v: moderators still see the name", q)
			}
			ids := []string{named.ID(), anon.ID()}
			delta := feed.until(t, 5*time.Second, "both questions in the feed", func(m map[string]any, raw string) bool {
				check(t, "the feed", raw, ids...)
				qs := questionsOf(m)
				return m["type"] == "delta" && qs[2] != nil || len(qs) == 2
			})
			qs := questionsOf(delta)
			if a, has := qs[2]["author"]; has {
				t.Errorf("the feed sends the anonymous question's author %v", a)
			}
			if a, has := qs[1]["author"]; has != show {
				t.Errorf("the named question's author %v (present %v), want present=%v", a, has, show)
			}
			_, body := e.request(t, nil, http.MethodGet, "/ask/questions", "", "", nil)
			check(t, "GET /ask/questions", body, ids...)
			if strings.Contains(body, "Secret Sam") {
				t.Errorf("GET /ask/questions names the anonymous author: %s", body)
			}
			_, page := e.request(t, nil, http.MethodGet, "/ask", "", "", nil)
			if strings.Contains(page, "Secret Sam") || strings.Contains(page, anon.ID()) {
				t.Errorf("the page names the anonymous author or a browser id")
			}
			if strings.Contains(page, "Nora") != show {
				t.Errorf("the page shows Nora: %v, want %v", strings.Contains(page, "Nora"), show)
			}
			// A new feed's snapshot too.
			snap := e.openFeed(t, nil)
			m := snap.until(t, 5*time.Second, "a snapshot", func(m map[string]any, raw string) bool {
				check(t, "the snapshot", raw, ids...)
				return m["type"] == "snapshot"
			})
			if len(questionsOf(m)) != 2 {
				t.Errorf("snapshot %v, want two questions", m)
			}
		})
	}
}

func TestCrossOrigin(t *testing.T) {
	e := newEnv(t, options{server: func(s *ask.Server) { s.PublicURL = "https://ask.example.org/ask" }})
	mustAsk(t, e.browser(t), "A question to vote for?")
	cases := []struct {
		name   string
		origin []string // nil: no Origin header
		status int
	}{
		{"OtherSite", []string{"https://evil.example"}, http.StatusForbidden},
		{"OtherPort", []string{"http://" + strings.Replace(strings.TrimPrefix(e.url, "http://"), "127.0.0.1", "localhost", 1)}, http.StatusForbidden},
		{"HTTPSOfSameHost", []string{strings.Replace(e.url, "http://", "https://", 1)}, http.StatusForbidden},
		{"Null", []string{"null"}, http.StatusForbidden},
		{"Missing", nil, http.StatusForbidden},
		{"Garbage", []string{"::not a url"}, http.StatusForbidden},
		{"PublicURL", []string{"https://ask.example.org"}, http.StatusCreated},
		{"Own", []string{e.url}, http.StatusCreated},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := count(e.svc)
			h := http.Header{"Origin": c.origin}
			body := fmt.Sprintf(`{"text":"Cross origin question number %d?"}`, i)
			res, raw := e.request(t, nil, http.MethodPost, "/ask/questions", "application/json", body, h)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, raw)
			}
			if c.status != http.StatusForbidden {
				return
			}
			if r := errorBody(t, raw).Error.Reason; r != "bad_origin" {
				t.Errorf("reason %q", r)
			}
			if n := count(e.svc); n != before {
				t.Errorf("%d questions after a refused POST, want %d", n, before)
			}
			if len(res.Cookies()) != 0 {
				t.Errorf("a refused POST set cookies %v", res.Cookies())
			}
			// The vote routes and the no-JS form too.
			res, _ = e.request(t, nil, http.MethodPost, "/ask/questions/1/vote", "", "", h)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("vote: status %d", res.StatusCode)
			}
			res, _ = e.request(t, nil, http.MethodPost, "/ask/questions", "application/x-www-form-urlencoded", "text=From+a+form+elsewhere", h)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("form: status %d", res.StatusCode)
			}
			if n := tribunetest.Get(t, e.svc, 1).Votes; n != 1 || count(e.svc) != before {
				t.Errorf("Votes=%d, questions=%d: a refused POST changed something", n, count(e.svc))
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, options{})
	mustAsk(t, e.browser(t), "The only question?")
	long := strings.Repeat("é", tribune.MaxQuestionRunes+1)
	cases := []struct {
		name, method, path, ctype, body string
		status                          int
		reason                          string
	}{
		{"Malformed", "POST", "/ask/questions", "application/json", `{"text":`, 400, "bad_body"},
		{"UnknownField", "POST", "/ask/questions", "application/json", `{"text":"Hello there?","admin":true}`, 400, "bad_body"},
		{"WrongType", "POST", "/ask/questions", "application/json", `{"text":12}`, 400, "bad_body"},
		{"Trailing", "POST", "/ask/questions", "application/json", `{"text":"Hello there?"} {"text":"again"}`, 400, "bad_body"},
		{"TrailingGarbage", "POST", "/ask/questions", "application/json", `{"text":"Hello there?"}x`, 400, "bad_body"},
		{"Array", "POST", "/ask/questions", "application/json", `[{"text":"Hello there?"}]`, 400, "bad_body"},
		{"NoBody", "POST", "/ask/questions", "", "", 400, "bad_body"},
		{"Empty", "POST", "/ask/questions", "application/json", `{"text":"   \u200b "}`, 400, tribune.ReasonEmpty},
		{"TooLong", "POST", "/ask/questions", "application/json", `{"text":"` + long + `"}`, 400, tribune.ReasonTooLong},
		{"TooLarge", "POST", "/ask/questions", "application/json", `{"text":"` + strings.Repeat("a", 9000) + `"}`, 413, "too_large"},
		{"TextPlain", "POST", "/ask/questions", "text/plain", `{"text":"Hello there?"}`, 415, "media_type"},
		{"Multipart", "POST", "/ask/questions", "multipart/form-data; boundary=x", "--x--", 415, "media_type"},
		{"VoteBody", "POST", "/ask/questions/1/vote", "application/json", `{"id":2}`, 400, "bad_body"},
		{"MethodPut", "PUT", "/ask/questions", "application/json", `{}`, 405, "method"},
		{"MethodGetVote", "GET", "/ask/questions/1/vote", "", "", 405, "method"},
		{"MethodPatchVote", "PATCH", "/ask/questions/1/vote", "", "", 405, "method"},
		{"MethodPostPage", "POST", "/ask", "", "", 405, "method"},
		{"MethodPostEvents", "POST", "/ask/events", "", "", 405, "method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, raw := e.request(t, nil, c.method, c.path, c.ctype, c.body, nil)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, raw)
			}
			eb := errorBody(t, raw)
			if eb.Error.Reason != c.reason || eb.Error.Message == "" {
				t.Errorf("error %+v, want reason %q and a message", eb.Error, c.reason)
			}
			if c.status == 405 && res.Header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			if n, v := count(e.svc), tribunetest.Get(t, e.svc, 1).Votes; n != 1 || v != 1 {
				t.Errorf("%d questions, %d votes after a bad request, want 1 and 1", n, v)
			}
		})
	}
	t.Run("TooLargeForm", func(t *testing.T) {
		// A form gets the page back, with the refusal in it.
		res, page := e.request(t, nil, "POST", "/ask/questions", "application/x-www-form-urlencoded", "text="+strings.Repeat("a", 9000), nil)
		if res.StatusCode != 413 || !strings.Contains(page, `role="alert">The request is too large.</div>`) {
			t.Errorf("status %d; want 413 and the page with the refusal", res.StatusCode)
		}
		if n := count(e.svc); n != 1 {
			t.Errorf("%d questions", n)
		}
	})
	t.Run("TooLongMessage", func(t *testing.T) {
		_, raw := e.request(t, nil, "POST", "/ask/questions?lang=fr", "application/json", `{"text":"`+long+`"}`, nil)
		if m := errorBody(t, raw).Error.Message; m != "Trop longue : 300 caractères au plus." {
			t.Errorf("French message %q", m)
		}
	})
}

func TestUnknownQuestions(t *testing.T) {
	e := newEnv(t, options{service: func(s *tribune.Service) { s.Premoderate = true }})
	b := e.browser(t)
	res := mustAsk(t, b, "A question waiting for a moderator?")
	if res.Question.Status != tribune.StatusPending || res.Message != "Thank you! Your question #1 is waiting for approval." {
		t.Fatalf("asked %+v", res)
	}
	voter := e.browser(t)
	for _, c := range []struct {
		path, reason, message string
	}{
		{"/ask/questions/999/vote", tribune.ReasonUnknown, "There is no question #999."},
		{"/ask/questions/1/vote", tribune.ReasonNotVisible, "#1 is not open for votes."},
		{"/ask/questions/abc/vote", "", "There is no such page or question."},
		{"/ask/questions/0/vote", "", "There is no such page or question."},
		{"/ask/questions/-1/vote", "", "There is no such page or question."},
		{"/ask/questions/99999999999999999999/vote", "", "There is no such page or question."},
		{"/ask/nothing-here", "", "There is no such page or question."},
	} {
		res, raw := e.request(t, nil, http.MethodPost, c.path, "", "", nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404: %s", c.path, res.StatusCode, raw)
			continue
		}
		if eb := errorBody(t, raw); eb.Error.Reason != c.reason || eb.Error.Message != c.message {
			t.Errorf("%s: %+v, want %q %q", c.path, eb.Error, c.reason, c.message)
		}
	}
	if _, err := voter.Vote(context.Background(), 1); apiError(t, err).Status != http.StatusNotFound {
		t.Errorf("a vote on a pending question: %v", err)
	}
	if st, _ := b.State(context.Background()); len(st.Mine) != 1 || st.Mine[0].Status != tribune.StatusPending || len(st.Questions) != 0 {
		t.Errorf("the author's state %+v: the pending question is theirs, not listed", st)
	}
}

func TestRateLimits(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC))
	e := newEnv(t, options{service: func(s *tribune.Service) {
		s.RateInterval = 30 * time.Second
		s.SessionCap = 2
		s.Now = clock.Now
	}})
	b := e.browser(t)
	mustAsk(t, b, "First question about the harbour?")
	_, err := b.Ask(context.Background(), ask.AskRequest{Text: "Second question about the schools?"})
	ae := apiError(t, err)
	if ae.Status != http.StatusTooManyRequests || ae.Reason != tribune.ReasonTooFast || ae.RetryAfter != 30*time.Second {
		t.Fatalf("second question at once: %+v, want 429 too_fast with Retry-After 30", ae)
	}
	if ae.Message != "Please wait 30 s before asking again." {
		t.Errorf("Message=%q", ae.Message)
	}
	clock.Add(12 * time.Second)
	_, err = b.Ask(context.Background(), ask.AskRequest{Text: "Second question about the schools?"})
	if ae := apiError(t, err); ae.RetryAfter != 18*time.Second {
		t.Errorf("Retry-After %v after 12 s, want 18s", ae.RetryAfter)
	}
	clock.Add(18 * time.Second)
	mustAsk(t, b, "Second question about the schools?")
	clock.Add(time.Minute)
	_, err = b.Ask(context.Background(), ask.AskRequest{Text: "A third question about the parks?"})
	ae = apiError(t, err)
	if ae.Status != http.StatusTooManyRequests || ae.Reason != tribune.ReasonSessionCap || ae.RetryAfter != 0 {
		t.Errorf("third question: %+v, want 429 session_cap without Retry-After (waiting does not help)", ae)
	}
	if n := count(e.svc); n != 2 {
		t.Errorf("%d questions, want 2", n)
	}
}

// cookieOf returns the value of the browser cookie a response set.
func cookieOf(t testing.TB, res *http.Response) string {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == "tribune_ask" {
			return c.Value
		}
	}
	t.Fatalf("no browser cookie in %v", res.Header["Set-Cookie"])
	return ""
}

func TestCookie(t *testing.T) {
	e := newEnv(t, options{})
	res, _ := e.request(t, nil, http.MethodPost, "/ask/questions", "application/json", `{"text":"Who keeps my identity?"}`, nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", res.StatusCode)
	}
	set := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"Path=/ask", "HttpOnly", "SameSite=Strict", "Max-Age="} {
		if !strings.Contains(set, attr) {
			t.Errorf("Set-Cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP without a trusted proxy", set)
	}
	value := cookieOf(t, res)
	id, sig, _ := strings.Cut(value, ".")
	if tribunetest.Get(t, e.svc, 1).AuthorID != id {
		t.Fatalf("the question's author %q, the cookie's id %q", tribunetest.Get(t, e.svc, 1).AuthorID, id)
	}

	// sendWith votes for #1 with a cookie and reports who voted.
	sendWith := func(t *testing.T, cookie string) (status int, newCookie string) {
		t.Helper()
		h := http.Header{"Cookie": {"tribune_ask=" + cookie}}
		res, _ := e.request(t, &http.Client{}, http.MethodPost, "/ask/questions/1/vote", "", "", h)
		for _, c := range res.Cookies() {
			if c.Name == "tribune_ask" {
				newCookie = c.Value
			}
		}
		return res.StatusCode, newCookie
	}
	t.Run("Valid", func(t *testing.T) {
		status, fresh := sendWith(t, value)
		if status != http.StatusConflict || fresh != "" {
			t.Errorf("the author's own cookie: status %d, new cookie %q; want 409 (already voted) and no new id", status, fresh)
		}
	})
	flip := func(s string) string {
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	other := func() string { // a cookie signed with another secret
		o := newEnv(t, options{server: func(s *ask.Server) { s.Secret = []byte("another secret, also 32 bytes!!!") }})
		res, _ := o.request(t, nil, http.MethodPost, "/ask/questions", "application/json", `{"text":"Elsewhere?"}`, nil)
		return cookieOf(t, res)
	}()
	for _, c := range []struct{ name, cookie string }{
		{"AlteredID", flip(id) + "." + sig},
		{"AlteredSignature", id + "." + flip(sig)},
		{"NoSignature", id},
		{"EmptySignature", id + "."},
		{"OtherSecret", other},
		{"Garbage", "<script>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := tribunetest.Get(t, e.svc, 1).Votes
			status, fresh := sendWith(t, c.cookie)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200: a new browser votes", status)
			}
			freshID, _, _ := strings.Cut(fresh, ".")
			if fresh == "" || freshID == id || fresh == c.cookie {
				t.Errorf("new cookie %q, want a new browser id", fresh)
			}
			if got := tribunetest.Get(t, e.svc, 1).Votes; got != before+1 {
				t.Errorf("Votes=%d, want %d", got, before+1)
			}
		})
	}
}

func TestIDsPerAddress(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC))
	e := newEnv(t, options{server: func(s *ask.Server) {
		s.IDsPerIP = 3
		s.Now = clock.Now
	}})
	mustAsk(t, e.browser(t), "A question for the crowd?")
	var ok []*ask.Browser
	for i := 0; i < 2; i++ {
		b := e.browser(t)
		if _, err := b.Vote(context.Background(), 1); err != nil {
			t.Fatalf("browser %d: %v", i+2, err)
		}
		ok = append(ok, b)
	}
	fourth := e.browser(t)
	_, err := fourth.Vote(context.Background(), 1)
	ae := apiError(t, err)
	if ae.Status != http.StatusTooManyRequests || ae.Reason != "too_many_browsers" || ae.RetryAfter != 20*time.Minute {
		t.Fatalf("fourth new browser: %+v, want 429 with Retry-After 20 min (3 an hour)", ae)
	}
	if fourth.ID() != "" {
		t.Errorf("a refused browser got an id %q", fourth.ID())
	}
	if n := tribunetest.Get(t, e.svc, 1).Votes; n != 3 {
		t.Errorf("Votes=%d, want 3", n)
	}
	// Known browsers are not new ids: they go on.
	if _, err := ok[0].Unvote(context.Background(), 1); err != nil {
		t.Errorf("a known browser after the cap: %v", err)
	}
	clock.Add(20 * time.Minute)
	if _, err := fourth.Vote(context.Background(), 1); err != nil {
		t.Errorf("a new browser 20 min later: %v", err)
	}
	_, err = e.browser(t).Vote(context.Background(), 1)
	if apiError(t, err).Status != http.StatusTooManyRequests {
		t.Errorf("one more new browser at once: %v", err)
	}
}

func TestForwardedFor(t *testing.T) {
	newBrowser := func(t *testing.T, e *env, xff string) error {
		b := e.browser(t)
		b.ForwardedFor = xff
		_, err := b.Vote(context.Background(), 1)
		return err
	}
	t.Run("Untrusted", func(t *testing.T) {
		e := newEnv(t, options{server: func(s *ask.Server) { s.IDsPerIP = 1 }})
		mustAsk(t, e.browser(t), "Question one?") // spends 127.0.0.1's budget
		if err := newBrowser(t, e, "203.0.113.7"); err == nil || apiError(t, err).Status != http.StatusTooManyRequests {
			t.Errorf("X-Forwarded-For without TrustProxy bought a new budget: %v", err)
		}
	})
	t.Run("Trusted", func(t *testing.T) {
		e := newEnv(t, options{server: func(s *ask.Server) {
			s.IDsPerIP = 1
			s.TrustProxy = true
		}})
		mustAsk(t, e.browser(t), "Question one?") // no X-Forwarded-For: the socket's address
		for _, c := range []struct {
			xff string
			ok  bool
		}{
			{"203.0.113.7", true},
			{"203.0.113.8", true},
			{"198.51.100.1, 203.0.113.7", false},          // the last hop counts, not the client's claim
			{"203.0.113.9, 10.0.0.1, 198.51.100.2", true}, // a new last hop
			{"2001:db8:1:2::1", true},
			{"2001:db8:1:2::ffff", false}, // the same /64
			{"2001:db8:1:3::1", true},
			{"not an address", false}, // falls back to the socket, spent
		} {
			err := newBrowser(t, e, c.xff)
			if (err == nil) != c.ok {
				t.Errorf("X-Forwarded-For %q: err=%v, want allowed=%v", c.xff, err, c.ok)
			}
		}
	})
	t.Run("SecureCookie", func(t *testing.T) {
		for _, trust := range []bool{false, true} {
			e := newEnv(t, options{server: func(s *ask.Server) { s.TrustProxy = trust }})
			h := http.Header{"X-Forwarded-Proto": {"https"}, "Origin": {"https://" + strings.TrimPrefix(e.url, "http://")}}
			res, raw := e.request(t, nil, http.MethodPost, "/ask/questions", "application/json", `{"text":"Behind a proxy?"}`, h)
			if !trust {
				// The client's claim of HTTPS is not believed: its https
				// Origin is not the page's.
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("untrusted X-Forwarded-Proto: status %d: %s", res.StatusCode, raw)
				}
				continue
			}
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("status %d: %s", res.StatusCode, raw)
			}
			if set := res.Header.Get("Set-Cookie"); !strings.Contains(set, "Secure") {
				t.Errorf("Set-Cookie %q behind a trusted HTTPS proxy, want Secure", set)
			}
		}
	})
}

func TestBannedBrowser(t *testing.T) {
	e := newEnv(t, options{})
	ctx := context.Background()
	troll, other := e.browser(t), e.browser(t)
	mustAsk(t, troll, "An innocent first question?")
	mustAsk(t, other, "Someone else's question?")
	q := tribunetest.Get(t, e.svc, 1)
	if _, err := e.svc.Ban(ctx, tribune.BanTarget(q)); err != nil {
		t.Fatalf("ban %s: %v", tribune.BanTarget(q), err)
	}
	_, err := troll.Ask(ctx, ask.AskRequest{Text: "Another question from the troll?"})
	if ae := apiError(t, err); ae.Status != http.StatusForbidden || ae.Reason != tribune.ReasonBanned || ae.Message != "You cannot ask or vote in this meeting." {
		t.Errorf("banned ask: %+v", ae)
	}
	_, err = troll.Vote(ctx, 2)
	if ae := apiError(t, err); ae.Status != http.StatusForbidden {
		t.Errorf("banned vote: %+v", ae)
	}
	if n, v := count(e.svc), tribunetest.Get(t, e.svc, 2).Votes; n != 2 || v != 1 {
		t.Errorf("%d questions, %d votes on #2, want 2 and 1", n, v)
	}
	if _, err := other.Vote(ctx, 2); apiError(t, err).Status != http.StatusConflict {
		t.Errorf("another browser is not banned: %v", err)
	}
}

func TestMeetingCode(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC))
	e := newEnv(t, options{server: func(s *ask.Server) {
		s.Code = "Tram42"
		s.Now = clock.Now
	}})
	ctx := context.Background()
	b := e.browser(t)
	_, err := b.Ask(ctx, ask.AskRequest{Text: "No code yet?"})
	if ae := apiError(t, err); ae.Status != http.StatusForbidden || ae.Reason != "code_required" {
		t.Fatalf("without the code: %+v", ae)
	}
	b.Code = "wrong"
	_, err = b.Ask(ctx, ask.AskRequest{Text: "A wrong code?"})
	if ae := apiError(t, err); ae.Status != http.StatusForbidden || ae.Reason != "bad_code" {
		t.Fatalf("a wrong code: %+v", ae)
	}
	b.Code = ""
	if err := b.EnterCode(ctx, " tram42 "); err != nil {
		t.Fatalf("enter the code as read off the stream: %v", err)
	}
	mustAsk(t, b, "With the code entered once?")
	if _, err := b.Vote(ctx, 1); apiError(t, err).Status != http.StatusConflict {
		t.Errorf("a vote with the remembered code: %v", err)
	}
	if n := count(e.svc); n != 1 {
		t.Errorf("%d questions, want 1", n)
	}
	h := e.browser(t)
	h.Code = "TRAM42"
	if _, err := h.Vote(ctx, 1); err != nil {
		t.Errorf("a vote with the code in X-Ask-Code: %v", err)
	}

	t.Run("BruteForce", func(t *testing.T) {
		guesser := e.browser(t)
		// The address spent one of its ten wrong codes above.
		for i := 0; i < 9; i++ {
			if err := guesser.EnterCode(ctx, fmt.Sprintf("guess%d", i)); apiError(t, err).Reason != "bad_code" {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		// Past the budget even the right code is refused: the address
		// learns nothing more.
		err := guesser.EnterCode(ctx, "Tram42")
		ae := apiError(t, err)
		if ae.Status != http.StatusTooManyRequests || ae.Reason != "too_many_codes" || ae.RetryAfter != time.Minute {
			t.Fatalf("the right code past the budget: %+v, want 429 with Retry-After 60 s", ae)
		}
		guesser.Code = "Tram42"
		if _, err := guesser.Vote(ctx, 1); apiError(t, err).Reason != "too_many_codes" {
			t.Errorf("the header does not get around the budget: %v", err)
		}
		clock.Add(time.Minute)
		if err := guesser.EnterCode(ctx, "Tram42"); err != nil {
			t.Errorf("a minute later: %v", err)
		}
	})
}

func TestSecondListener(t *testing.T) {
	ln := tribunetest.Listen(t)
	e := newEnv(t, options{server: func(s *ask.Server) {
		s.Addr = "" // the pre-bound listener wins
		s.Listener = ln
	}})
	if e.url != "http://"+ln.Addr().String() {
		t.Fatalf("URL %q, want the pre-bound %s", e.url, ln.Addr())
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/ask", 200},
		{"/ask/questions", 200},
		{"/healthz", 200},
		{"/ask/", 301},
		{"/api/questions", 404},
		{"/api/state", 404},
		{"/overlay/ws", 404},
		{"/overlay", 404},
		{"/overlay/ask", 404},
		{"/", 404},
		{"/askx", 404},
	} {
		h := http.Header{}
		if strings.HasPrefix(c.path, "/overlay/ws") {
			h.Set("Connection", "Upgrade")
			h.Set("Upgrade", "websocket")
			h.Set("Sec-WebSocket-Version", "13")
			h.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		}
		res, body := e.request(t, nil, http.MethodGet, c.path, "", "", h)
		if res.StatusCode != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, res.StatusCode, c.status)
		}
		if c.path == "/healthz" && body != "ok" {
			t.Errorf("/healthz said %q", body)
		}
	}

	t.Run("Healthz", func(t *testing.T) {
		e := newEnv(t, options{server: func(s *ask.Server) {
			s.Healthz = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "storage: read-only", http.StatusServiceUnavailable)
			})
		}})
		if res, body := e.request(t, nil, http.MethodGet, "/healthz", "", "", nil); res.StatusCode != 503 || !strings.Contains(body, "read-only") {
			t.Errorf("/healthz with the lead's handler: %d %q", res.StatusCode, body)
		}
	})
	t.Run("HandlerOnAnotherMux", func(t *testing.T) {
		// As the lead mounts it on the overlay server: /ask and /ask/….
		svc := tribunetest.OpenService(t, channel, func(s *tribune.Service) { s.Premoderate = false })
		srv := ask.NewServer(svc)
		srv.Secret = secret
		srv.Logger = tribunetest.QuietLogger()
		mux := http.NewServeMux()
		mux.Handle("/ask", srv.Handler())
		mux.Handle("/ask/", srv.Handler())
		mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "api") })
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: time.Second}
		ln := tribunetest.Listen(t)
		go hs.Serve(ln)
		t.Cleanup(func() { hs.Close() })
		base := "http://" + ln.Addr().String()
		res, err := http.Get(base + "/ask")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("before Open: %d, want 503", res.StatusCode)
		}
		if err := srv.Open(); err != nil {
			t.Fatal(err)
		}
		if srv.URL() != "" {
			t.Errorf("URL %q without a second listener", srv.URL())
		}
		b, _ := ask.NewBrowser(base, nil)
		if _, err := b.Ask(context.Background(), ask.AskRequest{Text: "Through the main listener?"}); err != nil {
			t.Errorf("ask through the mounted handler: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		res, err = http.Get(base + "/ask")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("after Close: %d, want 503", res.StatusCode)
		}
	})
	t.Run("OpenErrors", func(t *testing.T) {
		svc := tribunetest.OpenService(t, channel, nil)
		for name, set := range map[string]func(*ask.Server){
			"NoSecret":    func(s *ask.Server) {},
			"ShortSecret": func(s *ask.Server) { s.Secret = []byte("short") },
			"BadURL":      func(s *ask.Server) { s.Secret = secret; s.PublicURL = "javascript:alert(1)" },
			"BusyPort":    func(s *ask.Server) { s.Secret = secret; s.Addr = ln.Addr().String() },
		} {
			srv := ask.NewServer(svc)
			set(srv)
			if err := srv.Open(); err == nil {
				srv.Close()
				t.Errorf("%s: Open succeeded", name)
			}
		}
	})
}

func TestTimeouts(t *testing.T) {
	// A client that sends half a request is cut off by the read-header
	// timeout instead of holding its connection.
	defer ask.SetTimeouts(300*time.Millisecond, time.Second, time.Second)()
	e := newEnv(t, options{})
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /ask HTTP/1.1\r\nHost: x\r\n")
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	buf := make([]byte, 1)
	_, err = c.Read(buf)
	if err == nil {
		t.Fatalf("the server answered half a request")
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open after %v", time.Since(start))
	}

	t.Run("FeedOutlivesThem", func(t *testing.T) {
		f := e.openFeed(t, nil)
		f.next(t, "snapshot", 5*time.Second)
		time.Sleep(1500 * time.Millisecond) // past the read and write timeouts
		mustAsk(t, e.browser(t), "Still live after the timeouts?")
		m := f.next(t, "delta", 5*time.Second)
		if questionsOf(m)[1] == nil {
			t.Errorf("delta %v, want #1", m)
		}
	})
}

// TestCloseWithSilentClients: connections that sent nothing (a browser's
// spares, or a hostile client) neither delay Close nor make it fail, and
// the server hangs up on them.
func TestCloseWithSilentClients(t *testing.T) {
	e := newEnv(t, options{})
	addr := strings.TrimPrefix(e.url, "http://")
	silent := tribunetest.DialSilent(t, addr, 3)
	// Answered, so the three before it were accepted.
	e.request(t, nil, http.MethodGet, "/healthz", "", "", nil)
	if err := e.srv.Close(); err != nil {
		t.Fatalf("Close with silent clients: %v", err)
	}
	for i, c := range silent {
		if !tribunetest.HungUp(c, 5*time.Second) {
			t.Errorf("silent client %d: the ask page kept its connection after Close", i)
		}
	}
}

func TestLoadSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tribune.db")
	_, db := tribunetest.OpenServiceAt(t, path, channel, nil)
	ctx := context.Background()
	a, err := ask.LoadSecret(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ask.LoadSecret(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Errorf("secrets %x and %x: want the same 32 bytes twice", a, b)
	}
	if err := db.PutSetting(ctx, "ask_cookie_secret", "not base64!"); err != nil {
		t.Fatal(err)
	}
	c, err := ask.LoadSecret(ctx, db)
	if err != nil || len(c) != 32 || bytes.Equal(c, a) {
		t.Errorf("a damaged secret gave %x, %v; want a new one", c, err)
	}
}

func TestPage(t *testing.T) {
	e := newEnv(t, options{})
	b := e.browser(t)
	mustAsk(t, b, `<img src=x onerror=alert(1)> & "quotes" <script>alert(2)</script>`)

	t.Run("Headers", func(t *testing.T) {
		res, body := e.request(t, nil, http.MethodGet, "/ask", "", "", nil)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		m := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{20,})'`).FindStringSubmatch(csp)
		if m == nil {
			t.Fatalf("CSP %q has no script nonce", csp)
		}
		for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "connect-src 'self'", "style-src 'nonce-" + m[1] + "'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %s", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
			t.Errorf("CSP %q allows unsafe or external sources", csp)
		}
		if n := strings.Count(body, `<script nonce="`+m[1]+`">`); n != 1 || strings.Count(body, "<script") != 1 {
			t.Errorf("the page has %d scripts with the nonce and %d in all, want 1 and 1", n, strings.Count(body, "<script"))
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
			if h.Get(k) != v {
				t.Errorf("%s: %q, want %q", k, h.Get(k), v)
			}
		}
		res2, _ := e.request(t, nil, http.MethodGet, "/ask", "", "", nil)
		if strings.Contains(res2.Header.Get("Content-Security-Policy"), m[1]) {
			t.Errorf("two pages share a nonce")
		}
		for _, url := range []string{"http://", "https://", "//"} {
			if strings.Contains(strings.ReplaceAll(body, `href="/ask`, ""), `src="`+url) || strings.Contains(body, `href="`+url) {
				t.Errorf("the page refers to an external %s URL", url)
			}
		}
		res, _ = e.request(t, nil, http.MethodGet, "/ask/questions", "", "", nil)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("JSON answers: CSP %q", csp)
		}
	})
	t.Run("Escaped", func(t *testing.T) {
		_, body := e.request(t, nil, http.MethodGet, "/ask", "", "", nil)
		if strings.Contains(body, "<img") || strings.Contains(body, "<script>alert") || strings.Contains(body, "onerror=alert(1)>") {
			t.Errorf("the hostile question reached the page unescaped")
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quotes&#34; &lt;script&gt;alert(2)&lt;/script&gt;") {
			t.Errorf("the hostile question is not on the page as escaped text")
		}
	})
	t.Run("NoReflection", func(t *testing.T) {
		marker := "zq9Xreflect"
		for _, q := range []string{
			"m=" + url.QueryEscape("<b>"+marker) + "&n=1",
			"m=asked&n=" + url.QueryEscape(marker),
			"lang=" + url.QueryEscape(`"><b>`+marker),
			"m=asked&n=1&x=" + marker,
		} {
			_, body := e.request(t, nil, http.MethodGet, "/ask?"+q, "", "", nil)
			if strings.Contains(body, marker) {
				t.Errorf("?%s is reflected in the page", q)
			}
		}
		_, body := e.request(t, nil, http.MethodGet, "/ask?m=asked&n=7", "", "", nil)
		if !strings.Contains(body, "Thank you! Your question is #7.") {
			t.Errorf("?m=asked&n=7 does not show its message")
		}
	})
	t.Run("Languages", func(t *testing.T) {
		for _, c := range []struct {
			query, accept, lang, title string
		}{
			{"", "", "en", "Ask a question"},
			{"?lang=fr", "", "fr", "Poser une question"},
			{"?lang=FR-ca", "en", "fr", "Poser une question"},
			{"", "fr-CA,fr;q=0.9,en;q=0.5", "fr", "Poser une question"},
			{"", "de-DE,de;q=0.9,en;q=0.3", "en", "Ask a question"},
			{"", "de-DE", "en", "Ask a question"},
			{"?lang=xx", "fr", "fr", "Poser une question"},
			{"?lang=en", "fr", "en", "Ask a question"},
			{"", strings.Repeat("fr,", 1000), "fr", "Poser une question"},
		} {
			h := http.Header{}
			if c.accept != "" {
				h.Set("Accept-Language", c.accept)
			}
			_, body := e.request(t, nil, http.MethodGet, "/ask"+c.query, "", "", h)
			if !strings.Contains(body, `<html lang="`+c.lang+`"`) || !strings.Contains(body, "<h1>"+c.title+"</h1>") {
				t.Errorf("?%s Accept-Language %.20q: want lang %s and %q", c.query, c.accept, c.lang, c.title)
			}
		}
		fr := newEnv(t, options{server: func(s *ask.Server) { s.Lang = "fr" }})
		if _, body := fr.request(t, nil, http.MethodGet, "/ask", "", "", nil); !strings.Contains(body, `<html lang="fr"`) {
			t.Errorf("a French meeting's page without Accept-Language is not French")
		}
	})
	t.Run("Head", func(t *testing.T) {
		res, body := e.request(t, nil, http.MethodHead, "/ask", "", "", nil)
		if res.StatusCode != 200 || body != "" {
			t.Errorf("HEAD: %d with %d bytes", res.StatusCode, len(body))
		}
	})
}

func TestNoJavaScriptForm(t *testing.T) {
	e := newEnv(t, options{})
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	form := url.Values{"text": {"Asked from a plain form?"}, "name": {"Paul"}, "anonymous": {"1"}}
	res, _ := e.request(t, client, http.MethodPost, "/ask/questions?lang=fr", "application/x-www-form-urlencoded", form.Encode(), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form POST: %d, want 303", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if loc != "/ask?lang=fr&m=asked&n=1#mine" {
		t.Errorf("Location %q", loc)
	}
	if q := tribunetest.Get(t, e.svc, 1); !q.Anonymous || q.Author != "Paul" || q.Source != "web" {
		t.Errorf("stored %+v", q)
	}
	_, page := e.request(t, client, http.MethodGet, strings.Split(loc, "#")[0], "", "", nil)
	for _, want := range []string{"Merci ! Votre question porte le n°1.", `<li data-id="1" data-status="approved">`, "Asked from a plain form?", "posée anonymement", `aria-pressed="true"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page after the redirect lacks %q", want)
		}
	}

	t.Run("Refused", func(t *testing.T) {
		long := strings.Repeat("x", 301) + `</textarea><b>`
		form := url.Values{"text": {long}, "name": {`"><i>Paul`}}
		res, page := e.request(t, client, http.MethodPost, "/ask/questions", "application/x-www-form-urlencoded", form.Encode(), nil)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400 with the page", res.StatusCode)
		}
		if !strings.Contains(page, `role="alert">Too long: 300 characters at most.</div>`) {
			t.Errorf("the refusal is not in the page's alert")
		}
		if !strings.Contains(page, strings.Repeat("x", 301)+"&lt;/textarea&gt;&lt;b&gt;</textarea>") || !strings.Contains(page, `value="&#34;&gt;&lt;i&gt;Paul"`) {
			t.Errorf("the refused form is not given back, escaped")
		}
		if n := count(e.svc); n != 1 {
			t.Errorf("%d questions, want 1", n)
		}
	})
	t.Run("Vote", func(t *testing.T) {
		mustAsk(t, e.browser(t), "Somebody else's question?")
		voter := noRedirect(nil)
		res, _ := e.request(t, voter, http.MethodPost, "/ask/questions/2/vote", "application/x-www-form-urlencoded", "", nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/ask?m=voted_ok&n=2#q2" {
			t.Fatalf("vote form: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if n := tribunetest.Get(t, e.svc, 2).Votes; n != 2 {
			t.Errorf("Votes=%d, want 2", n)
		}
		_, page := e.request(t, voter, http.MethodGet, "/ask?m=voted_ok&n=2", "", "", nil)
		if !strings.Contains(page, "Vote counted for #2.") || !strings.Contains(page, `<input type="hidden" name="remove" value="1">`) {
			t.Errorf("the page after a vote does not show it")
		}
		res, _ = e.request(t, voter, http.MethodPost, "/ask/questions/2/vote", "application/x-www-form-urlencoded", "remove=1", nil)
		if res.StatusCode != http.StatusSeeOther || tribunetest.Get(t, e.svc, 2).Votes != 1 {
			t.Errorf("unvote form: %d, Votes=%d", res.StatusCode, tribunetest.Get(t, e.svc, 2).Votes)
		}
		res, page = e.request(t, voter, http.MethodPost, "/ask/questions/2/vote", "application/x-www-form-urlencoded", "remove=1", nil)
		if res.StatusCode != http.StatusConflict || !strings.Contains(page, "You have no vote on #2.") {
			t.Errorf("a second unvote: %d", res.StatusCode)
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		e := newEnv(t, options{service: func(s *tribune.Service) { s.RateInterval = time.Hour }})
		c := noRedirect(nil)
		e.request(t, c, http.MethodPost, "/ask/questions", "application/x-www-form-urlencoded", "text=First+one", nil)
		res, _ := e.request(t, c, http.MethodPost, "/ask/questions", "application/x-www-form-urlencoded", "text=Second+one", nil)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("form too fast: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		if s, _ := strconv.Atoi(res.Header.Get("Retry-After")); s < 3590 || s > 3600 {
			t.Errorf("Retry-After %d, want about an hour", s)
		}
	})
}
