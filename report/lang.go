package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tribune-live/tribune"
)

// Langs are the languages a report is written in.
var Langs = []string{"en", "fr"}

// words holds a language's text of the report, by key.
type words map[string]string

var dictionary = map[string]words{
	"en": {
		"title":           "Meeting report",
		"untitled":        "Untitled meeting",
		"no-session":      "No session recorded yet.",
		"channel":         "Channel",
		"started":         "Started",
		"ended":           "Ended",
		"open":            "still open",
		"duration":        "Length",
		"made":            "Report made by Tribune on %s.",
		"figures":         "Headline figures",
		"questions":       "Questions",
		"askers":          "Askers",
		"voters":          "Voters",
		"votes":           "Votes",
		"answered":        "Answered",
		"source":          "Source",
		"by-source":       "By source",
		"by-channel":      "By channel",
		"by-label":        "By label",
		"label":           "Label",
		"no-channel":      "(none)",
		"activity":        "Questions and votes per minute",
		"activity-n":      "Questions and votes per %d minutes",
		"activity-note":   "Bars: questions asked; line: votes cast; shaded: a question on air.",
		"onair-legend":    "on air",
		"chart-sources":   "Questions, askers and voters by source",
		"chart-labels":    "Questions and answers by label",
		"top":             "Top questions",
		"no-top":          "No question stood.",
		"rank":            "Rank",
		"question":        "Question",
		"author":          "Asked by",
		"anonymous":       "anonymous",
		"status":          "Status",
		"timeline":        "Every question",
		"timeline-note":   "Times of each question: asked, approved, first on air, answered; waited until first on air (or answered); time on air in all.",
		"asked":           "Asked",
		"approved":        "Approved",
		"onair":           "On air",
		"waited":          "Waited",
		"airtime":         "Time on air",
		"no-questions":    "No question was asked.",
		"moderation":      "Moderation",
		"rejected":        "Rejected",
		"hidden-reports":  "Hidden by viewers' reports",
		"hidden-platform": "Hidden by a platform",
		"merged":          "Merged",
		"banned":          "Banned",
		"undone":          "Undone",
		"none":            "None.",
		"at":              "At",
		"by":              "By",
		"what":            "What",
		"viewers":         "viewers",
		"reports-n":       "%d reports",
		"merged-into":     "#%d into #%d",
		"rejected-ids":    "rejected %s",
		"undid":           "undid %s",
		"spans-n":         "%d times on air",
		"action-approve":  "an approval", "action-reject": "a rejection", "action-show": "a showing",
		"action-hide": "a hiding", "action-answer": "an answer", "action-restore": "a restoring",
		"action-merge": "a merge", "action-edit": "an edit", "action-ban": "a ban", "action-label": "a label",
		"action-deleted": "a platform's deletion", "action-timeout": "a platform's timeout",
		"status-pending": "pending", "status-approved": "approved", "status-onair": "on air",
		"status-answered": "answered", "status-rejected": "rejected", "status-hidden": "hidden",
		"status-merged": "merged", "status-withdrawn": "withdrawn",
	},
	"fr": {
		"title":           "Rapport de la séance",
		"untitled":        "Séance sans titre",
		"no-session":      "Aucune séance enregistrée.",
		"channel":         "Chaîne",
		"started":         "Début",
		"ended":           "Fin",
		"open":            "toujours ouverte",
		"duration":        "Durée",
		"made":            "Rapport établi par Tribune le %s.",
		"figures":         "Chiffres clés",
		"questions":       "Questions",
		"askers":          "Auteurs",
		"voters":          "Votants",
		"votes":           "Votes",
		"answered":        "Répondues",
		"source":          "Source",
		"by-source":       "Par source",
		"by-channel":      "Par chaîne",
		"by-label":        "Par thème",
		"label":           "Thème",
		"no-channel":      "(aucune)",
		"activity":        "Questions et votes par minute",
		"activity-n":      "Questions et votes par tranche de %d minutes",
		"activity-note":   "Barres : questions posées ; courbe : votes ; zones grisées : une question à l'antenne.",
		"onair-legend":    "à l'antenne",
		"chart-sources":   "Questions, auteurs et votants par source",
		"chart-labels":    "Questions et réponses par thème",
		"top":             "Questions les plus soutenues",
		"no-top":          "Aucune question retenue.",
		"rank":            "Rang",
		"question":        "Question",
		"author":          "Posée par",
		"anonymous":       "anonyme",
		"status":          "État",
		"timeline":        "Toutes les questions",
		"timeline-note":   "Heures de chaque question : posée, approuvée, première fois à l'antenne, répondue ; attente jusqu'à l'antenne (ou la réponse) ; durée totale à l'antenne.",
		"asked":           "Posée",
		"approved":        "Approuvée",
		"onair":           "À l'antenne",
		"waited":          "Attente",
		"airtime":         "Durée à l'antenne",
		"no-questions":    "Aucune question posée.",
		"moderation":      "Modération",
		"rejected":        "Rejetées",
		"hidden-reports":  "Masquées par les signalements",
		"hidden-platform": "Masquées par une plateforme",
		"merged":          "Fusionnées",
		"banned":          "Bannissements",
		"undone":          "Annulations",
		"none":            "Aucune.",
		"at":              "Heure",
		"by":              "Par",
		"what":            "Quoi",
		"viewers":         "le public",
		"reports-n":       "%d signalements",
		"merged-into":     "n°%d dans n°%d",
		"rejected-ids":    "rejetées : %s",
		"undid":           "a annulé %s",
		"spans-n":         "%d passages à l'antenne",
		"action-approve":  "une approbation", "action-reject": "un rejet", "action-show": "une mise à l'antenne",
		"action-hide": "un retrait de l'antenne", "action-answer": "une réponse", "action-restore": "un rétablissement",
		"action-merge": "une fusion", "action-edit": "une correction", "action-ban": "un bannissement", "action-label": "un thème",
		"action-deleted": "une suppression par la plateforme", "action-timeout": "une exclusion temporaire par la plateforme",
		"status-pending": "en attente", "status-approved": "approuvée", "status-onair": "à l'antenne",
		"status-answered": "répondue", "status-rejected": "rejetée", "status-hidden": "masquée",
		"status-merged": "fusionnée", "status-withdrawn": "retirée",
	},
}

// lang formats a report's text, numbers, times and durations in one
// language and time zone.
type lang struct {
	code string
	w    words
	loc  *time.Location
	day  time.Time // the meeting's first day, in loc: other days show their date
}

func newLang(code string, loc *time.Location, start time.Time) (*lang, error) {
	if code == "" {
		code = "en"
	}
	w, ok := dictionary[code]
	if !ok {
		return nil, fmt.Errorf("report: unknown language %q (want %s)", code, strings.Join(Langs, " or "))
	}
	if loc == nil {
		loc = time.Local
	}
	return &lang{code: code, w: w, loc: loc, day: start.In(loc)}, nil
}

// t returns the text of key, formatted with args when it has verbs.
func (l *lang) t(key string, args ...any) string {
	s, ok := l.w[key]
	if !ok {
		s = dictionary["en"][key]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// status names a status.
func (l *lang) status(s tribune.Status) string { return l.t("status-" + string(s)) }

// action names an action, as undone.
func (l *lang) action(a tribune.Action) string {
	if s, ok := l.w["action-"+string(a)]; ok {
		return s
	}
	return string(a)
}

// num writes n with the language's thousands separator.
func (l *lang) num(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	if len(s) > 4 || (len(s) == 4 && l.code == "en") {
		sep := ","
		if l.code == "fr" {
			sep = "\u202f" // espace fine insécable
		}
		var b strings.Builder
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(c)
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

// clock writes a time of the meeting: the time of day, with the date when
// it is not the meeting's first day. Zero is empty.
func (l *lang) clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(l.loc)
	if y, m, d := t.Date(); y != l.day.Year() || m != l.day.Month() || d != l.day.Day() {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("15:04:05")
}

// date writes a full date and time.
func (l *lang) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(l.loc).Format("2006-01-02 15:04 MST")
}

// minute writes a time of day to the minute, for chart axes.
func (l *lang) minute(t time.Time) string { return t.In(l.loc).Format("15:04") }

// dur writes a duration in hours, minutes and seconds: "1 h 02 min",
// "3 min 05 s", "42 s"; a number and its unit do not part.
func (l *lang) dur(d time.Duration) string {
	d = d.Round(time.Second)
	neg := d < 0
	if neg {
		d = -d
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var out string
	switch {
	case h > 0:
		out = fmt.Sprintf("%d\u00a0h %02d\u00a0min", h, m)
	case m > 0:
		out = fmt.Sprintf("%d\u00a0min %02d\u00a0s", m, s)
	default:
		out = fmt.Sprintf("%d\u00a0s", s)
	}
	if neg {
		out = "-" + out
	}
	return out
}
