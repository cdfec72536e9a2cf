package metrics

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// Authorizer lets a request through only if its bearer token is valid (a TokenReview) and its
// user may use the path (a SubjectAccessReview of the non-resource URL with the request's verb),
// as kube-rbac-proxy and controller-runtime's metrics filter do. Decisions are cached for a
// short while, so a scrape every few seconds costs no API calls most of the time.
type Authorizer struct {
	kube kubernetes.Interface
	// AllowFor and DenyFor are how long a decision is reused (default 1m and 10s).
	AllowFor, DenyFor time.Duration
	// MaxEntries bounds the cache (default 1024).
	MaxEntries int
	now        func() time.Time

	mu    sync.Mutex
	cache map[decisionKey]decision
}

type decisionKey struct {
	token      [sha256.Size]byte // never the token itself
	path, verb string
}

type decision struct {
	code    int // http.StatusOK, StatusUnauthorized or StatusForbidden
	expires time.Time
}

// NewAuthorizer asks the API server behind kube.
func NewAuthorizer(kube kubernetes.Interface) *Authorizer {
	return &Authorizer{kube: kube, AllowFor: time.Minute, DenyFor: 10 * time.Second, MaxEntries: 1024, now: time.Now,
		cache: map[decisionKey]decision{}}
}

// Wrap guards next.
func (a *Authorizer) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "Unauthorized: a bearer token is required", http.StatusUnauthorized)
			return
		}
		code, err := a.decide(r, token)
		switch {
		case err != nil:
			klog.FromContext(r.Context()).Info("Checking a metrics request with the API server failed", "err", err)
			http.Error(w, "the API server could not check the request", http.StatusInternalServerError)
		case code == http.StatusUnauthorized:
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "Unauthorized", code)
		case code == http.StatusForbidden:
			http.Error(w, "Forbidden", code)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// decide answers from the cache, else asks the API server and caches the answer. Errors are
// not cached.
func (a *Authorizer) decide(r *http.Request, token string) (int, error) {
	key := decisionKey{token: sha256.Sum256([]byte(token)), path: r.URL.Path, verb: strings.ToLower(r.Method)}
	now := a.now()
	a.mu.Lock()
	d, ok := a.cache[key]
	a.mu.Unlock()
	if ok && now.Before(d.expires) {
		return d.code, nil
	}
	code, err := a.review(r, token, key)
	if err != nil {
		return 0, err
	}
	ttl := a.DenyFor
	if code == http.StatusOK {
		ttl = a.AllowFor
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.MaxEntries {
		for k, d := range a.cache {
			if !now.Before(d.expires) {
				delete(a.cache, k)
			}
		}
		if len(a.cache) >= a.MaxEntries {
			a.cache = map[decisionKey]decision{}
		}
	}
	a.cache[key] = decision{code: code, expires: now.Add(ttl)}
	return code, nil
}

// review is one TokenReview and, for an authenticated user, one SubjectAccessReview.
func (a *Authorizer) review(r *http.Request, token string, key decisionKey) (int, error) {
	tr, err := a.kube.AuthenticationV1().TokenReviews().Create(r.Context(),
		&authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return 0, err
	}
	if !tr.Status.Authenticated {
		return http.StatusUnauthorized, nil
	}
	u := tr.Status.User
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range u.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar, err := a.kube.AuthorizationV1().SubjectAccessReviews().Create(r.Context(), &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
			NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: key.path, Verb: key.verb},
		}}, metav1.CreateOptions{})
	if err != nil {
		return 0, err
	}
	if !sar.Status.Allowed || sar.Status.Denied {
		return http.StatusForbidden, nil
	}
	return http.StatusOK, nil
}
