package redfishsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
)

// Authentication: when Options.Username is set, every request except the
// public ones needs either Basic credentials or the X-Auth-Token of a live
// session. Sessions never expire; DELETE ends them.

// session is a SessionService session.
type session struct {
	id       string
	userName string
	token    string
}

type sessionStore struct {
	byID    map[string]*session
	byToken map[string]*session
	nextID  int
}

func newSessionStore() sessionStore {
	return sessionStore{byID: map[string]*session{}, byToken: map[string]*session{}, nextID: 1}
}

func (st *sessionStore) create(userName string) *session {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	sess := &session{id: strconv.Itoa(st.nextID), userName: userName, token: hex.EncodeToString(b[:])}
	st.nextID++
	st.byID[sess.id] = sess
	st.byToken[sess.token] = sess
	return sess
}

func (st *sessionStore) remove(sess *session) {
	delete(st.byID, sess.id)
	delete(st.byToken, sess.token)
}

func (st *sessionStore) ids() []string {
	ids := make([]string, 0, len(st.byID))
	for id := range st.byID {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	return ids
}

// isPublic reports whether a request is allowed without credentials: the
// version document, the service root and session creation (DSP0266).
func isPublic(r *http.Request) bool {
	switch r.URL.Path {
	case redfishPath, rootPath:
		return r.Method == http.MethodGet || r.Method == http.MethodHead
	case sessionsPath:
		return r.Method == http.MethodPost
	}
	return false
}

func (s *Simulator) authRequired() bool { return s.opts.Username != "" }

func (s *Simulator) credentialsValid(user, password string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username))
	p := subtle.ConstantTimeCompare([]byte(password), []byte(s.opts.Password))
	return u&p == 1
}

func (s *Simulator) authorized(r *http.Request) bool {
	if !s.authRequired() {
		return true
	}
	if token := r.Header.Get("X-Auth-Token"); token != "" {
		s.mu.Lock()
		_, live := s.sessions.byToken[token]
		s.mu.Unlock()
		if live {
			return true
		}
	}
	user, password, hasBasic := r.BasicAuth()
	return hasBasic && s.credentialsValid(user, password)
}

func (s *Simulator) routeSessions(mux *http.ServeMux) {
	s.handle(mux, sessionSvcPath, methods{http.MethodGet: s.getSessionService})
	s.handle(mux, sessionsPath, methods{
		http.MethodGet:  s.getSessions,
		http.MethodPost: s.createSession,
	})
	s.handle(mux, sessionsPath+"/{session}", methods{
		http.MethodGet:    s.getSession,
		http.MethodDelete: s.deleteSession,
	})
}

func (s *Simulator) getSessionService(*request) response {
	body := resource("#SessionService.v1_1_8.SessionService", sessionSvcPath, "SessionService", "Session Service")
	body["ServiceEnabled"] = true
	body["SessionTimeout"] = 1800
	body["Status"] = statusOK()
	body["Sessions"] = link(sessionsPath)
	return ok(body)
}

func (s *Simulator) getSessions(*request) response {
	var members []string
	for _, id := range s.sessions.ids() {
		members = append(members, sessionsPath+"/"+id)
	}
	return ok(collection("SessionCollection", sessionsPath, "Session Collection", members))
}

func sessionBody(sess *session) obj {
	body := resource("#Session.v1_3_0.Session", sessionsPath+"/"+sess.id, sess.id, "User Session")
	body["UserName"] = sess.userName
	body["Password"] = nil // never returned
	return body
}

// createSession implements POST .../Sessions {"UserName", "Password"}:
// 201 with the token in X-Auth-Token and the session in Location.
func (s *Simulator) createSession(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, property, "UserName", "Password"); err != nil {
		return fail(err)
	}
	var creds [2]string
	for i, name := range []string{"UserName", "Password"} {
		raw, present := doc[name]
		if !present {
			return apiErrorf(http.StatusBadRequest, "PropertyMissing",
				"The property %s is a required property and must be included in the request.", name).response()
		}
		if creds[i], err = stringField(name, raw, property); err != nil {
			return fail(err)
		}
	}
	if s.authRequired() && !s.credentialsValid(creds[0], creds[1]) {
		return apiErrorf(http.StatusUnauthorized, "ResourceAtUriUnauthorized",
			"While accessing the resource at %s, the service received an authorization error: invalid credentials.",
			sessionsPath).response()
	}
	sess := s.sessions.create(creds[0])
	header := http.Header{}
	header.Set("X-Auth-Token", sess.token)
	header.Set("Location", sessionsPath+"/"+sess.id)
	return response{status: http.StatusCreated, body: sessionBody(sess), header: header}
}

func (s *Simulator) getSession(rq *request) response {
	sess := s.sessions.byID[rq.PathValue("session")]
	if sess == nil {
		return notFound(rq.URL.Path)
	}
	return ok(sessionBody(sess))
}

func (s *Simulator) deleteSession(rq *request) response {
	sess := s.sessions.byID[rq.PathValue("session")]
	if sess == nil {
		return notFound(rq.URL.Path)
	}
	s.sessions.remove(sess)
	return noContent()
}
