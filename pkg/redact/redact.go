// Package redact hides secrets that travel inside text: the user information of URLs
// ("http://user:password@host/..."), which users put into image URLs and which Ironic repeats
// in its error messages. Everything this project writes to a log, an Event, a status or an
// error passes through it where such text may appear.
package redact

import "regexp"

// userInfo matches the user information of a URL: scheme "://" then anything up to an "@"
// that comes before the host ends.
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\s"']+@`)

// Redacted is what stands in for the user information.
const Redacted = "xxxxx"

// URLs returns text with the user information of every URL in it replaced by Redacted.
func URLs(text string) string {
	return userInfo.ReplaceAllString(text, "${1}"+Redacted+"@")
}
