package chat

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	tribune "github.com/tribune-live/tribune"
)

// Languages lists the languages replies are written in.
var Languages = []string{"en", "fr"}

// Keys of the reply catalogue. Acknowledgements and refusals are short
// "parts" addressed to one viewer and folded together into one chat
// message; they must not contain ", ", the separator between parts.
const (
	msgAsked           = "asked"             // %d id
	msgAskedPending    = "asked_pending"     // %d id
	msgDupVoted        = "dup_voted"         // %d id
	msgDup             = "dup"               // %d id
	msgVoted           = "voted"             // %d id
	msgUnvoted         = "unvoted"           // %d id
	msgWithdrawn       = "withdrawn"         // %d id
	msgReported        = "reported"          // %d id
	msgUsageAsk        = "usage_ask"         //
	msgUsageNumber     = "usage_number"      // %s command
	msgTooLong         = "too_long"          // %d max
	msgBannedWord      = "banned_word"       //
	msgBanned          = "banned"            //
	msgTooFast         = "too_fast"          // %d seconds
	msgSessionCap      = "session_cap"       // %d max
	msgUnknown         = "unknown"           // %d id
	msgNotVisible      = "not_visible"       // %d id
	msgAlreadyVoted    = "already_voted"     // %d id
	msgNotVoted        = "not_voted"         // %d id
	msgAlreadyReported = "already_reported"  // %d id
	msgNotAuthor       = "not_author"        // %d id
	msgBadTransition   = "cannot_withdraw"   // %d id
	msgRetry           = "retry"             //
	msgTopHeader       = "top_header"        //
	msgTopEmpty        = "top_empty"         //
	msgHelp            = "help"              //
	msgInvalid         = "invalid"           //
	msgDupPendingVoted = "dup_pending_voted" // %d id
	msgVotesCounted    = "votes_counted"     // %s items
	msgVotesItem       = "votes_item"        // %d id, %d votes
)

var catalogues = map[string]map[string]string{
	"en": {
		msgAsked:           "#%d",
		msgAskedPending:    "#%d (awaiting review)",
		msgDupVoted:        "voted #%d (already asked)",
		msgDupPendingVoted: "#%d already asked (awaiting review): vote added",
		msgDup:             "#%d already asked",
		msgVoted:           "voted #%d",
		msgUnvoted:         "vote removed from #%d",
		msgWithdrawn:       "#%d withdrawn",
		msgReported:        "report on #%d noted",
		msgUsageAsk:        "usage: !q your question",
		msgUsageNumber:     "usage: !%s N (a question number)",
		msgTooLong:         "too long: %d characters at most",
		msgBannedWord:      "question refused: it contains a banned word",
		msgBanned:          "you cannot use Tribune commands here",
		msgTooFast:         "please wait %d s before asking again",
		msgSessionCap:      "you reached the limit of %d questions",
		msgUnknown:         "no question #%d",
		msgNotVisible:      "#%d is not open for votes",
		msgAlreadyVoted:    "already voted #%d",
		msgNotVoted:        "no vote of yours on #%d",
		msgAlreadyReported: "already reported #%d",
		msgNotAuthor:       "#%d is not your question",
		msgBadTransition:   "#%d can no longer be withdrawn",
		msgRetry:           "sorry: not saved; try again in a moment",
		msgInvalid:         "sorry: that did not work",
		msgTopHeader:       "Top questions:",
		msgTopEmpty:        "No open questions yet. Ask with !q your question",
		msgHelp:            "Tribune: !q QUESTION to ask · !vote N · !unvote N · !top · !withdraw N · !report N",
		msgVotesCounted:    "votes counted: %s",
		msgVotesItem:       "#%d +%d",
	},
	"fr": {
		msgAsked:           "n°%d",
		msgAskedPending:    "n°%d (en attente de modération)",
		msgDupVoted:        "a voté n°%d (déjà posée)",
		msgDupPendingVoted: "n°%d déjà posée (en attente de modération) : vote ajouté",
		msgDup:             "n°%d déjà posée",
		msgVoted:           "a voté n°%d",
		msgUnvoted:         "vote retiré de n°%d",
		msgWithdrawn:       "n°%d retirée",
		msgReported:        "signalement de n°%d enregistré",
		msgUsageAsk:        "usage : !q votre question",
		msgUsageNumber:     "usage : !%s N (numéro de question)",
		msgTooLong:         "trop longue : %d caractères au plus",
		msgBannedWord:      "question refusée : elle contient un mot interdit",
		msgBanned:          "vous ne pouvez pas utiliser les commandes de Tribune ici",
		msgTooFast:         "merci d'attendre %d s avant une nouvelle question",
		msgSessionCap:      "vous avez atteint la limite de %d questions",
		msgUnknown:         "pas de question n°%d",
		msgNotVisible:      "n°%d n'est pas ouverte aux votes",
		msgAlreadyVoted:    "déjà voté n°%d",
		msgNotVoted:        "aucun vote de votre part sur n°%d",
		msgAlreadyReported: "déjà signalé n°%d",
		msgNotAuthor:       "n°%d n'est pas votre question",
		msgBadTransition:   "n°%d ne peut plus être retirée",
		msgRetry:           "désolé : rien n'est enregistré ; réessayez dans un instant",
		msgInvalid:         "désolé : cela n'a pas marché",
		msgTopHeader:       "Questions en tête :",
		msgTopEmpty:        "Aucune question ouverte pour l'instant. Posez la vôtre avec !q votre question",
		msgHelp:            "Tribune : !q QUESTION pour poser · !vote N · !unvote N · !top · !withdraw N · !report N",
		msgVotesCounted:    "votes comptés : %s",
		msgVotesItem:       "n°%d +%d",
	},
}

// catalogue returns the replies of lang, English when unknown.
func catalogue(lang string) map[string]string {
	if c, ok := catalogues[strings.ToLower(lang)]; ok {
		return c
	}
	return catalogues["en"]
}

// text formats message key of catalogue c.
func text(c map[string]string, key string, args ...any) string {
	f, ok := c[key]
	if !ok {
		f = catalogues["en"][key]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// questionRefusals are the messages of the refusals that name a question
// by its number.
var questionRefusals = map[string]string{
	tribune.ReasonUnknown:       msgUnknown,
	tribune.ReasonNotVisible:    msgNotVisible,
	tribune.ReasonAlreadyVoted:  msgAlreadyVoted,
	tribune.ReasonNotVoted:      msgNotVoted,
	tribune.ReasonAlreadyReport: msgAlreadyReported,
	tribune.ReasonNotAuthor:     msgNotAuthor,
	tribune.ReasonBadTransition: msgBadTransition,
}

// refusal returns the reply part for a refused command, or "" when the
// error deserves no reply (the command's context ended).
func refusal(c map[string]string, cmd Command, err error) string {
	id := cmd.ID
	if v, ok := tribune.ErrorArg(err, "id"); ok {
		if n, ok := v.(int); ok {
			id = n
		}
	}
	switch tribune.ErrorReason(err) {
	case tribune.ReasonEmpty:
		return text(c, msgUsageAsk)
	case tribune.ReasonTooLong:
		return text(c, msgTooLong, intArg(err, "max", tribune.MaxQuestionRunes))
	case tribune.ReasonBannedWord:
		return text(c, msgBannedWord)
	case tribune.ReasonBanned:
		return text(c, msgBanned)
	case tribune.ReasonTooFast:
		return text(c, msgTooFast, intArg(err, "wait", 1))
	case tribune.ReasonSessionCap:
		return text(c, msgSessionCap, intArg(err, "max", tribune.DefaultSessionCap))
	}
	if key, ok := questionRefusals[tribune.ErrorReason(err)]; ok {
		return text(c, key, id)
	}
	switch tribune.ErrorCode(err) {
	case tribune.EUNAVAILABLE, tribune.EINTERNAL:
		return text(c, msgRetry)
	}
	return text(c, msgInvalid)
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

// topMessage formats the !top reply: the questions' numbers, votes and
// texts, each text shortened so that the whole fits in max runes. Texts
// are stored clean, but the reply does not rely on it: a text is made one
// safe line, and one that holds a banned word (words may be nil) is left
// out, its number and votes kept.
func topMessage(c map[string]string, top []tribune.Question, max int, words tribune.WordFilter) string {
	if len(top) == 0 {
		return text(c, msgTopEmpty)
	}
	head := text(c, msgTopHeader)
	items := make([]string, len(top))
	room := max - utf8.RuneCountInString(head) - 8*len(top)
	per := room / len(top)
	for i, q := range top {
		prefix := "#" + strconv.Itoa(q.ID) + " (" + strconv.Itoa(q.Votes) + ")"
		t := tribune.CleanText(SafeLine(q.Text))
		if words != nil {
			if _, found := words.Find(t); found {
				t = ""
			}
		}
		if t == "" {
			items[i] = prefix
			continue
		}
		items[i] = prefix + " " + shorten(t, per-utf8.RuneCountInString(prefix)-1)
	}
	return Clip(head+" "+strings.Join(items, " | "), max)
}

// summaryMessage formats the summary of folded vote acknowledgements,
// most votes first (lower numbers first among equals), with as many
// questions as fit in max runes.
func summaryMessage(c map[string]string, votes map[int]int, max int) string {
	ids := make([]int, 0, len(votes))
	for id, n := range votes {
		if n > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	slices.SortFunc(ids, func(a, b int) int {
		if votes[a] != votes[b] {
			return votes[b] - votes[a]
		}
		return a - b
	})
	head := utf8.RuneCountInString(text(c, msgVotesCounted, ""))
	var items []string
	runes := head
	for _, id := range ids {
		item := text(c, msgVotesItem, id, votes[id])
		n := utf8.RuneCountInString(item)
		if len(items) > 0 {
			n += 2
		}
		if runes+n > max {
			break
		}
		items = append(items, item)
		runes += n
	}
	return text(c, msgVotesCounted, strings.Join(items, ", "))
}

// shorten cuts s to at most n runes, marking the cut with "…". Replies
// may shorten a question; the stored question never is.
func shorten(s string, n int) string {
	if n < 2 {
		n = 2
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for k < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return strings.TrimSpace(s[:i]) + "…"
}

// Clip cuts s to at most n runes, marking a cut with "…".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return shorten(s, n)
}
