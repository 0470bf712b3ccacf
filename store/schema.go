package store

import (
	"context"
	"fmt"
)

// migrations are the schema changes, in order: migrations[i] brings a file
// from version i to version i+1 (PRAGMA user_version). Append new ones;
// never edit one that has shipped.
//
// Times are TEXT in UTC with nanoseconds at a fixed width (timeFormat), so
// that they round-trip exactly and sort as text. A zero id (merged_into,
// via, question_id) is stored as NULL.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE sessions (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	channel TEXT NOT NULL,
	title   TEXT NOT NULL,
	started TEXT NOT NULL,
	ended   TEXT
) STRICT;
-- At most one open session per channel.
CREATE UNIQUE INDEX sessions_open ON sessions (channel) WHERE ended IS NULL;

CREATE TABLE questions (
	session_id  INTEGER NOT NULL REFERENCES sessions (id),
	id          INTEGER NOT NULL,
	text        TEXT NOT NULL,
	author      TEXT NOT NULL,
	login       TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	source      TEXT NOT NULL,
	created     TEXT NOT NULL,
	status      TEXT NOT NULL,
	votes       INTEGER NOT NULL,
	reports     INTEGER NOT NULL,
	merged_into INTEGER,
	PRIMARY KEY (session_id, id)
) STRICT;

CREATE TABLE votes (
	session_id  INTEGER NOT NULL,
	question_id INTEGER NOT NULL,
	voter_id    TEXT NOT NULL,
	via         INTEGER,
	created     TEXT NOT NULL,
	PRIMARY KEY (session_id, question_id, voter_id),
	FOREIGN KEY (session_id, question_id) REFERENCES questions (session_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE reports (
	session_id  INTEGER NOT NULL,
	question_id INTEGER NOT NULL,
	reporter_id TEXT NOT NULL,
	created     TEXT NOT NULL,
	PRIMARY KEY (session_id, question_id, reporter_id),
	FOREIGN KEY (session_id, question_id) REFERENCES questions (session_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE bans (
	channel TEXT NOT NULL,
	login   TEXT NOT NULL,
	"by"    TEXT NOT NULL,
	created TEXT NOT NULL,
	PRIMARY KEY (channel, login)
) STRICT, WITHOUT ROWID;

-- data holds what undo and export need, as JSON:
-- {"before":[question…],"after":[…],"moved_votes":[vote…],"ban":{…},"undone":true,"undo_of":N}
CREATE TABLE modlog (
	session_id  INTEGER NOT NULL REFERENCES sessions (id),
	id          INTEGER NOT NULL,
	at          TEXT NOT NULL,
	moderator   TEXT NOT NULL,
	action      TEXT NOT NULL,
	question_id INTEGER,
	data        TEXT NOT NULL,
	PRIMARY KEY (session_id, id)
) STRICT;

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`,
	// 2: sources (2026-12). A viewer is (source, platform user id): votes,
	// reports and bans gain a source, which is Twitch for every row an
	// older release wrote, but the author's own vote on a question of
	// another source (a console question's), and that vote once a merge
	// moved it (via) onto another question. Questions gain the channel
	// they were asked in (an older release's Twitch questions were asked
	// in their session's channel), a label, the anonymous and
	// first-message flags, when they last went on air (an older release
	// logged it as a show that was not undone) and the platform's id of
	// the message that asked them. testdata/release1.db is a file of the
	// previous release that TestMigrateRelease1 upgrades.
	`
ALTER TABLE questions ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE questions ADD COLUMN aired TEXT;
ALTER TABLE questions ADD COLUMN message_id TEXT;
CREATE INDEX questions_message ON questions (session_id, source, message_id) WHERE message_id IS NOT NULL;
UPDATE questions SET channel = (SELECT s.channel FROM sessions s WHERE s.id = questions.session_id)
	WHERE source = 'twitch';
UPDATE questions SET aired = (SELECT max(m.at) FROM modlog m WHERE m.session_id = questions.session_id
	AND m.question_id = questions.id AND m.action = 'show' AND json_extract(m.data, '$.undone') IS NOT 1);

CREATE TABLE votes2 (
	session_id  INTEGER NOT NULL,
	question_id INTEGER NOT NULL,
	source      TEXT NOT NULL,
	voter_id    TEXT NOT NULL,
	via         INTEGER,
	created     TEXT NOT NULL,
	PRIMARY KEY (session_id, question_id, source, voter_id),
	FOREIGN KEY (session_id, question_id) REFERENCES questions (session_id, id)
) STRICT, WITHOUT ROWID;
INSERT INTO votes2 (session_id, question_id, source, voter_id, via, created)
	SELECT v.session_id, v.question_id,
		coalesce(
			(SELECT q.source FROM questions q WHERE q.session_id = v.session_id
				AND q.id = v.question_id AND q.user_id = v.voter_id),
			(SELECT q.source FROM questions q WHERE q.session_id = v.session_id
				AND q.id = v.via AND q.user_id = v.voter_id),
			'twitch'),
		v.voter_id, v.via, v.created
	FROM votes v;
DROP TABLE votes;
ALTER TABLE votes2 RENAME TO votes;

CREATE TABLE reports2 (
	session_id  INTEGER NOT NULL,
	question_id INTEGER NOT NULL,
	source      TEXT NOT NULL,
	reporter_id TEXT NOT NULL,
	created     TEXT NOT NULL,
	PRIMARY KEY (session_id, question_id, source, reporter_id),
	FOREIGN KEY (session_id, question_id) REFERENCES questions (session_id, id)
) STRICT, WITHOUT ROWID;
INSERT INTO reports2 (session_id, question_id, source, reporter_id, created)
	SELECT session_id, question_id, 'twitch', reporter_id, created FROM reports;
DROP TABLE reports;
ALTER TABLE reports2 RENAME TO reports;

-- A ban holds an identity (source, user_id), a Twitch login, or both;
-- what it does not hold is ''.
CREATE TABLE bans2 (
	channel TEXT NOT NULL,
	source  TEXT NOT NULL,
	user_id TEXT NOT NULL,
	login   TEXT NOT NULL,
	"by"    TEXT NOT NULL,
	created TEXT NOT NULL,
	PRIMARY KEY (channel, source, user_id, login)
) STRICT, WITHOUT ROWID;
INSERT INTO bans2 (channel, source, user_id, login, "by", created)
	SELECT channel, 'twitch', '', login, "by", created FROM bans;
DROP TABLE bans;
ALTER TABLE bans2 RENAME TO bans;
`,
}

// SchemaVersion is the schema version this binary writes (PRAGMA
// user_version): the number of migrations it knows.
const SchemaVersion = 2

// migrate brings the file to the latest schema, one migration per
// transaction, so that a failure leaves the file at the last version that
// was completed. Each transaction re-reads the version under the write
// lock: two processes opening the same new file do not both migrate it.
func (db *DB) migrate(ctx context.Context) error {
	db.wmu.Lock()
	defer db.wmu.Unlock()
	for {
		done, err := db.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne runs the next migration, if any; done is true when the file is
// up to date.
func (db *DB) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return false, fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v >= len(migrations) {
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migrate %d: %w", v+1, err)
	}
	// user_version lives in the file header, which the transaction
	// journals like any page: it commits or rolls back with the migration.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return false, fmt.Errorf("migrate %d: set schema version: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %d: commit: %w", v+1, err)
	}
	return false, nil
}
