package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// show refreshes the host table until ctx ends or, in exit-when-provisioned mode, until every
// host expected to be provisioned is. On a terminal each refresh clears the screen and
// reprints `kubectl get bmh -o wide`; otherwise (a log, a pipe) only rows whose content
// changed are printed, with the time since the demo started.
func (s *stack) show(ctx context.Context, c *config, start time.Time) error {
	tty := isTerminal(os.Stdout)
	var timeout <-chan time.Time
	if c.exitWhenDone {
		timeout = time.After(c.timeout)
	}
	tick := time.NewTicker(c.refresh)
	defer tick.Stop()
	rows := &rowTracker{last: map[string]string{}}
	var doneAt time.Duration
	if !tty {
		s.printUsage(os.Stdout, false)
		fmt.Println()
	}
	var activity []string
	for {
		states, err := s.hostStates(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		elapsed := time.Since(start).Round(100 * time.Millisecond)
		changes, err := s.provideImages(ctx, states)
		for _, ch := range changes {
			line := fmt.Sprintf("%8s  demo: %s", elapsed, ch)
			activity = append(activity, line)
			if !tty {
				fmt.Println(line)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		table, kerr := s.kubectl(ctx, "get", "bmh", "-o", "wide")
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.controller.Exited() {
			return fmt.Errorf("baremetal-controller exited")
		}
		provisioned, total := s.count(states)
		justDone := provisioned == total && doneAt == 0
		if justDone {
			doneAt = elapsed
		}
		if tty {
			var b bytes.Buffer
			fmt.Fprintf(&b, "\033[H\033[2Jmetalkube demo  %s elapsed  (refreshing every %s; Ctrl-C stops everything)\n\n",
				elapsed.Truncate(time.Second), c.refresh)
			fmt.Fprintf(&b, "$ kubectl get bmh -o wide\n%s\n", strings.TrimRight(table+errText(kerr), "\n"))
			machines, merr := s.kubectl(ctx, "get", "machines")
			fmt.Fprintf(&b, "\n$ kubectl get machines\n%s\n", strings.TrimRight(machines+errText(merr), "\n"))
			fmt.Fprintf(&b, "\n%s\n", s.progressLine(provisioned, total, doneAt))
			for _, a := range activity[max(0, len(activity)-len(s.hosts)):] {
				fmt.Fprintln(&b, a)
			}
			fmt.Fprintln(&b)
			s.printUsage(&b, true)
			_, _ = os.Stdout.Write(b.Bytes())
		} else {
			rows.printChanges(os.Stdout, elapsed, table)
			if kerr != nil {
				fmt.Printf("%8s  %v\n", elapsed, kerr)
			}
		}
		if justDone {
			if c.exitWhenDone {
				fmt.Printf("\nAll %d sample hosts expected to be provisioned are provisioned, %s after the start.\n\n", total, doneAt)
				final, _ := s.kubectl(ctx, "get", "bmh", "-o", "wide")
				fmt.Printf("$ kubectl get bmh -o wide\n%s\n", strings.TrimRight(final, "\n"))
				machines, _ := s.kubectl(ctx, "get", "machines")
				fmt.Printf("\n$ kubectl get machines\n%s\n", strings.TrimRight(machines, "\n"))
				fmt.Printf("\ndemo duration: %s\n", time.Since(start).Round(100*time.Millisecond))
				return nil
			}
			if !tty {
				fmt.Printf("\n%s\n\n", s.progressLine(provisioned, total, doneAt))
				s.printUsage(os.Stdout, false)
				fmt.Println()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout:
			return fmt.Errorf("timed out after %s: %d of %d hosts provisioned\n%s", c.timeout, provisioned, total, table)
		case <-tick.C:
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "\n" + err.Error()
}

// hostStates reads the provisioning state of every host.
func (s *stack) hostStates(ctx context.Context) (map[string]metal3.ProvisioningState, error) {
	list, err := s.env.Metal3.Metal3V1alpha1().BareMetalHosts(Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	state := map[string]metal3.ProvisioningState{}
	for _, h := range list.Items {
		state[h.Name] = h.Status.Provisioning.State
	}
	return state, nil
}

// count counts the hosts expected to be provisioned and how many are.
func (s *stack) count(states map[string]metal3.ProvisioningState) (provisioned, total int) {
	for _, sh := range s.hosts {
		if !sh.provision {
			continue
		}
		total++
		if states[sh.host.Name] == metal3.StateProvisioned {
			provisioned++
		}
	}
	return provisioned, total
}

func (s *stack) progressLine(provisioned, total int, doneAt time.Duration) string {
	if provisioned == total && doneAt > 0 {
		return fmt.Sprintf("All %d sample hosts are provisioned (after %s).", total, doneAt)
	}
	return fmt.Sprintf("%d of %d sample hosts provisioned; the states to watch: registering → inspecting → available → provisioning → provisioned.", provisioned, total)
}

// printUsage tells how to look at the demo's cluster and Ironic from another terminal.
func (s *stack) printUsage(w io.Writer, short bool) {
	fmt.Fprintf(w, "Use kubectl against this cluster from another terminal:\n")
	fmt.Fprintf(w, "  export KUBECONFIG=%s\n", s.env.Kubeconfig)
	fmt.Fprintf(w, "  export PATH=%s:$PATH\n", filepath.Dir(s.kubectlBin))
	fmt.Fprintf(w, "  kubectl get bmh -o wide\n")
	if len(s.hosts) > 0 {
		fmt.Fprintf(w, "  kubectl describe bmh %s\n", s.hosts[len(s.hosts)-1].host.Name)
	}
	fmt.Fprintf(w, "  kubectl get hardwaredata\n")
	fmt.Fprintf(w, "  kubectl get machines\n")
	if short {
		fmt.Fprintf(w, "Ironic: %s   logs: %s\n", s.ironic.URL, s.dir)
		return
	}
	fmt.Fprintf(w, "Ironic API: %s (curl -H 'X-OpenStack-Ironic-API-Version: 1.82' %s/v1/nodes)\n", s.ironic.URL, s.ironic.URL)
	fmt.Fprintf(w, "Logs: %s, %s\n", filepath.Join(s.dir, "baremetal-controller.log"), s.ironic.LogPath())
	fmt.Fprintf(w, "Hosts:\n")
	for _, sh := range s.hosts {
		want := "provisioned"
		if !sh.provision {
			want = "stops at available"
		}
		fmt.Fprintf(w, "  %-28s %-40s %s\n", sh.host.Name, sh.about, want)
	}
	fmt.Fprintf(w, "Ctrl-C stops everything.\n")
}

// kubectl runs the pinned kubectl against the demo's API server.
func (s *stack) kubectl(ctx context.Context, args ...string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, s.kubectlBin, append([]string{"--kubeconfig", s.env.Kubeconfig}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// rowTracker prints the rows of a kubectl table whose columns (other than AGE, which changes
// every second) changed since the last table.
type rowTracker struct {
	header bool
	last   map[string]string
}

// columnWidth pads columns so rows printed at different times line up.
var columnWidth = map[string]int{"NAME": 28, "STATUS": 10, "STATE": 14, "CONSUMER": 12, "BMC": 70, "ONLINE": 7, "ERROR": 24}

func (r *rowTracker) printChanges(w io.Writer, elapsed time.Duration, table string) {
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) < 2 {
		return
	}
	cols := parseColumns(lines[0])
	format := func(fields map[string]string) string {
		var b strings.Builder
		for _, c := range cols {
			if c.name == "AGE" {
				continue
			}
			fmt.Fprintf(&b, "%-*s ", columnWidth[c.name], fields[c.name])
		}
		return strings.TrimRight(b.String(), " ")
	}
	if !r.header {
		r.header = true
		head := map[string]string{}
		for _, c := range cols {
			head[c.name] = c.name
		}
		fmt.Fprintf(w, "%8s  %s\n", "TIME", format(head))
	}
	for _, line := range lines[1:] {
		fields := map[string]string{}
		for i, c := range cols {
			end := len(line)
			if i+1 < len(cols) && cols[i+1].start < end {
				end = cols[i+1].start
			}
			if c.start < end {
				fields[c.name] = strings.TrimSpace(line[c.start:end])
			}
		}
		row := format(fields)
		if r.last[fields["NAME"]] != row {
			r.last[fields["NAME"]] = row
			fmt.Fprintf(w, "%8s  %s\n", elapsed, row)
		}
	}
}

type column struct {
	name  string
	start int
}

// parseColumns finds the column names of a kubectl table header and where each starts.
func parseColumns(header string) []column {
	var cols []column
	for i := 0; i < len(header); {
		if header[i] == ' ' {
			i++
			continue
		}
		j := i
		for j < len(header) && header[j] != ' ' {
			j++
		}
		cols = append(cols, column{name: header[i:j], start: i})
		i = j
	}
	return cols
}
