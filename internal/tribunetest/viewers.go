package tribunetest

// Viewers of every source, one identity per number: tests that need many
// distinct viewers count them, tests that need a few name them.

import (
	"fmt"

	"github.com/tribune-live/tribune"
	"github.com/tribune-live/tribune/internal/twitchfake"
	"github.com/tribune-live/tribune/internal/youtubefake"
)

// Viewer returns Twitch viewer n as the Service sees them: login viewerN,
// display name ViewerN, user id 1000+N.
func Viewer(n int) tribune.Actor {
	return tribune.Actor{Login: fmt.Sprintf("viewer%d", n), DisplayName: fmt.Sprintf("Viewer%d", n), UserID: fmt.Sprint(1000 + n), Source: tribune.SourceTwitch}
}

// Voter returns Twitch viewer n of a crowd that only votes: login voterN,
// user id 5000+N, never one of Viewer's.
func Voter(n int) tribune.Actor {
	return tribune.Actor{Login: fmt.Sprintf("voter%d", n), UserID: fmt.Sprint(5000 + n), Source: tribune.SourceTwitch}
}

// TwitchViewer returns the Actor of a Twitch viewer known by login alone,
// as a ban by login sees them.
func TwitchViewer(login string) tribune.Actor {
	return tribune.Actor{Login: login, Source: tribune.SourceTwitch}
}

// ChatViewer returns Twitch viewer n as the fake chat sends their lines:
// login viewerN, display name ViewerN (what replies address), user id
// 500000+N.
func ChatViewer(n int) twitchfake.User {
	return twitchfake.User{ID: fmt.Sprint(500000 + n), Login: fmt.Sprintf("viewer%d", n), DisplayName: fmt.Sprintf("Viewer%d", n)}
}

// YouTubeViewer returns YouTube viewer n as the fake YouTube chat sends
// their messages: a channel id of the platform's length, display name
// "Viewer N".
func YouTubeViewer(n int) youtubefake.Author {
	return youtubefake.Author{ChannelID: fmt.Sprintf("UCviewer%016d", n), DisplayName: fmt.Sprintf("Viewer %d", n)}
}
