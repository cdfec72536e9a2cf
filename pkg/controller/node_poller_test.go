package controller

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/metalkube/metalkube/pkg/provisioner"
)

type listerFunc func() []provisioner.Node

func (f listerFunc) ListNodes(context.Context) ([]provisioner.Node, error) { return f(), nil }

func TestNodePollerEnqueuesHostsWhoseNodeChangedOrIsGone(t *testing.T) {
	node := func(id, host string, state provisioner.ProvisionState) provisioner.Node {
		return provisioner.Node{ID: id, Name: "default~" + host, ProvisionState: state}
	}
	type poll struct {
		nodes     []provisioner.Node
		hostNodes map[string]string
		want      []string
	}
	for _, tc := range []struct {
		name  string
		polls []poll
	}{{
		name: "a node registered and lost between two polls is noticed, once",
		polls: []poll{
			{nodes: nil, hostNodes: map[string]string{}, want: nil},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-1"}, want: []string{"default/a"}},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-1"}, want: nil},
			{nodes: []provisioner.Node{node("id-2", "a", "enroll")}, hostNodes: map[string]string{"default/a": "id-2"}, want: []string{"default/a"}},
			{nodes: nil, hostNodes: map[string]string{"default/a": "id-2"}, want: []string{"default/a"}},
		},
	}, {
		name: "only changed nodes are enqueued; the first poll only records",
		polls: []poll{
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "active")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: nil},
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "available")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: []string{"default/b"}},
			{nodes: []provisioner.Node{node("id-1", "a", "active"), node("id-2", "b", "available")},
				hostNodes: map[string]string{"default/a": "id-1", "default/b": "id-2", "default/c": "id-9"}, want: nil},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var cur poll
			var got []string
			p := &nodePoller{
				lister:    listerFunc(func() []provisioner.Node { return cur.nodes }),
				hostNodes: func() map[string]string { return cur.hostNodes },
				enqueue:   func(key string) { got = append(got, key) },
			}
			for i, c := range tc.polls {
				cur, got = c, nil
				p.poll(context.Background())
				sort.Strings(got)
				if diff := cmp.Diff(c.want, got); diff != "" {
					t.Errorf("poll %d enqueued (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}
