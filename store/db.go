// Package store keeps Tribune's state in a SQLite database file
// (modernc.org/sqlite, pure Go, WAL mode). DB implements tribune.Store:
// versioned schema migrations run at Open, and Apply writes each batch of
// the Service's changes in one transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tribune "github.com/tribune-live/tribune"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

var _ tribune.Store = (*DB)(nil)

// Defaults of a DB.
const (
	// DefaultSync is SQLite's synchronous setting. In WAL mode NORMAL
	// syncs the WAL only at checkpoints, not at every commit: a committed
	// transaction is in the WAL file (the operating system's page cache)
	// when Apply returns, so it survives the death of the process, kill -9
	// included, which is what the contract asks. It can be lost to a power
	// cut or a kernel crash; "FULL" syncs every commit and survives those
	// too, at several times the cost of a commit.
	DefaultSync = "NORMAL"
	// DefaultBusyTimeout is how long a statement waits for a lock held by
	// another process (an export, another tribune) before it fails.
	DefaultBusyTimeout = 5 * time.Second
	// DefaultMaxOpenConns bounds the pool: writes are serialised by a
	// mutex anyway, extra connections serve concurrent reads.
	DefaultMaxOpenConns = 4
)

// DB is a Tribune database file. Create it with NewDB, configure the
// exported fields, then Open. It is safe for concurrent use: writes are
// serialised within the process by a mutex, so that they queue in Go rather
// than spin on SQLite's busy handler; reads run concurrently on other
// connections of the pool and see only committed state (WAL).
type DB struct {
	// Sync is SQLite's synchronous setting: "NORMAL" (DefaultSync) or
	// "FULL" (also survives power loss), "OFF" and "EXTRA".
	Sync string
	// BusyTimeout is how long to wait for another process's lock.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the connection pool.
	MaxOpenConns int
	// ReadOnly opens the file with SQLite's mode=ro: nothing is created or
	// migrated, and every write (Apply, PutSetting, an OpenSession that must
	// start a session) fails with SQLITE_READONLY. For export, and to check how Tribune behaves when
	// storage refuses writes. Opening a database whose schema is older than
	// this binary's fails, since it cannot be migrated.
	ReadOnly bool

	path string
	db   *sql.DB
	wmu  sync.Mutex // serialises write transactions of this process
	stmt [numStmts]*sql.Stmt
}

// NewDB returns a DB for the file at path with the default settings.
func NewDB(path string) *DB {
	return &DB{
		Sync:         DefaultSync,
		BusyTimeout:  DefaultBusyTimeout,
		MaxOpenConns: DefaultMaxOpenConns,
		path:         path,
	}
}

// Path returns the path of the database file.
func (db *DB) Path() string { return db.path }

// Open opens the database file, creating it unless ReadOnly, sets WAL mode
// and runs the schema migrations this binary knows. A file written by a
// newer Tribune (a higher schema version) is refused and left untouched.
//
// A file the operating system does not let this process write opens for
// reading (SQLite falls back to read-only by itself); writes then fail.
// In a directory this process cannot write, SQLite cannot create the WAL
// index (-shm) a reader needs; if no -wal file shows that a writer is at
// work, Open then reads the file as immutable, which is safe as long as
// nobody else writes it meanwhile: nobody can while the directory is
// read-only, short of another user.
func (db *DB) Open() error {
	if db.db != nil {
		return fmt.Errorf("store: %s is already open", db.path)
	}
	err := db.open(db.ReadOnly, false)
	if err != nil && db.readOnlyMedium(err) {
		if db.open(true, true) == nil {
			return nil
		}
	}
	return err
}

// readOnlyMedium reports whether err is SQLite refusing to open an existing
// file for want of write access to it or its directory, with no -wal file
// beside it.
func (db *DB) readOnlyMedium(err error) bool {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return false
	}
	if c := serr.Code() & 0xff; c != sqlite3.SQLITE_READONLY && c != sqlite3.SQLITE_CANTOPEN {
		return false
	}
	if _, err := os.Stat(db.path); err != nil {
		return false
	}
	_, err = os.Stat(db.path + "-wal")
	return errors.Is(err, fs.ErrNotExist)
}

// open opens the pool and sets the file up; on failure it leaves db closed.
func (db *DB) open(readOnly, immutable bool) error {
	dsn, err := db.dsn(readOnly, immutable)
	if err != nil {
		return err
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	n := db.MaxOpenConns
	if n < 1 {
		n = DefaultMaxOpenConns
	}
	sdb.SetMaxOpenConns(n)
	// Keep every connection: a new one re-runs the pragmas.
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxLifetime(0)
	db.db = sdb
	if err := db.setup(context.Background(), readOnly); err != nil {
		db.Close()
		return err
	}
	return nil
}

// setup checks the schema version, sets WAL mode, migrates and prepares the
// statements of the write path.
func (db *DB) setup(ctx context.Context, readOnly bool) error {
	// The version is checked before anything is written: the journal mode
	// is set here rather than in the DSN for that reason, since switching a
	// file to WAL writes its header.
	v, err := db.version(ctx)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	latest := len(migrations) // SchemaVersion; a test checks they agree
	if v > latest {
		return fmt.Errorf("store: %s has schema version %d, this tribune knows up to %d: upgrade tribune", db.path, v, latest)
	}
	if readOnly {
		if v < latest {
			return fmt.Errorf("store: %s has schema version %d, this tribune needs %d: open it once writable to migrate it", db.path, v, latest)
		}
	} else {
		// On a file already in WAL mode this writes nothing, so a file the
		// process may only read still opens.
		var mode string
		if err := db.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
			return fmt.Errorf("store: open %s: set WAL mode: %w", db.path, err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("store: open %s: journal mode is %s, want wal", db.path, mode)
		}
		if v < latest {
			if err := db.migrate(ctx); err != nil {
				return fmt.Errorf("store: open %s: %w", db.path, err)
			}
		}
	}
	for i, q := range stmtSQL {
		s, err := db.db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("store: open %s: prepare %q: %w", db.path, q, err)
		}
		db.stmt[i] = s
	}
	return nil
}

// dsn returns the driver's data source name: a file: URI, so that the path
// is escaped and SQLite honours mode=ro, with the pragmas every connection
// of the pool needs (they are per connection, not per file).
func (db *DB) dsn(readOnly, immutable bool) (string, error) {
	sync := strings.ToUpper(db.Sync)
	switch sync {
	case "":
		sync = DefaultSync
	case "OFF", "NORMAL", "FULL", "EXTRA":
	default:
		return "", fmt.Errorf("store: open %s: unknown Sync %q (want NORMAL or FULL)", db.path, db.Sync)
	}
	if db.path == "" {
		return "", errors.New("store: open: empty database path")
	}
	abs, err := filepath.Abs(db.path)
	if err != nil {
		return "", fmt.Errorf("store: open %s: %w", db.path, err)
	}
	busy := db.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	q := []string{
		"_pragma=" + url.QueryEscape(fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds())),
		"_pragma=" + url.QueryEscape("synchronous("+sync+")"),
		"_pragma=" + url.QueryEscape("foreign_keys(1)"),
		// Write transactions take the write lock at BEGIN, so that two
		// writers never deadlock upgrading a read lock; read-only
		// transactions (sql.TxOptions{ReadOnly: true}) still begin deferred.
		"_txlock=immediate",
	}
	if readOnly {
		q = append(q, "mode=ro")
	}
	if immutable {
		q = append(q, "immutable=1")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String() + "?" + strings.Join(q, "&"), nil
}

// version returns the file's schema version (PRAGMA user_version).
func (db *DB) version(ctx context.Context) (int, error) {
	var v int
	if err := db.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Close closes the database. A DB that was never opened closes without error.
func (db *DB) Close() error {
	if db.db == nil {
		return nil
	}
	for i, s := range db.stmt {
		if s != nil {
			s.Close()
			db.stmt[i] = nil
		}
	}
	err := db.db.Close()
	db.db = nil
	if err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// isOpen returns an error when the DB is not open, rather than a nil pointer
// dereference in the caller.
func (db *DB) isOpen() error {
	if db == nil || db.db == nil {
		return errors.New("store: database is not open")
	}
	return nil
}
