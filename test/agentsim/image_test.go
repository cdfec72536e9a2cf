package agentsim

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFetchImage(t *testing.T) {
	image := []byte(strings.Repeat("metalkube image bytes ", 200))
	md5sum := md5.Sum(image)
	sha256sum := sha256.Sum256(image)
	sha512sum := sha512.Sum512(image)
	hexMD5, hex256, hex512 := hex.EncodeToString(md5sum[:]), hex.EncodeToString(sha256sum[:]), hex.EncodeToString(sha512sum[:])
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/img.raw":
			_, _ = w.Write(image)
		case "/img.raw.sha256sum":
			_, _ = w.Write([]byte(hex256 + "  other.raw\n" + hex256 + " *img.raw\n"))
		case "/bare.md5":
			_, _ = w.Write([]byte(hexMD5 + "\n"))
		case "/wrong.sum":
			_, _ = w.Write([]byte(strings.Repeat("0", 64) + "  img.raw\n"))
		case "/nameless.sum":
			_, _ = w.Write([]byte(hex256 + "  other.raw\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	a := &Agent{client: srv.Client()}
	img := srv.URL + "/img.raw"
	tests := []struct {
		name     string
		info     imageInfo
		wantType string // "" for success
		wantIn   string
	}{
		{name: "md5 checksum", info: imageInfo{Checksum: hexMD5}},
		{name: "sha256 hash", info: imageInfo{OSHashAlgo: "sha256", OSHashValue: hex256}},
		{name: "sha512 hash", info: imageInfo{OSHashAlgo: "sha512", OSHashValue: hex512}},
		{name: "checksum file with names", info: imageInfo{Checksum: srv.URL + "/img.raw.sha256sum"}},
		{name: "checksum file with the digest alone", info: imageInfo{Checksum: srv.URL + "/bare.md5"}},
		{name: "wrong md5", info: imageInfo{Checksum: strings.Repeat("a", 32)}, wantType: "ImageChecksumError",
			wantIn: "Image failed to verify against checksum. location: /dev/sda; image ID: img.raw; image checksum: " + strings.Repeat("a", 32) + "; verification checksum: " + hexMD5},
		{name: "wrong sha256", info: imageInfo{OSHashAlgo: "sha256", OSHashValue: strings.Repeat("b", 64)}, wantType: "ImageChecksumError", wantIn: hex256},
		{name: "wrong checksum file", info: imageInfo{Checksum: srv.URL + "/wrong.sum"}, wantType: "ImageChecksumError"},
		{name: "checksum file without the image", info: imageInfo{Checksum: srv.URL + "/nameless.sum"}, wantType: "ImageDownloadError",
			wantIn: "Checksum file does not contain name img.raw"},
		{name: "missing checksum file", info: imageInfo{Checksum: srv.URL + "/none.sum"}, wantType: "ImageDownloadError",
			wantIn: "Received status code 404 from " + srv.URL + "/none.sum, expected 200."},
		{name: "image 404", info: imageInfo{Checksum: hexMD5, URLs: []string{srv.URL + "/missing.raw"}}, wantType: "ImageDownloadError",
			wantIn: "Download of image img.raw failed: URL: " + srv.URL + "/missing.raw; time: "},
		{name: "unreachable", info: imageInfo{Checksum: hexMD5, URLs: []string{"http://127.0.0.1:1/img.raw"}}, wantType: "ImageDownloadError",
			wantIn: "connection refused"},
		{name: "no checksum", info: imageInfo{}, wantType: "RESTError", wantIn: "Unable to verify image img.raw with available checksums"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info := tc.info
			info.ID = "img.raw"
			if info.URLs == nil {
				info.URLs = []string{img}
			}
			d, aerr := a.fetchImage(context.Background(), info, "/dev/sda")
			if tc.wantType == "" {
				if aerr != nil {
					t.Fatalf("unexpected error: %v", aerr)
				}
				if d.bytes != int64(len(image)) {
					t.Errorf("downloaded %d bytes, want %d", d.bytes, len(image))
				}
				return
			}
			if aerr == nil {
				t.Fatal("no error")
			}
			if aerr.Type != tc.wantType || !strings.Contains(aerr.Details, tc.wantIn) {
				t.Errorf("error %s %q, want %s containing %q", aerr.Type, aerr.Details, tc.wantType, tc.wantIn)
			}
		})
	}
}
