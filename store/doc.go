// Package store keeps Tribune's state in a SQLite database file
// (modernc.org/sqlite, pure Go, WAL mode). DB implements tribune.Store:
// versioned schema migrations run at Open, and Apply writes each batch of
// the Service's changes in one transaction.
//
// One process owns a database: the one that runs the meeting sets
// DB.Owner and takes a kernel lock on PATH.lock (own.go) before it
// creates, opens or migrates anything, so that a second one fails with an
// *InUseError naming the first, having changed nothing. Readers (export,
// report, token) open the file without owning it, with MustExist or
// ReadOnly, and never create one. Every file Tribune creates is private
// (0600): it holds the API token and viewers' data.
//
// db.go opens the file (the pool, WAL, the fallbacks of a read-only
// medium) and runs the migrations of schema.go: a file of an older
// release upgrades in place, a file of a newer Tribune is refused
// untouched. write.go applies the Service's changes, encoded by
// encode.go, and turns SQLite's refusals to write (read-only, disk full,
// corrupted) into tribune errors people can read (EUNAVAILABLE). load.go
// reads a whole session on two connections at once; rows.go reads the
// questions through the driver rather than rows.Scan, which makes
// `tribune serve` ready sooner (the figure is in withStmt's comment);
// read.go holds the other reads.
package store
