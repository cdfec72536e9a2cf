package agentsim

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// imageInfo is the image_info Ironic 21.4 sends with write_image (agent.py
// AgentDeploy.write_image), the keys the simulated agent uses.
type imageInfo struct {
	ID              string   `json:"id"`
	URLs            []string `json:"urls"`
	Checksum        string   `json:"checksum"`
	OSHashAlgo      string   `json:"os_hash_algo"`
	OSHashValue     string   `json:"os_hash_value"`
	DiskFormat      string   `json:"disk_format"`
	StreamRawImages bool     `json:"stream_raw_images"`
}

// agentError is an error as IPA serialises it into command_error (errors.RESTError):
// Ironic reports Details (or Message) as the step's failure.
type agentError struct {
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details string `json:"details"`
}

func (e *agentError) Error() string { return e.Message + ": " + e.Details }

// downloadError is IPA's ImageDownloadError.
func downloadError(imageID, msg string) *agentError {
	return &agentError{Type: "ImageDownloadError", Code: 500, Message: "Error downloading image",
		Details: fmt.Sprintf("Download of image %s failed: %s", imageID, msg)}
}

// checksumError is IPA's ImageChecksumError (with its argument order: the location comes first).
func checksumError(location, imageID, want, got string) *agentError {
	return &agentError{Type: "ImageChecksumError", Code: 500, Message: "Error verifying image checksum",
		Details: fmt.Sprintf("Image failed to verify against checksum. location: %s; image ID: %s; image checksum: %s; verification checksum: %s",
			location, imageID, want, got)}
}

// restError is IPA's plain RESTError with details.
func restError(details string) *agentError {
	return &agentError{Type: "RESTError", Code: 500, Message: "An error occurred", Details: details}
}

// newHash is the hash for an algorithm name as Ironic passes os_hash_algo.
func newHash(algo string) hash.Hash {
	switch strings.ToLower(algo) {
	case "md5":
		return md5.New()
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// hashForDigest picks the algorithm of a hex digest by its length (as newer IPA releases do
// for a checksum file's content).
func hashForDigest(digest string) hash.Hash {
	switch len(digest) {
	case 64:
		return sha256.New()
	case 128:
		return sha512.New()
	}
	return md5.New()
}

// download is the outcome of a successful image download.
type download struct {
	bytes  int64
	digest string
}

// fetchImage downloads and verifies an image as IPA's standby extension does: the expected
// digest from os_hash_algo/os_hash_value or else the (md5) checksum, a checksum that is a URL
// fetched first (a file with the digest alone, or "digest  name" lines matched against the
// image file name), every URL tried in turn, and the digest compared once the whole image
// has been read. location names where the image went (a device, or the cache file).
func (a *Agent) fetchImage(ctx context.Context, info imageInfo, location string) (*download, *agentError) {
	var h hash.Hash
	want := ""
	switch {
	case info.OSHashAlgo != "" && newHash(info.OSHashAlgo) != nil:
		h, want = newHash(info.OSHashAlgo), info.OSHashValue
	case info.Checksum != "":
		want = info.Checksum
	default:
		return nil, restError(fmt.Sprintf("Unable to verify image %s with available checksums. Please make sure the specified 'os_hash_algo' (currently %s) is supported by this ramdisk, or provide a md5 checksum via the 'checksum' field",
			info.ID, info.OSHashAlgo))
	}
	if isHTTP(want) {
		sum, aerr := a.fetchChecksum(ctx, want, info)
		if aerr != nil {
			return nil, aerr
		}
		want = sum
	}
	if h == nil {
		h = hashForDigest(want)
	}
	var details []string
	start := time.Now()
	for _, u := range info.URLs {
		resp, msg := a.get(ctx, u)
		if msg != "" {
			details = append(details, fmt.Sprintf("URL: %s; time: %.2f seconds. Error: %s", u, time.Since(start).Seconds(), msg))
			continue
		}
		n, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, downloadError(info.ID, fmt.Sprintf("Unable to write image to %s. Error: %v", location, err))
		}
		got := hex.EncodeToString(h.Sum(nil))
		if !strings.EqualFold(got, strings.TrimSpace(want)) {
			return nil, checksumError(location, info.ID, want, got)
		}
		return &download{bytes: n, digest: got}, nil
	}
	if len(info.URLs) == 0 {
		details = append(details, "no image URL given")
	}
	return nil, downloadError(info.ID, strings.Join(details, "\n "))
}

// fetchChecksum reads a checksum file as IPA's _fetch_checksum does.
func (a *Agent) fetchChecksum(ctx context.Context, checksumURL string, info imageInfo) (string, *agentError) {
	resp, msg := a.get(ctx, checksumURL)
	if msg != "" {
		return "", downloadError(checksumURL, msg)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return "", downloadError(checksumURL, err.Error())
	}
	var lines []string
	for _, l := range strings.Split(string(body), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return "", downloadError(checksumURL, "Empty checksum file")
	}
	if len(lines) == 1 && !strings.ContainsAny(lines[0], " \t") {
		return lines[0], nil
	}
	want := ""
	if len(info.URLs) > 0 {
		if u, err := url.Parse(info.URLs[0]); err == nil {
			want = path.Base(u.Path)
		}
	}
	for _, l := range lines {
		fields := strings.Fields(l)
		if len(fields) >= 2 && strings.TrimLeft(strings.Join(fields[1:], " "), "*") == want {
			return fields[0], nil
		}
	}
	return "", downloadError(checksumURL, "Checksum file does not contain name "+want)
}

// get starts a GET and returns the response, or IPA's message for a failed request.
func (a *Agent) get(ctx context.Context, u string) (*http.Response, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err.Error()
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Sprintf("Received status code %d from %s, expected 200. Response body: %s Response headers: %s",
			resp.StatusCode, u, body, pyHeaders(resp.Header))
	}
	return resp, ""
}

// pyHeaders prints headers the way the Python agent's message does ({'Name': 'value', ...}).
func pyHeaders(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("'%s': '%s'", k, strings.Join(h[k], ", ")))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}
