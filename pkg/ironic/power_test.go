package ironic

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

func TestPowerRequestsPickIronicsPowerTargets(t *testing.T) {
	notSupported := ironicError(http.StatusBadRequest,
		"The requested action \"soft power off\" is not supported by the power interface of node "+testNodeID+".")
	accepted := reply(http.StatusAccepted, nil)
	tests := []struct {
		name    string
		req     provisioner.PowerRequest
		answers []http.HandlerFunc
		want    []any
		wantErr error
	}{
		{
			name: "on is power on",
			req:  provisioner.PowerRequest{On: true},
			want: []any{map[string]any{"target": "power on"}},
		},
		{
			name: "a soft on is still power on",
			req:  provisioner.PowerRequest{On: true, Soft: true},
			want: []any{map[string]any{"target": "power on"}},
		},
		{
			name: "off is power off",
			req:  provisioner.PowerRequest{},
			want: []any{map[string]any{"target": "power off"}},
		},
		{
			name: "a soft off is soft power off with a timeout",
			req:  provisioner.PowerRequest{Soft: true},
			want: []any{map[string]any{"target": "soft power off", "timeout": float64(softPowerTimeout)}},
		},
		{
			name:    "a soft off the driver cannot do falls back to power off",
			req:     provisioner.PowerRequest{Soft: true},
			answers: []http.HandlerFunc{notSupported, accepted},
			want: []any{
				map[string]any{"target": "soft power off", "timeout": float64(softPowerTimeout)},
				map[string]any{"target": "power off"},
			},
		},
		{
			name:    "a soft off on a locked node is locked, without a fallback",
			req:     provisioner.PowerRequest{Soft: true},
			answers: []http.HandlerFunc{ironicError(http.StatusConflict, "Node is locked by host x.")},
			want:    []any{map[string]any{"target": "soft power off", "timeout": float64(softPowerTimeout)}},
			wantErr: provisioner.ErrLocked,
		},
		{
			name: "a reboot is rebooting",
			req:  provisioner.PowerRequest{Reboot: true, On: true},
			want: []any{map[string]any{"target": "rebooting"}},
		},
		{
			name:    "a soft reboot falls back to rebooting the same way",
			req:     provisioner.PowerRequest{Reboot: true, Soft: true},
			answers: []http.HandlerFunc{notSupported, accepted},
			want: []any{
				map[string]any{"target": "soft rebooting", "timeout": float64(softPowerTimeout)},
				map[string]any{"target": "rebooting"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := tt.answers
			if answers == nil {
				answers = []http.HandlerFunc{accepted}
			}
			f := newFakeIronic(t, map[string]http.HandlerFunc{"PUT /v1/nodes/" + testNodeID + "/states/power": sequence(answers...)})
			p := f.provisioner(t)
			if err := p.Ready(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.take()
			err := p.SetPower(context.Background(), testNode(), tt.req)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var bodies []any
			for _, r := range f.take() {
				bodies = append(bodies, r.Body)
			}
			if diff := cmp.Diff(tt.want, bodies); diff != "" {
				t.Errorf("power requests (-want +got):\n%s", diff)
			}
		})
	}
}
