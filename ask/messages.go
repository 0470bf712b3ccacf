package ask

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"github.com/tribune-live/tribune"
)

// The page's own refusals, beside the Service's reasons.
const (
	reasonBadOrigin       = "bad_origin"        // a POST from another site, or with no Origin
	reasonCodeRequired    = "code_required"     // the meeting code was not given
	reasonBadCode         = "bad_code"          // a wrong meeting code
	reasonTooManyCodes    = "too_many_codes"    // too many wrong codes from one address
	reasonTooManyBrowsers = "too_many_browsers" // too many new browser ids from one address
	reasonBadBody         = "bad_body"          // a body that is not what the route takes
	reasonTooLarge        = "too_large"         // a body over the limit
	reasonMediaType       = "media_type"        // neither JSON nor a form
	reasonMethod          = "method"            // a method the route does not take
	reasonNotOpen         = "not_open"          // before Open or after Close
	reasonBusy            = "busy"              // too many live feeds
)

// catalogues holds every word of the page, by language. Refusals reuse
// the wording of package chat's replies where it fits a page (chat's are
// addressed to a chatter and name commands, which a page has none of).
var catalogues = map[string]map[string]string{
	"en": {
		"title":             "Ask a question",
		"intro":             "Ask the speakers a question, and vote for the questions you want answered. No account needed.",
		"other_lang":        "Français",
		"code_label":        "Meeting code",
		"code_hint":         "The code is shown on stream.",
		"code_button":       "Enter",
		"text_label":        "Your question",
		"text_hint":         "300 characters at most.",
		"text_hint_pending": "300 characters at most. Moderators read every question before it is published.",
		"name_label":        "Your name (optional)",
		"name_hint":         "Shown next to your question with a “web” badge: anyone can type any name here.",
		"anon_label":        "Ask anonymously",
		"anon_hint":         "Your name is shown neither here nor on stream; moderators still see it.",
		"submit":            "Send my question",
		"mine_title":        "Your questions",
		"list_title":        "Questions",
		"list_empty":        "No questions yet. Be the first to ask!",
		"vote":              "Vote",
		"voted":             "Voted",
		"skip":              "Skip to the questions",
		"vote_one":          "vote",
		"vote_many":         "votes",
		"onair":             "On air",
		"anonymous":         "asked anonymously",
		"share":             "Ask from your phone at",
		"footer":            "Your browser keeps a random identifier so that your vote counts once. Nothing else is stored about you.",
		"live_open":         "Live",
		"live_connecting":   "Connecting…",
		"counter":           "%d / %d",
		"status_pending":    "waiting for approval",
		"status_approved":   "published",
		"status_onair":      "on air",
		"status_answered":   "answered",
		"status_rejected":   "not accepted",
		"status_hidden":     "under review",
		"status_merged":     "merged with a similar question",
		"status_withdrawn":  "withdrawn",
		"source_web":        "web",
		"source_twitch":     "Twitch",
		"source_youtube":    "YouTube",
		"source_console":    "moderator",
		"default_name":      "web viewer",
		"network":           "Cannot reach the server: check your connection and try again.",

		"asked":             "Thank you! Your question is #%d.",
		"asked_pending":     "Thank you! Your question #%d is waiting for approval.",
		"dup_voted":         "This was already asked as #%d: your vote was added to it.",
		"dup_pending_voted": "This was already asked as #%d (waiting for approval): your vote was added to it.",
		"dup":               "This was already asked as #%d.",
		"voted_ok":          "Vote counted for #%d.",
		"unvoted":           "Vote removed from #%d.",
		"code_ok":           "Code accepted.",

		"empty":             "Please type your question.",
		"too_long":          "Too long: %d characters at most.",
		"banned_word":       "Question refused: it contains a banned word.",
		"banned":            "You cannot ask or vote in this meeting.",
		"too_fast":          "Please wait %d s before asking again.",
		"session_cap":       "You reached the limit of %d questions.",
		"unknown":           "There is no question #%d.",
		"not_found":         "There is no such page or question.",
		"not_visible":       "#%d is not open for votes.",
		"already_voted":     "You already voted for #%d.",
		"not_voted":         "You have no vote on #%d.",
		"retry":             "Sorry: not saved. Try again in a moment.",
		"invalid":           "Sorry: that did not work.",
		"bad_origin":        "This request did not come from the ask page. Reload the page and try again.",
		"code_required":     "Enter the meeting code shown on stream first.",
		"bad_code":          "That is not the meeting code.",
		"too_many_codes":    "Too many wrong codes. Try again in %d s.",
		"too_many_browsers": "Too many new visitors from your network. Try again in %d s.",
		"bad_body":          "The request was not understood.",
		"too_large":         "The request is too large.",
		"media_type":        "Send JSON or a form.",
		"method":            "This method is not allowed here.",
		"not_open":          "The ask page is not open.",
		"busy":              "Too many people are connected right now.",
	},
	"fr": {
		"title":             "Poser une question",
		"intro":             "Posez votre question aux intervenants et votez pour celles auxquelles vous voulez une réponse. Aucun compte nécessaire.",
		"other_lang":        "English",
		"code_label":        "Code de la réunion",
		"code_hint":         "Le code est affiché à l'écran.",
		"code_button":       "Valider",
		"text_label":        "Votre question",
		"text_hint":         "300 caractères au plus.",
		"text_hint_pending": "300 caractères au plus. Les modérateurs lisent chaque question avant de la publier.",
		"name_label":        "Votre nom (facultatif)",
		"name_hint":         "Affiché à côté de votre question avec un badge « web » : chacun peut écrire le nom qu'il veut.",
		"anon_label":        "Poser anonymement",
		"anon_hint":         "Votre nom n'apparaît ni ici ni à l'écran ; les modérateurs le voient.",
		"submit":            "Envoyer ma question",
		"mine_title":        "Vos questions",
		"list_title":        "Questions",
		"list_empty":        "Pas encore de question. Posez la première !",
		"vote":              "Voter",
		"voted":             "Voté",
		"skip":              "Aller aux questions",
		"vote_one":          "vote",
		"vote_many":         "votes",
		"onair":             "À l'antenne",
		"anonymous":         "posée anonymement",
		"share":             "Posez vos questions depuis votre téléphone :",
		"footer":            "Votre navigateur garde un identifiant aléatoire pour que votre vote ne compte qu'une fois. Rien d'autre n'est conservé sur vous.",
		"live_open":         "En direct",
		"live_connecting":   "Connexion…",
		"counter":           "%d / %d",
		"status_pending":    "en attente de modération",
		"status_approved":   "publiée",
		"status_onair":      "à l'antenne",
		"status_answered":   "répondue",
		"status_rejected":   "non retenue",
		"status_hidden":     "en cours d'examen",
		"status_merged":     "regroupée avec une question proche",
		"status_withdrawn":  "retirée",
		"source_web":        "web",
		"source_twitch":     "Twitch",
		"source_youtube":    "YouTube",
		"source_console":    "modération",
		"default_name":      "internaute",
		"network":           "Impossible de joindre le serveur : vérifiez votre connexion et réessayez.",

		"asked":             "Merci ! Votre question porte le n°%d.",
		"asked_pending":     "Merci ! Votre question n°%d est en attente de modération.",
		"dup_voted":         "Déjà posée sous le n°%d : votre vote lui est ajouté.",
		"dup_pending_voted": "Déjà posée sous le n°%d (en attente de modération) : votre vote lui est ajouté.",
		"dup":               "Déjà posée sous le n°%d.",
		"voted_ok":          "Vote compté pour le n°%d.",
		"unvoted":           "Vote retiré du n°%d.",
		"code_ok":           "Code accepté.",

		"empty":             "Merci d'écrire votre question.",
		"too_long":          "Trop longue : %d caractères au plus.",
		"banned_word":       "Question refusée : elle contient un mot interdit.",
		"banned":            "Vous ne pouvez ni poser de question ni voter dans cette réunion.",
		"too_fast":          "Merci d'attendre %d s avant une nouvelle question.",
		"session_cap":       "Vous avez atteint la limite de %d questions.",
		"unknown":           "Il n'y a pas de question n°%d.",
		"not_found":         "Cette page ou cette question n'existe pas.",
		"not_visible":       "Le n°%d n'est pas ouvert aux votes.",
		"already_voted":     "Vous avez déjà voté pour le n°%d.",
		"not_voted":         "Vous n'avez pas de vote sur le n°%d.",
		"retry":             "Désolé : rien n'est enregistré. Réessayez dans un instant.",
		"invalid":           "Désolé : cela n'a pas marché.",
		"bad_origin":        "Cette requête ne vient pas de la page des questions. Rechargez la page et réessayez.",
		"code_required":     "Entrez d'abord le code de la réunion affiché à l'écran.",
		"bad_code":          "Ce n'est pas le code de la réunion.",
		"too_many_codes":    "Trop de codes erronés. Réessayez dans %d s.",
		"too_many_browsers": "Trop de nouveaux visiteurs depuis votre réseau. Réessayez dans %d s.",
		"bad_body":          "La requête n'a pas été comprise.",
		"too_large":         "La requête est trop grande.",
		"media_type":        "Envoyez du JSON ou un formulaire.",
		"method":            "Cette méthode n'est pas permise ici.",
		"not_open":          "La page des questions n'est pas ouverte.",
		"busy":              "Trop de personnes sont connectées en ce moment.",
	},
}

// jsLabels are the words the page's script needs, passed in one data
// attribute.
var jsLabels = []string{
	"vote", "voted", "vote_one", "vote_many", "onair",
	"anonymous", "live_open", "live_connecting", "counter", "list_empty", "network",
	"status_pending", "status_approved", "status_onair", "status_answered", "status_rejected",
	"status_hidden", "status_merged", "status_withdrawn",
	"source_web", "source_twitch", "source_youtube", "source_console",
	"asked", "asked_pending", "dup_voted", "dup_pending_voted", "dup", "voted_ok", "unvoted", "code_ok",
}

// text returns message key in lang, formatted with args.
func text(lang, key string, args ...any) string {
	f, ok := catalogues[lang][key]
	if !ok {
		f = catalogues["en"][key]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// statusText returns how the page names a status.
func statusText(lang string, st tribune.Status) string {
	return text(lang, "status_"+string(st))
}

// sourceText returns the badge of a question's source ("web").
func sourceText(lang, source string) string {
	switch source {
	case tribune.SourceWeb, tribune.SourceTwitch, tribune.SourceYouTube, tribune.SourceConsole:
		return text(lang, "source_"+source)
	}
	return ""
}

// askMessage returns the key of the message that tells what became of a
// question.
func askMessage(res tribune.AskResult) string {
	pending := res.Question.Status == tribune.StatusPending
	switch {
	case res.Duplicate && res.Voted && pending:
		return "dup_pending_voted"
	case res.Duplicate && res.Voted:
		return "dup_voted"
	case res.Duplicate:
		return "dup"
	case pending:
		return "asked_pending"
	}
	return "asked"
}

// resultKeys are the messages a redirect after a form may name (?m=).
var resultKeys = map[string]bool{
	"asked": true, "asked_pending": true, "dup_voted": true, "dup_pending_voted": true,
	"dup": true, "voted_ok": true, "unvoted": true, "code_ok": true,
}

// refusal returns the message that explains err, in lang.
func refusal(lang string, err error) string {
	id := intArg(err, "id", 0)
	switch r := tribune.ErrorReason(err); r {
	case tribune.ReasonEmpty:
		return text(lang, "empty")
	case tribune.ReasonTooLong:
		return text(lang, "too_long", intArg(err, "max", tribune.MaxQuestionRunes))
	case tribune.ReasonTooFast, reasonTooManyBrowsers, reasonTooManyCodes:
		return text(lang, r, intArg(err, "wait", 1))
	case tribune.ReasonSessionCap:
		return text(lang, "session_cap", intArg(err, "max", tribune.DefaultSessionCap))
	case tribune.ReasonUnknown:
		return text(lang, "unknown", id)
	case tribune.ReasonNotVisible, tribune.ReasonAlreadyVoted, tribune.ReasonNotVoted:
		return text(lang, r, id)
	case tribune.ReasonBannedWord, tribune.ReasonBanned, reasonBadOrigin, reasonCodeRequired, reasonBadCode,
		reasonBadBody, reasonTooLarge, reasonMediaType, reasonMethod, reasonNotOpen, reasonBusy:
		return text(lang, r)
	}
	switch tribune.ErrorCode(err) {
	case tribune.EUNAVAILABLE, tribune.EINTERNAL:
		return text(lang, "retry")
	}
	return text(lang, "invalid")
}

func intArg(err error, name string, def int) int {
	if v, ok := tribune.ErrorArg(err, name); ok {
		switch n := v.(type) {
		case int:
			return n
		case int64:
			return int(n)
		}
	}
	return def
}

// httpStatus maps an error to its HTTP status.
func httpStatus(err error) int {
	switch tribune.ErrorReason(err) {
	case reasonTooLarge:
		return http.StatusRequestEntityTooLarge
	case reasonMediaType:
		return http.StatusUnsupportedMediaType
	case reasonMethod:
		return http.StatusMethodNotAllowed
	}
	code := tribune.ErrorCode(err)
	if code == tribune.EUNAUTHORIZED {
		// The page's contract answers 400/403/404/409/429: it asks for no
		// credentials, so it has none to challenge for with a 401.
		return http.StatusForbidden
	}
	return tribune.HTTPStatus(code)
}

// langMatcher picks the page's language from ?lang= and Accept-Language.
type langMatcher struct {
	m     language.Matcher
	langs []string // in the matcher's order, the default first
}

func newLangMatcher(def string) *langMatcher {
	langs := []string{def}
	for l := range catalogues {
		if l != def {
			langs = append(langs, l)
		}
	}
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = language.Make(l)
	}
	return &langMatcher{m: language.NewMatcher(tags), langs: langs}
}

// pick returns the language of r: a supported ?lang=, else the best match
// of Accept-Language, else the default. explicit is true when ?lang=
// chose it, so that links and redirects keep it.
func (l *langMatcher) pick(r *http.Request) (lang string, explicit bool) {
	if q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("lang"))); q != "" {
		if i := strings.IndexAny(q, "-_"); i >= 0 {
			q = q[:i]
		}
		if _, ok := catalogues[q]; ok {
			return q, true
		}
	}
	accept := r.Header.Get("Accept-Language")
	if len(accept) > 512 {
		accept = accept[:512] // a header is the client's: bound the parsing
	}
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return l.langs[0], false
	}
	_, i, conf := l.m.Match(tags...)
	if conf == language.No {
		return l.langs[0], false
	}
	return l.langs[i], false
}
