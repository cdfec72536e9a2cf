package agent

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/test/framework"
)

// TestHostsCleanAndDeployAtOnce: several hosts (AGENT_HOSTS, default 5) clean and deploy
// through the one agent listener at the same time, and each node's agent gets its own host's
// config drive.
func TestHostsCleanAndDeployAtOnce(t *testing.T) {
	count := 5
	if n, err := strconv.Atoi(os.Getenv("AGENT_HOSTS")); err == nil && n > 0 {
		count = n
	}
	timeout := stepTimeout + 2*time.Duration(count)*time.Second
	start := time.Now()
	images := newImageServer(t)
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("agent-many-%d", i)
		sys.Secret(t, names[i]+"-user-data", map[string]string{"userData": "#cloud-config\nhostname: " + names[i] + "\n"})
		sys.CreateHost(t, agentHost(t, names[i], fmt.Sprintf("52:54:00:21:%02x:%02x", i/256, i%256), metal3.CleaningModeMetadata))
	}
	ids := make([]string, count)
	for i, name := range names {
		ids[i] = sys.WaitForState(t, name, metal3.StateAvailable, timeout).Status.Provisioning.ID
		name := name
		sys.UpdateHost(t, name, func(h *metal3.BareMetalHost) {
			h.Spec.Image = images.imageWith(images.sha512, metal3.ChecksumSHA512)
			h.Spec.UserData = &corev1.SecretReference{Name: name + "-user-data"}
		})
	}
	for _, name := range names { // they provision side by side
		sys.WaitForState(t, name, metal3.StateProvisioned, timeout)
	}
	t.Logf("%d hosts created, cleaned and provisioned in %s", count, time.Since(start).Round(100*time.Millisecond))
	for i, id := range ids {
		st := agent.Node(id)
		if st.Cleans != 1 || st.Deploys != 1 || st.ConfigDrive == nil {
			t.Errorf("%s: agent record cleans %d deploys %d config drive %v", names[i], st.Cleans, st.Deploys, st.ConfigDrive != nil)
			continue
		}
		if want := "#cloud-config\nhostname: " + names[i] + "\n"; st.ConfigDrive.UserData != want {
			t.Errorf("%s: config drive user data %q, want %q", names[i], st.ConfigDrive.UserData, want)
		}
	}
	if got := images.Gets("/os.raw"); got != count {
		t.Errorf("the image was downloaded %d times, want %d", got, count)
	}
	for _, name := range names { // deprovisioning cleans them side by side too
		if err := sys.Env.Metal3.Metal3V1alpha1().BareMetalHosts(framework.Namespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range names {
		sys.WaitForGone(t, name, timeout)
		if st := agent.Node(ids[i]); st.Cleans != 2 {
			t.Errorf("%s: the agent cleaned %d times, want twice (registration and deletion)", name, st.Cleans)
		}
	}
}
