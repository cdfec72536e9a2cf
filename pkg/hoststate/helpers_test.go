package hoststate

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// The tests run on a fixed clock: t0, and offsets from it.
var t0 = time.Date(2025, time.March, 14, 9, 26, 53, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const (
	bmcAddress    = "redfish://10.0.0.5/redfish/v1/Systems/1"
	otherAddress  = "ipmi://10.0.0.6"
	secretName    = "host-0-bmc-secret"
	secretVersion = "1001"
	nodeID        = "3f1c2a7e-0d5b-4c61-9a3e-7b2f4d8e9c10"
)

// Host states, short enough for a table to show state × node state → outcome on one line.
const (
	stNone           = metal3.StateNone
	stUnmanaged      = metal3.StateUnmanaged
	stRegistering    = metal3.StateRegistering
	stInspecting     = metal3.StateInspecting
	stPreparing      = metal3.StatePreparing
	stAvailable      = metal3.StateAvailable
	stProvisioning   = metal3.StateProvisioning
	stProvisioned    = metal3.StateProvisioned
	stDeprovisioning = metal3.StateDeprovisioning
	stExternal       = metal3.StateExternallyProvisioned
	stPoweringOff    = metal3.StatePoweringOffBeforeDelete
	stDeleting       = metal3.StateDeleting
)

// Ironic provision states.
const (
	enroll       = provisioner.StateEnroll
	verifying    = provisioner.StateVerifying
	manageable   = provisioner.StateManageable
	inspecting   = provisioner.StateInspecting
	inspectWait  = provisioner.StateInspectWait
	inspectFail  = provisioner.StateInspectFail
	cleaning     = provisioner.StateCleaning
	cleanWait    = provisioner.StateCleanWait
	cleanFail    = provisioner.StateCleanFail
	available    = provisioner.StateAvailable
	deploying    = provisioner.StateDeploying
	waitCallBack = provisioner.StateDeployWait
	deployFail   = provisioner.StateDeployFail
	active       = provisioner.StateActive
	deletingNode = provisioner.StateDeleting
	errorNode    = provisioner.StateError
	adopting     = provisioner.StateAdopting
	adoptFail    = provisioner.StateAdoptFail
)

// Images. imgA and imgB are deployable; the others are not.
var (
	imgA         = &metal3.Image{URL: "http://images.example.com/a.qcow2", Checksum: hexOf(64, 'a'), DiskFormat: ptr("qcow2")}
	imgB         = &metal3.Image{URL: "https://images.example.com/b.raw", Checksum: hexOf(32, 'b'), ChecksumType: metal3.ChecksumMD5}
	imgLiveISO   = &metal3.Image{URL: "http://images.example.com/live.iso", DiskFormat: ptr("live-iso")}
	imgNoSum     = &metal3.Image{URL: "http://images.example.com/c.qcow2"}
	imgFTP       = &metal3.Image{URL: "ftp://images.example.com/d.qcow2", Checksum: hexOf(64, 'd')}
	customDeploy = &metal3.CustomDeploy{Method: "install_coreos"}
)

func ptr[T any](v T) *T { return &v }

func hexOf(n int, c byte) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// naturalTarget is the target_provision_state Ironic reports with a provision state: transient
// and failed states keep the target of the operation (Ironic's fsm: "deploy failed" has target
// "active"), stable states have none.
var naturalTarget = map[provisioner.ProvisionState]provisioner.ProvisionState{
	verifying: manageable, inspecting: manageable, inspectWait: manageable, inspectFail: manageable,
	cleaning: available, cleanWait: available, cleanFail: available, deletingNode: available,
	deploying: active, waitCallBack: active, deployFail: active, adopting: active, adoptFail: active,
}

type hostOpt func(*metal3.BareMetalHost)

// host is a registered host in the given state: valid BMC address and credentials, offline,
// no image, with the node ID recorded (except for new and unmanaged hosts).
func host(state metal3.ProvisioningState, opts ...hostOpt) *metal3.BareMetalHost {
	h := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "host-0", Namespace: "metal", Generation: 1},
		Spec: metal3.BareMetalHostSpec{
			BMC:            metal3.BMCDetails{Address: bmcAddress, CredentialsName: secretName},
			BootMACAddress: "52:54:00:12:34:56",
		},
		Status: metal3.BareMetalHostStatus{
			OperationalStatus: metal3.OperationalStatusOK,
			Provisioning:      metal3.ProvisionStatus{State: state},
		},
	}
	if state != stNone && state != stUnmanaged {
		h.Status.Provisioning.ID = nodeID
		ref := corev1.SecretReference{Name: secretName, Namespace: "metal"}
		h.Status.GoodCredentials = metal3.CredentialsStatus{Reference: &ref, Version: secretVersion}
		h.Status.TriedCredentials = h.Status.GoodCredentials
	}
	if state != stNone && state != stUnmanaged && state != metal3.StateRegistering {
		// Registered once: the hardware profile was matched then.
		h.Status.HardwareProfile = DefaultHardwareProfile
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// image sets spec.image and online, as the clients that claim hosts do: an offline host is
// not provisioned (metal3's rule).
func image(img *metal3.Image) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Spec.Image = img.DeepCopy(); h.Spec.Online = true }
}

// specImage sets spec.image alone.
func specImage(img *metal3.Image) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Spec.Image = img.DeepCopy() }
}

// provisioned records img in status.provisioning as the image being (or last) provisioned.
func provisioned(img *metal3.Image) hostOpt {
	return func(h *metal3.BareMetalHost) {
		h.Status.Provisioning.Image = *img.DeepCopy()
		h.Status.Provisioning.BootMode = metal3.DefaultBootMode
	}
}

// running sets both: the spec asks for img and status records it.
func running(img *metal3.Image) hostOpt {
	return func(h *metal3.BareMetalHost) { specImage(img)(h); provisioned(img)(h) }
}

func custom(method string) hostOpt {
	return func(h *metal3.BareMetalHost) {
		h.Spec.CustomDeploy = &metal3.CustomDeploy{Method: method}
		h.Spec.Online = true
	}
}

func online(h *metal3.BareMetalHost) { h.Spec.Online = true }

func deleted(h *metal3.BareMetalHost) {
	ts := metav1.NewTime(t0.Add(-time.Minute))
	h.DeletionTimestamp = &ts
	h.Finalizers = []string{metal3.BareMetalHostFinalizer}
}

func externallyProvisioned(h *metal3.BareMetalHost) { h.Spec.ExternallyProvisioned = true }

func noInspection(h *metal3.BareMetalHost) { h.Spec.InspectionMode = metal3.InspectionModeDisabled }

func noCleaning(h *metal3.BareMetalHost) {
	h.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
}

func disablePowerOff(h *metal3.BareMetalHost) { h.Spec.DisablePowerOff = true }

func noBMC(h *metal3.BareMetalHost) { h.Spec.BMC = metal3.BMCDetails{} }

func bmcAt(address string) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Spec.BMC.Address = address }
}

// newCredentials is a host whose credentials were never validated.
func newCredentials(h *metal3.BareMetalHost) {
	h.Status.GoodCredentials = metal3.CredentialsStatus{}
	h.Status.TriedCredentials = metal3.CredentialsStatus{}
}

// inspectionStartedAt records an inspection that started and has not finished.
func inspectionStartedAt(t time.Time) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Status.OperationHistory.Inspect.Start = metav1.NewTime(t) }
}

// failed records an error written at t (status.lastUpdated).
func failed(t metal3.ErrorType, msg string, count int, written time.Time) hostOpt {
	return func(h *metal3.BareMetalHost) {
		h.Status.ErrorType, h.Status.ErrorMessage, h.Status.ErrorCount = t, msg, count
		h.Status.OperationalStatus = metal3.OperationalStatusError
		lu := metav1.NewTime(written)
		h.Status.LastUpdated = &lu
	}
}

// errorCount records earlier consecutive failures whose error was cleared by a retry.
func errorCount(n int) hostOpt {
	return func(h *metal3.BareMetalHost) { h.Status.ErrorCount = n }
}

type nodeOpt func(*provisioner.Node)

// node is the host's Ironic node in the given provision state, with the target Ironic reports
// for it, registered with the host's current BMC address and credentials, powered off.
func node(state provisioner.ProvisionState, opts ...nodeOpt) *provisioner.Node {
	n := &provisioner.Node{
		ID: nodeID, Name: "metal~host-0",
		ProvisionState: state, TargetProvisionState: naturalTarget[state],
		PowerState: provisioner.PowerOff,
		BMCAddress: bmcAddress, CredentialsVersion: secretVersion,
		BootMACAddress: "52:54:00:12:34:56",
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func poweredOn(n *provisioner.Node) { n.PowerState = provisioner.PowerOn }

func lastError(msg string) nodeOpt { return func(n *provisioner.Node) { n.LastError = msg } }

// settling is a node that reports its new provision state before Ironic cleared the target.
// inspectedNode: Ironic recorded a finished inspection (inspection_finished_at).
func inspectedNode(n *provisioner.Node) { n.Inspected = true }

func settling(n *provisioner.Node) { n.TargetProvisionState = n.ProvisionState }

func poweringTo(p provisioner.PowerState) nodeOpt {
	return func(n *provisioner.Node) { n.TargetPowerState = p }
}

func locked(n *provisioner.Node) { n.Locked = true }

// withoutBootPort is a node whose boot port was never created (extra has no boot MAC).
func withoutBootPort(n *provisioner.Node) { n.BootMACAddress = "" }

func registeredAt(address string) nodeOpt {
	return func(n *provisioner.Node) { n.BMCAddress = address }
}

func credentialsVersion(v string) nodeOpt {
	return func(n *provisioner.Node) { n.CredentialsVersion = v }
}

func inStateSince(t time.Time) nodeOpt {
	return func(n *provisioner.Node) { n.ProvisionUpdatedAt = t }
}

type inputOpt func(*Input)

// input is what the controller passes to Decide at t0 with valid credentials.
func input(h *metal3.BareMetalHost, n *provisioner.Node, opts ...inputOpt) Input {
	in := Input{
		Host: h, Node: n, Now: t0,
		Credentials: Credentials{Reference: corev1.SecretReference{Name: secretName, Namespace: "metal"}, Version: secretVersion},
	}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func now(t time.Time) inputOpt { return func(in *Input) { in.Now = t } }

func credentialProblem(p string) inputOpt { return func(in *Input) { in.Credentials.Problem = p } }

func secretAt(version string) inputOpt { return func(in *Input) { in.Credentials.Version = version } }

func hardware(in *Input) {
	in.Hardware = &metal3.HardwareDetails{Hostname: "host-0", RAMMebibytes: 65536}
}

// outcome is what a table compares: the essentials of a Result. Requeue is compared only when
// the expected outcome sets it (nil: not meaningful for this case).
type outcome struct {
	Action    Action
	State     metal3.ProvisioningState
	ErrorType metal3.ErrorType
	Count     int
	Events    []string
	Requeue   *time.Duration
	Remove    bool
}

func after(d time.Duration) *time.Duration { return &d }

// observe summarises r; wantRequeue says whether RequeueAfter is part of it.
func observe(r Result, wantRequeue bool) outcome {
	o := outcome{
		Action: r.Action, State: r.Status.Provisioning.State, ErrorType: r.Status.ErrorType,
		Count: r.Status.ErrorCount, Remove: r.RemoveFinalizer,
	}
	for _, e := range r.Events {
		o.Events = append(o.Events, e.Reason)
	}
	if wantRequeue {
		o.Requeue = after(r.RequeueAfter)
	}
	return o
}

// decide runs Decide, failing the test if it modified its input or broke the
// error-type/operational-status pairing.
func decide(t *testing.T, in Input) Result {
	t.Helper()
	hostBefore := in.Host.DeepCopy()
	var nodeBefore *provisioner.Node
	if in.Node != nil {
		cp := *in.Node
		nodeBefore = &cp
	}
	r := Decide(in)
	if diff := cmp.Diff(hostBefore, in.Host); diff != "" {
		t.Errorf("Decide modified the host (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(nodeBefore, in.Node); diff != "" {
		t.Errorf("Decide modified the node (-before +after):\n%s", diff)
	}
	checkErrorPairing(t, r)
	return r
}

func checkErrorPairing(t *testing.T, r Result) {
	t.Helper()
	if (r.Status.ErrorType != "") != (r.Status.OperationalStatus == metal3.OperationalStatusError) {
		t.Errorf("errorType %q with operationalStatus %q: an error type goes with, and only with, operationalStatus error",
			r.Status.ErrorType, r.Status.OperationalStatus)
	}
}

// row is one line of a decision table.
type row struct {
	name string
	host *metal3.BareMetalHost
	node *provisioner.Node
	in   []inputOpt
	want outcome
}

func runTable(t *testing.T, rows []row) {
	t.Helper()
	for _, c := range rows {
		t.Run(c.name, func(t *testing.T) {
			r := decide(t, input(c.host, c.node, c.in...))
			got := observe(r, c.want.Requeue != nil)
			if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		})
	}
}

// Shorthands for the outcomes the tables expect.

func do(kind ActionKind, state metal3.ProvisioningState, events ...string) outcome {
	return outcome{Action: Action{Kind: kind}, State: state, Events: events}
}

// registerAndVerify: a new node (or one resting in enroll) is registered and its BMC
// verification started in the same step.
func registerAndVerify(state metal3.ProvisioningState, events ...string) outcome {
	return outcome{Action: Action{Kind: ActionRegister, Verify: true}, State: state, Events: events}
}

// startsProvisioning is an available host moving to provisioning: the image is recorded now
// and the deploy asked for on the next look, from the provisioning state.
func startsProvisioning(events ...string) outcome {
	return outcome{State: stProvisioning, Events: events, Requeue: after(startNow)}
}

// startsDeprovisioning is a provisioned host moving to deprovisioning: the state is written
// first and the undeploy asked for on the next look, from the deprovisioning state.
func startsDeprovisioning() outcome {
	return outcome{State: stDeprovisioning, Events: []string{"DeprovisioningStarted"}, Requeue: after(startNow)}
}

func provide(state metal3.ProvisioningState, events ...string) outcome {
	return outcome{Action: Action{Kind: ActionProvide, AutomatedClean: true}, State: state, Events: events}
}

func softPowerOff(state metal3.ProvisioningState, events ...string) outcome {
	return outcome{Action: Action{Kind: ActionPowerOff, Soft: true}, State: state, Events: append(events, "PowerOff")}
}

// noActionIn is a host left in state with nothing asked of the provisioner: no action, no
// error, no Event, no finalizer removal. When it looks again is not checked (waitAfter checks
// that), nor why it waits (the Settled condition; see settled_test.go).
func noActionIn(state metal3.ProvisioningState) outcome { return outcome{State: state} }

func waitAfter(state metal3.ProvisioningState, d time.Duration) outcome {
	return outcome{State: state, Requeue: after(d)}
}

// steadyIn is a host with nothing to do: no action, look again only on change.
func steadyIn(state metal3.ProvisioningState, events ...string) outcome {
	return outcome{State: state, Events: events, Requeue: after(0)}
}

// failure is the first report of an error: count 1, a Warning event named after the error
// type, and the first backoff.
func failure(state metal3.ProvisioningState, t metal3.ErrorType) outcome {
	return outcome{State: state, ErrorType: t, Count: 1, Events: []string{eventReasonForError(t)}, Requeue: after(Backoff(1))}
}

func released() outcome { return outcome{State: stDeleting, Remove: true, Requeue: after(0)} }

func (o outcome) with(events ...string) outcome { o.Events = append(o.Events, events...); return o }

func (o outcome) requeue(d time.Duration) outcome { o.Requeue = after(d); return o }

func (o outcome) count(n int) outcome { o.Count = n; return o }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
