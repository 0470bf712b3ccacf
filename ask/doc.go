// Package ask is the ask page: Tribune's own platform, where anyone asks
// and votes from a phone with no account anywhere (DESIGN.md "The ask
// page"). It is a source like Twitch or YouTube: it turns browsers'
// requests into Service calls with an identity (SourceWeb, a browser id)
// and the Service's answers and events into pages, JSON and a live feed.
//
// Routes (Handler):
//
//	GET    /ask                      the page (server-rendered; JavaScript makes it live)
//	GET    /ask/events               live feed of the public questions (Server-Sent Events)
//	GET    /ask/questions            the same state as JSON, with the browser's own questions and votes
//	POST   /ask/questions            ask: JSON {"text","name","anonymous"} or a plain form
//	POST   /ask/questions/{id}/vote  vote (JSON, or a form; a form with remove=1 takes the vote back)
//	DELETE /ask/questions/{id}/vote  take the vote back
//	POST   /ask/code                 enter the meeting code (when Code is set)
//
// The page faces the internet. A browser is a random 128-bit id in an
// HMAC-signed cookie, minted on its first POST; new ids per client address
// are limited; every POST needs a same-origin Origin header; chat text
// reaches the DOM only through html/template escaping and textContent,
// under a nonce-based Content-Security-Policy. The public feed carries
// only tribune.PublicQuestion: no login, user id or channel, and no author
// where the author is hidden.
//
// The Server (server.go) serves the routes of handlers.go on the main
// listener (Handler) and, when asked, on a second one that serves
// nothing else. api.go holds the JSON bodies, read strictly, and the
// refusals; identity.go the browser ids, the meeting code, client
// addresses behind a proxy, the same-origin check and the per-address
// limits; feed.go the live feed and each browser's own questions and
// votes; page.go and web/ the server-rendered page; messages.go its texts
// in English and French and the HTTP status of each error. Browser
// (browser.go) is a client of those routes, and Crowd (crowd.go) the
// demo's simulated viewers made of Browsers.
package ask
