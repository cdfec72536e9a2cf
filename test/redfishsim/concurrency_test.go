package redfishsim

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentRequests mixes reads, writes, sessions and the observation
// hooks from several goroutines; run it with -race.
func TestConcurrentRequests(t *testing.T) {
	sim := startSim(t, Options{Systems: 3, Username: "admin", Password: "secret"})
	const workers, rounds = 6, 15
	before := sim.Requests()

	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t, sim).withBasic("admin", "secret")
			id := sim.SystemIDs()[w%3]
			sp := sim.SystemPath(id)
			mp := "/redfish/v1/Managers/" + id + "/VirtualMedia/Cd"
			for i := range rounds {
				steps := []struct {
					method, path string
					body         any
					want         int
				}{
					{http.MethodGet, sp, nil, http.StatusOK},
					{http.MethodPost, sp + "/Actions/ComputerSystem.Reset", map[string]string{"ResetType": []string{"On", "ForceOff", "ForceRestart"}[i%3]}, http.StatusNoContent},
					{http.MethodPatch, sp, map[string]any{"Boot": map[string]string{"BootSourceOverrideTarget": []string{"Pxe", "Hdd", "Cd"}[i%3]}}, http.StatusNoContent},
					{http.MethodPost, mp + "/Actions/VirtualMedia.InsertMedia", map[string]string{"Image": fmt.Sprintf("http://x/%d.iso", i)}, http.StatusNoContent},
					{http.MethodGet, mp, nil, http.StatusOK},
					{http.MethodPost, mp + "/Actions/VirtualMedia.EjectMedia", map[string]string{}, http.StatusNoContent},
					{http.MethodPatch, sp + "/Bios/Settings", map[string]any{"Attributes": map[string]string{"SerialConsole": "Enabled"}}, http.StatusNoContent},
					{http.MethodGet, "/redfish/v1/Systems", nil, http.StatusOK},
				}
				for _, st := range steps {
					if r, err := c.send(st.method, st.path, st.body); err != nil {
						errs <- err
					} else if r.status != st.want {
						errs <- fmt.Errorf("%s %s: %d, want %d", st.method, st.path, r.status, st.want)
					}
				}
				r, err := c.send(http.MethodPost, "/redfish/v1/SessionService/Sessions", map[string]string{"UserName": "admin", "Password": "secret"})
				if err != nil || r.status != http.StatusCreated {
					errs <- fmt.Errorf("session: %d %v", r.status, err)
					continue
				}
				tc := *c
				tc.user, tc.token = "", r.header.Get("X-Auth-Token")
				if r, err := tc.send(http.MethodGet, sp+"/SecureBoot", nil); err != nil || r.status != http.StatusOK {
					errs <- fmt.Errorf("GET with token: %d %v", r.status, err)
				}
				if r, err := tc.send(http.MethodDelete, r.header.Get("Location"), nil); err != nil || r.status != http.StatusNoContent {
					errs <- fmt.Errorf("DELETE session: %d %v", r.status, err)
				}
				// Observation hooks race with the handlers.
				sim.PowerState(id)
				sim.BootOverride(id)
				sim.VirtualMedia(id)
				sim.ResetHistory(id)
				sim.SetMACs(id, []string{fmt.Sprintf("52:54:00:aa:00:%02x", i)})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	perRound := 8 + 3 // steps + session create, token GET, session delete
	if got, want := sim.Requests()-before, workers*rounds*perRound; got != want {
		t.Errorf("Requests() grew by %d, want %d", got, want)
	}
	total := 0
	for _, id := range sim.SystemIDs() {
		total += len(sim.ResetHistory(id))
	}
	if total != workers*rounds {
		t.Errorf("%d resets recorded, want %d", total, workers*rounds)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	sim, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	url := sim.URL()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url + "/redfish/v1/"); err == nil {
		resp.Body.Close()
		t.Error("server still answering after Close")
	}
}
