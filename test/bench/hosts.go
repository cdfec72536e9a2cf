package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/generated/clientset/versioned"
)

// Image is what every bench host deploys: fake-hardware writes nothing, but the controller
// and Ironic handle the URL and the md5 checksum as for a real image.
const (
	ImageURL      = "http://images.bench.test/os.qcow2"
	ImageChecksum = "d41d8cd98f00b204e9800998ecf8427e"
)

// HostName is the name of host i.
func HostName(i int) string { return fmt.Sprintf("bench-%05d", i) }

// MAC is host i's unique boot MAC.
func MAC(i int) string {
	return fmt.Sprintf("52:54:%02x:%02x:%02x:%02x", byte(i>>24), byte(i>>16), byte(i>>8), byte(i))
}

// secretName is the credentials Secret of host i.
func secretName(i int, shared bool) string {
	if shared {
		return "bench-bmc"
	}
	return HostName(i) + "-bmc"
}

// BenchHost is host i: fake:// BMC, a unique boot MAC, online, the image set from creation.
func BenchHost(namespace string, i int, sharedSecret bool) *metal3.BareMetalHost {
	format := "qcow2"
	return &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: HostName(i), Namespace: namespace},
		Spec: metal3.BareMetalHostSpec{
			Online:         true,
			BootMACAddress: MAC(i),
			BMC:            metal3.BMCDetails{Address: "fake://" + HostName(i), CredentialsName: secretName(i, sharedSecret)},
			Image: &metal3.Image{URL: ImageURL, Checksum: ImageChecksum, ChecksumType: metal3.ChecksumMD5,
				DiskFormat: &format},
		},
	}
}

// parallel runs f(i) for i in [0, n) on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return first
}

// CreateNamespace creates the namespace if it does not exist.
func CreateNamespace(ctx context.Context, kube kubernetes.Interface, name string) error {
	_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// CreateSecrets creates the hosts' BMC credentials Secrets: one per host, or one shared.
func CreateSecrets(ctx context.Context, kube kubernetes.Interface, namespace string, n int, shared bool, workers int) error {
	count := n
	if shared {
		count = 1
	}
	return parallel(ctx, count, workers, func(ctx context.Context, i int) error {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secretName(i, shared), Namespace: namespace},
			Data: map[string][]byte{"username": []byte("admin"), "password": []byte("password")}}
		_, err := kube.CoreV1().Secrets(namespace).Create(ctx, s, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// CreateHosts creates the n hosts at once (workers at a time), recording each creation.
func CreateHosts(ctx context.Context, client versioned.Interface, t *Tracker, namespace string, n int, shared bool, workers int) error {
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		h := BenchHost(namespace, i, shared)
		if _, err := client.Metal3V1alpha1().BareMetalHosts(namespace).Create(ctx, h, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating host %s: %w", h.Name, err)
		}
		t.Created(h.Name, time.Now())
		return nil
	})
}

// DeleteHosts deletes the n hosts at once (workers at a time), recording each deletion.
func DeleteHosts(ctx context.Context, client versioned.Interface, t *Tracker, namespace string, n int, workers int) error {
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		name := HostName(i)
		err := client.Metal3V1alpha1().BareMetalHosts(namespace).Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting host %s: %w", name, err)
		}
		t.Deleted(name, time.Now())
		return nil
	})
}

// SetOnline sets spec.online of one host with a merge patch.
func SetOnline(ctx context.Context, client versioned.Interface, namespace, name string, online bool) error {
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"online": online}})
	_, err := client.Metal3V1alpha1().BareMetalHosts(namespace).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// HostNames returns the names of hosts 0..n-1.
func HostNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = HostName(i)
	}
	return out
}
