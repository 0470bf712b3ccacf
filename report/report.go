// Package report makes the meeting report and the exports of a session
// from what the store holds (tribune.SessionState).
//
// Analyze computes everything once: the headline figures by source,
// channel and label, questions and votes per minute, the on-air spans,
// each question's timeline (asked, approved, on air, answered, time
// waiting, time on air) replayed from the moderation log, and the
// moderation summary. The HTML report (Write), its PDF (PDF) and the
// exports (CSV, JSON, Markdown) all read that one Analysis.
//
// Files: analyze.go defines the Analysis and computes its figures;
// replay.go replays the moderation log into timelines and decisions;
// html.go, report.html.tmpl, charts.go and lang.go make the HTML page in
// either language; pdf.go prints it through headless Chromium; export.go
// writes the exports.
//
// The report is one self-contained HTML page in English or French: inline
// SVG charts, no script, a Content-Security-Policy that loads nothing, and
// print rules for A4 that keep table rows whole. Chat text is escaped by
// html/template and stays text.
//
// The bar charts (by source, by label) come from
// github.com/go-analyze/charts. The chart of questions and votes per
// minute is drawn here as SVG: it shows the on-air spans on the same time
// axis as the per-minute bars and line, and go-analyze/charts v0.6.4
// cannot. Its category axis is laid out inside a plot area it keeps to
// itself, and its marks are statistical lines and points (min, max,
// average), with no band or mark area, so a span of 40 seconds has no
// place on its axis; drawn here, bars, line and spans share one
// continuous time scale.
package report
