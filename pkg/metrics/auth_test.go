package metrics

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeAPIServer knows two tokens: "reader" may get /metrics, "nobody" may not.
type fakeAPIServer struct {
	reviews, accessReviews int
	lastAccess             authorizationv1.SubjectAccessReviewSpec
	fail                   bool
}

func (f *fakeAPIServer) client() *fake.Clientset {
	c := fake.NewSimpleClientset()
	c.PrependReactor("create", "tokenreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		f.reviews++
		if f.fail {
			return true, nil, errors.New("API server down")
		}
		tr := a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenReview)
		switch tr.Spec.Token {
		case "reader", "nobody":
			tr.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: authenticationv1.UserInfo{
				Username: "system:serviceaccount:monitoring:" + tr.Spec.Token, Groups: []string{"system:serviceaccounts"}}}
		}
		return true, tr, nil
	})
	c.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		f.accessReviews++
		sar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		f.lastAccess = sar.Spec
		na := sar.Spec.NonResourceAttributes
		sar.Status.Allowed = sar.Spec.User == "system:serviceaccount:monitoring:reader" && na != nil && na.Path == "/metrics" && na.Verb == "get"
		return true, sar, nil
	})
	return c
}

func TestAuthorizerChecksTokenAndAccessAndCachesDecisions(t *testing.T) {
	api := &fakeAPIServer{}
	a := NewAuthorizer(api.client())
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return now }
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("metrics")) }))
	get := func(auth string) int {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, tc := range []struct {
		auth                   string
		code                   int
		reviews, accessReviews int // API calls so far
	}{
		{"", http.StatusUnauthorized, 0, 0},
		{"Basic dXNlcjpwYXNz", http.StatusUnauthorized, 0, 0},
		{"Bearer invalid", http.StatusUnauthorized, 1, 0},
		{"Bearer nobody", http.StatusForbidden, 2, 1},
		{"Bearer reader", http.StatusOK, 3, 2},
		{"Bearer reader", http.StatusOK, 3, 2}, // cached
		{"bearer nobody", http.StatusForbidden, 3, 2},
	} {
		if code := get(tc.auth); code != tc.code || api.reviews != tc.reviews || api.accessReviews != tc.accessReviews {
			t.Errorf("%q: %d after %d TokenReviews and %d SubjectAccessReviews, want %d after %d and %d",
				tc.auth, code, api.reviews, api.accessReviews, tc.code, tc.reviews, tc.accessReviews)
		}
	}
	if s := api.lastAccess; s.User != "system:serviceaccount:monitoring:reader" || len(s.Groups) != 1 ||
		s.NonResourceAttributes == nil || s.NonResourceAttributes.Path != "/metrics" || s.NonResourceAttributes.Verb != "get" {
		t.Errorf("SubjectAccessReview spec %+v", s)
	}

	// A denial is reused for less time than an approval.
	now = now.Add(a.DenyFor)
	if code := get("Bearer nobody"); code != http.StatusForbidden || api.reviews != 4 {
		t.Errorf("an expired denial: %d after %d TokenReviews", code, api.reviews)
	}
	if code := get("Bearer reader"); code != http.StatusOK || api.reviews != 4 {
		t.Errorf("an approval still fresh: %d after %d TokenReviews", code, api.reviews)
	}

	// The API server failing is an error, never cached as a decision.
	api.fail = true
	now = now.Add(a.AllowFor)
	for i := 0; i < 2; i++ {
		if code := get("Bearer reader"); code != http.StatusInternalServerError {
			t.Errorf("with the API server down: %d", code)
		}
	}
	if api.reviews != 6 {
		t.Errorf("%d TokenReviews: a failure must not be cached", api.reviews)
	}
	api.fail = false
	if code := get("Bearer reader"); code != http.StatusOK {
		t.Errorf("after the API server is back: %d", code)
	}
}

func TestAuthorizerCacheStaysBounded(t *testing.T) {
	a := NewAuthorizer((&fakeAPIServer{}).client())
	a.MaxEntries = 3
	h := a.Wrap(http.NotFoundHandler())
	for _, tok := range []string{"a", "b", "c", "d", "e"} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if len(a.cache) > a.MaxEntries {
			t.Fatalf("%d cached decisions, at most %d", len(a.cache), a.MaxEntries)
		}
	}
}

func TestServingTLSGeneratesOrLoadsACertificate(t *testing.T) {
	generated, err := ServingTLS("", "", "metrics.example", "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(generated.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("metrics.example"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("10.0.0.7"); err != nil {
		t.Error(err)
	}

	// The same certificate from files, served over HTTPS.
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	keyDER, err := x509.MarshalPKCS8PrivateKey(generated.Certificates[0].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	loaded, err := ServingTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(NewServer(New(), Checks{}).Handler())
	srv.TLS = loaded
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	resp, err := client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz over HTTPS: %d", resp.StatusCode)
	}

	if _, err := ServingTLS(certFile, ""); err == nil {
		t.Error("a certificate without its key must be refused")
	}
}
