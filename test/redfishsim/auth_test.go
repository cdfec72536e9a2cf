package redfishsim

import (
	"net/http"
	"testing"
)

func TestAuthRequired(t *testing.T) {
	sim := startSim(t, Options{Username: "admin", Password: "secret"})
	anon := newClient(t, sim)

	// The version document and the service root are public.
	anon.get("/redfish")
	anon.get("/redfish/v1/")

	for _, path := range []string{"/redfish/v1/Systems", "/redfish/v1/Systems/sys-0", "/redfish/v1/Managers/sys-0", "/redfish/v1/SessionService"} {
		r := anon.expect(http.StatusUnauthorized, http.MethodGet, path, nil)
		errorID(t, r)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s: no WWW-Authenticate header", path)
		}
	}
	anon.expect(http.StatusUnauthorized, http.MethodPost, "/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset", map[string]string{"ResetType": "On"})
	if sim.PowerState("sys-0") != "Off" {
		t.Fatal("an unauthenticated reset changed the power state")
	}

	anon.withBasic("admin", "wrong").expect(http.StatusUnauthorized, http.MethodGet, "/redfish/v1/Systems/sys-0", nil)
	anon.withBasic("root", "secret").expect(http.StatusUnauthorized, http.MethodGet, "/redfish/v1/Systems/sys-0", nil)
	if id := anon.withBasic("admin", "secret").get("/redfish/v1/Systems/sys-0")["Id"]; id != "sys-0" {
		t.Errorf("Id = %v", id)
	}
	bogus := *anon
	bogus.token = "not-a-token"
	bogus.expect(http.StatusUnauthorized, http.MethodGet, "/redfish/v1/Systems", nil)
}

func TestSessionFlow(t *testing.T) {
	sim := startSim(t, Options{Username: "admin", Password: "secret"})
	anon := newClient(t, sim)

	r := anon.expect(http.StatusUnauthorized, http.MethodPost, "/redfish/v1/SessionService/Sessions",
		map[string]string{"UserName": "admin", "Password": "nope"})
	errorID(t, r)
	anon.expect(http.StatusBadRequest, http.MethodPost, "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "admin"})

	r = anon.expect(http.StatusCreated, http.MethodPost, "/redfish/v1/SessionService/Sessions",
		map[string]string{"UserName": "admin", "Password": "secret"})
	token, location := r.header.Get("X-Auth-Token"), r.header.Get("Location")
	if token == "" || location == "" {
		t.Fatalf("session headers: token %q, location %q", token, location)
	}
	if r.body["@odata.id"] != location || r.body["UserName"] != "admin" {
		t.Errorf("session body %v", r.body)
	}

	authed := *anon
	authed.token = token
	authed.get("/redfish/v1/Systems/sys-0")
	authed.expect(http.StatusNoContent, http.MethodPost, "/redfish/v1/Systems/sys-0/Actions/ComputerSystem.Reset", map[string]string{"ResetType": "On"})
	if sim.PowerState("sys-0") != "On" {
		t.Error("reset with a session token did not power on")
	}
	if sess := authed.get(location); sess["UserName"] != "admin" || sess["Password"] != nil {
		t.Errorf("session resource %v", sess)
	}
	if n := authed.get("/redfish/v1/SessionService/Sessions")["Members@odata.count"]; n != float64(1) {
		t.Errorf("sessions count = %v", n)
	}
	if svc := authed.get("/redfish/v1/SessionService"); at(svc, "Sessions", "@odata.id") != "/redfish/v1/SessionService/Sessions" {
		t.Errorf("SessionService %v", svc)
	}

	authed.expect(http.StatusNoContent, http.MethodDelete, location, nil)
	authed.expect(http.StatusUnauthorized, http.MethodGet, "/redfish/v1/Systems/sys-0", nil)
	anon.withBasic("admin", "secret").expect(http.StatusNotFound, http.MethodDelete, location, nil)
}

func TestNoAuth(t *testing.T) {
	sim := startSim(t, Options{})
	c := newClient(t, sim)
	c.get("/redfish/v1/Systems/sys-0")
	// sushy creates a session first even when no credentials are needed.
	r := c.expect(http.StatusCreated, http.MethodPost, "/redfish/v1/SessionService/Sessions",
		map[string]string{"UserName": "anyone", "Password": "anything"})
	if r.header.Get("X-Auth-Token") == "" {
		t.Error("no X-Auth-Token")
	}
	c.expect(http.StatusNoContent, http.MethodDelete, r.header.Get("Location"), nil)
}
