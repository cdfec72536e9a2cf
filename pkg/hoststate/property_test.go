package hoststate

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// The property test drives Decide the way the controller does, against a small simulated
// Ironic, for many seeds: first a chaotic phase (spec edits, credential changes, failed
// actions, failed operations, a lost Ironic database, random clocks), then a calm phase in
// which Ironic cooperates and the host must reach its goal in a bounded number of steps.
// Every decision is checked against the invariants in (*simulation).check.
//
// A failure prints the seed; rerun just that seed with
//
//	go test ./pkg/hoststate/ -run TestDecideProperties -seed=N -v

var (
	onlySeed    = flag.Int64("seed", -1, "run the property test for this seed only")
	traceLength = flag.Int("tracelen", 30, "how many recent steps a property test failure shows")
)

const (
	propertySeeds = 200
	chaosSteps    = 300
	// calmBound is how many looks a host may take to reach its goal once nothing fails.
	calmBound = 200
	// stormLength is how many consecutive identical actions on an unchanged node count as a storm.
	stormLength = 25
)

func TestDecideProperties(t *testing.T) {
	seeds := make([]uint64, 0, propertySeeds)
	if *onlySeed >= 0 {
		seeds = append(seeds, uint64(*onlySeed))
	} else {
		for s := uint64(1); s <= propertySeeds; s++ {
			seeds = append(seeds, s)
		}
	}
	var stats simStats
	for _, seed := range seeds {
		s := newSimulation(t, seed)
		s.run()
		stats.add(s.stats)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d seeds × %d chaotic steps: %d decisions, %d action failures (%d injected), %d lost status writes, %d lost nodes (%d adopted again), %d deletions, states visited: %v",
		len(seeds), chaosSteps, stats.decisions, stats.actionFailures, stats.injected, stats.lostWrites, stats.lostNodes, stats.readoptions, stats.deletions, stats.states)
}

type simStats struct {
	decisions, actionFailures, injected, lostNodes, deletions, readoptions, lostWrites int
	states                                                                             map[metal3.ProvisioningState]int
}

func (a *simStats) add(b simStats) {
	a.decisions += b.decisions
	a.actionFailures += b.actionFailures
	a.injected += b.injected
	a.lostNodes += b.lostNodes
	a.deletions += b.deletions
	a.readoptions += b.readoptions
	a.lostWrites += b.lostWrites
	if a.states == nil {
		a.states = map[metal3.ProvisioningState]int{}
	}
	for k, v := range b.states {
		a.states[k] += v
	}
}

// simulation is one host, its controller loop and its Ironic.
type simulation struct {
	t     *testing.T
	seed  uint64
	rng   *rand.Rand
	phase string
	step  int
	now   time.Time

	host  *metal3.BareMetalHost
	creds Credentials
	gone  bool // the finalizer was removed

	// Ironic
	node      *provisioner.Node
	inspected bool                   // Ironic holds inspection data for the current node
	power     provisioner.PowerState // the machine's power, which outlives a lost node
	nodes     int
	chaos     bool

	// what the invariants remember
	mustAdopt   bool // the node of a provisioned host was lost: it runs its image still
	stormAction ActionKind
	stormNode   string
	stormCount  int

	trace []string
	stats simStats

	// loseWrite, when set, says whether the status write of a step is lost (the controller
	// crashed after acting, or the API server was down): Ironic has acted, the host has not
	// changed.
	loseWrite func(step int) bool
	// calls counts the actions Ironic accepted, by kind.
	calls map[ActionKind]int
}

var (
	errInjected = errors.New("HTTP 503 Service Unavailable (injected)")
	errBusy     = errors.New("node is locked (busy)")
)

// The images the chaotic phase picks from; nil entries remove the image, "custom" sets a
// custom deploy instead.
var specImages = []*metal3.Image{imgA, imgB, imgLiveISO, imgNoSum, imgFTP, nil, nil}

var badBMCAddress = "redfish://admin:pw@10.0.0.5"

func newSimulation(t *testing.T, seed uint64) *simulation {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	h := &metal3.BareMetalHost{
		ObjectMeta: metav1.ObjectMeta{Name: "host-0", Namespace: "metal", Generation: 1, Finalizers: []string{metal3.BareMetalHostFinalizer}},
		Spec: metal3.BareMetalHostSpec{
			BMC:                   metal3.BMCDetails{Address: bmcAddress, CredentialsName: secretName},
			BootMACAddress:        "52:54:00:12:34:56",
			Online:                rng.IntN(2) == 0,
			ExternallyProvisioned: rng.IntN(7) == 0,
		},
	}
	if rng.IntN(4) == 0 {
		h.Spec.InspectionMode = metal3.InspectionModeDisabled
	}
	if rng.IntN(4) == 0 {
		h.Spec.AutomatedCleaningMode = metal3.CleaningModeDisabled
	}
	if rng.IntN(10) == 0 {
		h.Spec.BMC.Address = "" // starts unmanaged
	}
	if img := specImages[rng.IntN(len(specImages))]; img != nil {
		h.Spec.Image = img.DeepCopy()
	}
	return &simulation{
		t: t, seed: seed, rng: rng, now: t0, host: h, power: provisioner.PowerOff, chaos: true,
		creds: Credentials{Reference: corev1.SecretReference{Name: secretName, Namespace: "metal"}, Version: secretVersion},
	}
}

func (s *simulation) run() {
	s.phase = "chaos"
	// While chaotic, one status write in twenty is lost after Ironic has acted on it.
	s.loseWrite = func(int) bool { return s.chaos && s.rng.Float64() < 0.05 }
	for s.step = 0; s.step < chaosSteps && !s.gone && !s.t.Failed(); s.step++ {
		s.perturb()
		s.once()
	}
	if s.gone || s.t.Failed() {
		return
	}

	// Calm: nothing fails any more and the spec settles on a deployable image, online, with
	// working BMC access. A deleted host must be released; any other must reach its goal.
	s.chaos = false
	s.host.Spec.BMC.Address = bmcAddress
	s.host.Spec.Image = imgA.DeepCopy()
	s.host.Spec.CustomDeploy = nil
	s.host.Spec.Online = true
	s.creds.Problem = ""
	if s.node != nil {
		s.node.Locked = false
	}
	if s.host.DeletionTimestamp == nil {
		s.phase = "calm: reach the goal"
		if !s.runUntil(s.reachedGoal) {
			s.failf("a host with a stable spec and no failures did not reach %s within %d steps", s.goal(), calmBound)
			return
		}
		s.phase = "calm: delete"
		s.delete()
	} else {
		s.phase = "calm: finish the deletion"
	}
	if !s.runUntil(func() bool { return s.gone }) {
		s.failf("a deleted host was not released within %d steps although Ironic cooperates", calmBound)
	}
}

func (s *simulation) runUntil(done func() bool) bool {
	for i := 0; i < calmBound && !s.t.Failed(); i, s.step = i+1, s.step+1 {
		if done() {
			return true
		}
		s.once()
	}
	return done()
}

func (s *simulation) goal() metal3.ProvisioningState {
	if s.host.Spec.ExternallyProvisioned {
		return stExternal
	}
	return stProvisioned
}

// reachedGoal: provisioned with the spec's image (or externally provisioned), the node
// active and settled, powered on as spec.online says.
func (s *simulation) reachedGoal() bool {
	st := s.host.Status
	n := s.node
	if st.Provisioning.State != s.goal() || n == nil || n.ProvisionState != active || !n.Stable() || n.PowerState != provisioner.PowerOn ||
		n.BootMACAddress != s.host.Spec.BootMACAddress { // the node has its boot port
		return false
	}
	return s.host.Spec.ExternallyProvisioned || (st.Provisioning.Image.URL == imgA.URL && n.ImageURL == imgA.URL)
}

func (s *simulation) delete() {
	if s.host.DeletionTimestamp == nil {
		ts := metav1.NewTime(s.now)
		s.host.DeletionTimestamp = &ts
		s.stats.deletions++
		s.logf("  spec: deleted")
	}
}

// perturb applies random changes of the spec, the credentials and Ironic.
func (s *simulation) perturb() {
	h, r := s.host, s.rng.Float64
	if r() < 0.04 {
		i := s.rng.IntN(len(specImages) + 1)
		h.Spec.CustomDeploy = nil
		switch rec := h.Status.Provisioning.Image; {
		case rec.URL != "" && s.rng.IntN(3) == 0:
			h.Spec.Image = rec.DeepCopy() // back to what was provisioned
		case i == len(specImages):
			h.Spec.Image = nil
			h.Spec.CustomDeploy = customDeploy.DeepCopy()
		case specImages[i] == nil:
			h.Spec.Image = nil
		default:
			h.Spec.Image = specImages[i].DeepCopy()
		}
		s.logf("  spec: image %s", describeSpec(h))
	}
	if r() < 0.04 {
		h.Spec.Online = !h.Spec.Online
		s.logf("  spec: online=%v", h.Spec.Online)
	}
	if r() < 0.02 {
		s.creds.Version = fmt.Sprint(1000 + s.rng.IntN(1000))
		s.logf("  secret: version %s", s.creds.Version)
	}
	if r() < 0.01 {
		if s.creds.Problem == "" {
			s.creds.Problem = "secret metal/host-0-bmc-secret has no password"
		} else {
			s.creds.Problem = ""
		}
		s.logf("  secret: problem %q", s.creds.Problem)
	}
	if r() < 0.01 {
		h.Spec.BMC.Address = []string{bmcAddress, otherAddress, badBMCAddress}[s.rng.IntN(3)]
		s.logf("  spec: bmc %s", h.Spec.BMC.Address)
	}
	if r() < 0.001 {
		s.delete()
	}
	if s.node != nil && r() < 0.01 {
		if st := h.Status.Provisioning.State; st == stProvisioned || st == stExternal {
			s.mustAdopt = true
		}
		s.power = s.node.PowerState
		s.node = nil
		s.inspected = false
		s.stats.lostNodes++
		s.logf("  ironic: node lost")
	}
	if s.node != nil {
		s.node.Locked = r() < 0.02
	}
}

// once is one look at the host: Ironic moves on, the controller decides, acts and writes.
func (s *simulation) once() {
	s.ironic()
	in := Input{Host: s.host.DeepCopy(), Node: cloneNode(s.node), Credentials: s.creds, Now: s.now}
	if NeedsHardware(in.Host, in.Node, in.InBandInspection) {
		if !s.inspected {
			// The controller cannot read hardware Ironic does not have: its sync fails and
			// the queue retries it later. Nothing is decided.
			s.logf("%4d %s: hardware details of node %s are not in Ironic", s.step, s.describe(), in.Node.ID)
			s.now = s.now.Add(2 * time.Second)
			return
		}
		in.Hardware = &metal3.HardwareDetails{Hostname: "host-0", RAMMebibytes: 65536}
	}
	hostBefore, nodeBefore := in.Host.DeepCopy(), cloneNode(in.Node)
	r := Decide(in)
	s.stats.decisions++
	if !equality.Semantic.DeepEqual(hostBefore, in.Host) || !sameNode(nodeBefore, in.Node) {
		s.failf("Decide modified its input")
	}
	if s.step%7 == 0 {
		if diff := cmp.Diff(r, Decide(in)); diff != "" {
			s.failf("Decide is not deterministic (-first +second):\n%s", diff)
		}
	}
	s.check(in, r, "Decide")
	s.checkStorm(in, r)
	s.logf("%4d %s → %s", s.step, s.describe(), describeResult(r))

	if r.Action.Kind != ActionNone {
		err := s.apply(in, r)
		if err == nil {
			if s.calls == nil {
				s.calls = map[ActionKind]int{}
			}
			s.calls[r.Action.Kind]++
		}
		if errors.Is(err, errBusy) {
			s.logf("       %s: %v (nothing written, retried in 2s)", r.Action.Kind, err)
			s.now = s.now.Add(2 * time.Second)
			return
		}
		if err != nil {
			s.stats.actionFailures++
			failedRes := ActionFailed(in, r.Action, err)
			s.check(in, failedRes, "ActionFailed")
			s.checkActionFailed(in, failedRes)
			s.logf("       %s failed: %v → %s", r.Action.Kind, err, describeResult(failedRes))
			r = failedRes
		}
	}
	if s.loseWrite != nil && s.loseWrite(s.step) {
		// Nothing of the result reaches the API server: not the status, not the annotations
		// it consumed, not the finalizer. The controller looks again soon.
		s.stats.lostWrites++
		s.logf("       status write lost")
		s.now = s.now.Add(time.Second)
		return
	}
	s.write(r.Status)
	if s.stats.states == nil {
		s.stats.states = map[metal3.ProvisioningState]int{}
	}
	s.stats.states[r.Status.Provisioning.State]++
	if st := r.Status.Provisioning.State; st == stDeprovisioning || st == stPoweringOff || st == stDeleting {
		s.mustAdopt = false
	}
	if r.RemoveFinalizer {
		s.gone = true
		return
	}
	s.advance(r)
}

// write stores the decided status as the controller does: only when it changed, stamping
// status.lastUpdated.
func (s *simulation) write(st metal3.BareMetalHostStatus) {
	s.host = feed(s.host, st, s.now)
}

// advance moves the clock to the next look: usually when the result asked, sometimes early
// (another event woke the controller), sometimes much later.
func (s *simulation) advance(r Result) {
	d := r.RequeueAfter
	if d == 0 {
		d = 5 * time.Minute // the steady resync
	}
	if s.chaos {
		switch x := s.rng.Float64(); {
		case x < 0.3:
			d = time.Duration(s.rng.Int64N(int64(2 * time.Second)))
		case x < 0.4:
			d = time.Duration(s.rng.Int64N(int64(10 * time.Minute)))
		}
	}
	s.now = s.now.Add(d)
}

// check fails the simulation when a result of Decide or ActionFailed breaks an invariant.
func (s *simulation) check(in Input, r Result, who string) {
	if v := violations(in, r, who, s.mustAdopt); len(v) > 0 {
		s.failf("%s", strings.Join(v, "\n"))
	}
}

// violations lists the invariants r breaks: every result of Decide (who "Decide") and of
// ActionFailed must keep them. nodeLost says the node of a provisioned host was lost, so it
// must be adopted again, never deployed.
func violations(in Input, r Result, who string, nodeLost bool) []string {
	var v []string
	fail := func(format string, args ...interface{}) { v = append(v, fmt.Sprintf(format, args...)) }
	st := r.Status
	h := in.Host
	if (st.ErrorType != "") != (st.OperationalStatus == metal3.OperationalStatusError) {
		fail("%s: errorType %q with operationalStatus %q", who, st.ErrorType, st.OperationalStatus)
	}
	if r.RequeueAfter < 0 || r.RequeueAfter > 5*time.Minute {
		fail("%s: requeueAfter %v is not within [0, 5m]", who, r.RequeueAfter)
	}
	if st.ErrorCount < 0 {
		fail("%s: errorCount %d", who, st.ErrorCount)
	}
	if _, ok := handlers[st.Provisioning.State]; !ok {
		fail("%s: unknown state %q", who, st.Provisioning.State)
	}
	for _, e := range r.Events {
		if e.Reason == "" || (e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning) {
			fail("%s: malformed event %+v", who, e)
		}
	}
	switch r.Action.Kind {
	case ActionNone, ActionRegister:
	default:
		if in.Node == nil {
			fail("%s: action %s for a host without node", who, r.Action.Kind)
		}
	}
	if r.Action.Kind == ActionDeploy {
		if err := ValidateImage(h.Spec.Image, h.Spec.CustomDeploy); err != nil {
			fail("%s: Deploy although the spec's image cannot be deployed: %v", who, err)
		}
		if h.Spec.ExternallyProvisioned {
			fail("%s: Deploy for an externally provisioned host", who)
		}
		if nodeLost {
			fail("%s: Deploy for a provisioned host whose node was lost: it must be adopted", who)
		}
		if h.DeletionTimestamp != nil {
			fail("%s: Deploy for a deleted host", who)
		}
	}
	if r.Action.Kind == ActionUndeploy && h.DeletionTimestamp == nil && in.Node != nil &&
		(in.Node.ProvisionState == active || in.Node.ProvisionState == deployFail) && !specDiffersFromRecorded(h) {
		fail("%s: Undeploy of a node in %s although the spec still asks for the image it was given (%s)",
			who, in.Node.ProvisionState, h.Status.Provisioning.Image.URL)
	}
	if r.RemoveFinalizer && (h.DeletionTimestamp == nil || in.Node != nil) {
		fail("%s: finalizer removed (deleted: %v, node: %v)", who, h.DeletionTimestamp != nil, in.Node != nil)
	}
	renamed := h.Status.Provisioning.State == metal3.StateReady || h.Status.Provisioning.State == metal3.StateMatchProfile // old spellings
	if who == "Decide" && st.Provisioning.State != h.Status.Provisioning.State && !renamed && st.ErrorType == "" && st.ErrorCount != 0 {
		fail("Decide: state %q completed to %q, but errorCount is %d", h.Status.Provisioning.State, st.Provisioning.State, st.ErrorCount)
	}
	return v
}

// checkActionFailed holds for the result of a failed action.
func (s *simulation) checkActionFailed(in Input, r Result) {
	old := in.Host.Status
	st := r.Status
	switch {
	case r.Action.Kind != ActionNone:
		s.failf("ActionFailed asks for %s", r.Action.Kind)
	case st.Provisioning.State != old.Provisioning.State:
		s.failf("ActionFailed moved the host from %q to %q", old.Provisioning.State, st.Provisioning.State)
	case st.ErrorType == "":
		s.failf("ActionFailed recorded no error")
	case st.ErrorCount != old.ErrorCount && st.ErrorCount != old.ErrorCount+1:
		s.failf("ActionFailed changed errorCount from %d to %d", old.ErrorCount, st.ErrorCount)
	case r.RequeueAfter != Backoff(st.ErrorCount):
		s.failf("ActionFailed requeues after %v, want Backoff(%d) = %v", r.RequeueAfter, st.ErrorCount, Backoff(st.ErrorCount))
	}
}

// checkStorm fails when the same action is asked for again and again while the node does not
// change: each of them failed, or Ironic ignored them.
func (s *simulation) checkStorm(in Input, r Result) {
	key := describeSimNode(in.Node)
	if r.Action.Kind == ActionNone || r.Action.Kind != s.stormAction || key != s.stormNode {
		s.stormAction, s.stormNode, s.stormCount = r.Action.Kind, key, 0
		return
	}
	s.stormCount++
	if s.stormCount >= stormLength {
		s.failf("storm: %s asked for %d times in a row on an unchanged node (%s)", r.Action.Kind, s.stormCount+1, key)
	}
}

// specDiffersFromRecorded: the spec no longer asks for what status.provisioning records.
func specDiffersFromRecorded(h *metal3.BareMetalHost) bool {
	p := h.Status.Provisioning
	specMethod, recMethod := "", ""
	if h.Spec.CustomDeploy != nil {
		specMethod = h.Spec.CustomDeploy.Method
	}
	if p.CustomDeploy != nil {
		recMethod = p.CustomDeploy.Method
	}
	if specMethod != recMethod {
		return true
	}
	spec := metal3.Image{}
	if h.Spec.Image != nil {
		spec = *h.Spec.Image
	}
	return !equality.Semantic.DeepEqual(spec, p.Image)
}

// apply carries out an action the way Ironic would. It returns errBusy for a locked node and
// an error when the action fails (injected) or Ironic refuses it.
func (s *simulation) apply(in Input, r Result) error {
	a := r.Action
	n := s.node
	if n != nil && n.Locked {
		return errBusy
	}
	if s.chaos && s.rng.Float64() < 0.1 {
		s.stats.injected++
		return errInjected
	}
	if a.Kind != ActionRegister && n == nil {
		return fmt.Errorf("%s: the host has no node", a.Kind)
	}
	refuse := func() error {
		s.failf("Decide asked for %s, which Ironic refuses for a node in %q (target %q, power %q → %q)",
			a.Kind, n.ProvisionState, n.TargetProvisionState, n.PowerState, n.TargetPowerState)
		return fmt.Errorf("ironic: cannot %s a node in %s", a.Kind, n.ProvisionState)
	}
	stable := n != nil && n.TargetProvisionState == ""
	switch a.Kind {
	case ActionRegister:
		if n == nil {
			s.nodes++
			n = &provisioner.Node{
				ID: fmt.Sprintf("node-%d", s.nodes), Name: "metal~host-0", ProvisionState: enroll,
				PowerState: s.power, ProvisionUpdatedAt: s.now,
			}
			s.node = n
			s.inspected = false
			if s.chaos && s.rng.Float64() < 0.1 {
				// The controller was killed after creating the node, before its boot port.
				return errors.New("registration cut short after the node was created")
			}
		}
		n.BMCAddress, n.CredentialsVersion = s.host.Spec.BMC.Address, s.creds.Version
		n.BootMACAddress = s.host.Spec.BootMACAddress
		if n.ProvisionState == enroll && n.Stable() {
			// The controller manages an enrolled node right after registering it.
			if s.chaos && s.rng.Float64() < 0.1 {
				return errors.New("manage: HTTP 409 Conflict")
			}
			s.setProvision(verifying, manageable)
		}
	case ActionManage:
		if n.ProvisionState != enroll || !stable {
			return refuse()
		}
		s.setProvision(verifying, manageable)
	case ActionInspect:
		if !(n.ProvisionState == manageable && stable) && n.ProvisionState != inspectFail {
			return refuse()
		}
		s.setProvision(inspecting, manageable)
		n.Inspected = false // Ironic clears inspection_finished_at as an inspection starts
	case ActionProvide:
		if n.ProvisionState != manageable || !stable {
			return refuse()
		}
		s.setProvision(cleaning, available)
	case ActionDeploy:
		if !(n.ProvisionState == available && stable) && n.ProvisionState != deployFail {
			return refuse()
		}
		s.setProvision(deploying, active)
		n.ImageURL = r.Status.Provisioning.Image.URL
	case ActionUndeploy:
		switch {
		case n.ProvisionState == active && stable, n.ProvisionState == deployFail, n.ProvisionState == errorNode, n.ProvisionState == waitCallBack:
		default:
			return refuse()
		}
		s.setProvision(deletingNode, available)
		n.ImageURL = ""
	case ActionAdopt:
		if !(n.ProvisionState == manageable && stable) && n.ProvisionState != adoptFail {
			return refuse()
		}
		s.setProvision(adopting, active)
		n.ImageURL = r.Status.Provisioning.Image.URL
		if s.mustAdopt {
			s.stats.readoptions++
		}
	case ActionRecover:
		switch {
		case n.ProvisionState == inspectFail, n.ProvisionState == cleanFail, n.ProvisionState == adoptFail,
			n.ProvisionState == available && stable:
		default:
			return refuse()
		}
		s.setProvision(manageable, "")
	case ActionPowerOn, ActionPowerOff:
		if n.TargetPowerState != provisioner.PowerUnknown {
			return refuse()
		}
		n.TargetPowerState = provisioner.PowerOff
		if a.Kind == ActionPowerOn {
			n.TargetPowerState = provisioner.PowerOn
		}
		n.LastError = ""
	case ActionDelete:
		s.power = n.PowerState
		s.node = nil
		s.inspected = false
	default:
		s.failf("unknown action %q", a.Kind)
	}
	return nil
}

func (s *simulation) setProvision(state, target provisioner.ProvisionState) {
	n := s.node
	n.ProvisionState, n.TargetProvisionState = state, target
	n.ProvisionUpdatedAt = s.now
	if target != "" {
		n.LastError = "" // a new operation
	}
}

// ironic moves operations in progress on, as Ironic's conductor would: some finish, some
// fail (only while chaotic), and a finished one may report its new state before clearing
// the target.
func (s *simulation) ironic() {
	n := s.node
	if n == nil {
		return
	}
	r := s.rng.Float64
	failing := func(p float64) bool { return s.chaos && r() < p }
	if n.TargetPowerState != provisioner.PowerUnknown && r() < 0.6 {
		if failing(0.1) {
			n.LastError = "power change failed: BMC did not answer"
		} else {
			n.PowerState = n.TargetPowerState
		}
		n.TargetPowerState = provisioner.PowerUnknown
	}
	if n.TargetProvisionState == "" || r() < 0.35 {
		return
	}
	finish := func(state provisioner.ProvisionState) {
		s.setProvision(state, "")
		if r() < 0.4 {
			n.TargetProvisionState = state // reported before the target is cleared
		}
	}
	fail := func(state provisioner.ProvisionState, msg string) {
		n.ProvisionState, n.TargetProvisionState = state, naturalTarget[state]
		n.ProvisionUpdatedAt = s.now
		n.LastError = msg
	}
	switch n.ProvisionState {
	case n.TargetProvisionState:
		n.TargetProvisionState = "" // the settling node settles
	case verifying:
		if failing(0.25) {
			fail(enroll, "Failed to get power state for node: authentication failed")
		} else {
			finish(manageable)
		}
	case inspecting, inspectWait:
		switch {
		case n.ProvisionState == inspecting && r() < 0.5:
			s.setProvision(inspectWait, manageable)
		case failing(0.15):
			fail(inspectFail, "inspection timed out")
		default:
			finish(manageable)
			s.inspected = true
			n.Inspected = true
		}
	case cleaning, cleanWait:
		switch {
		case n.ProvisionState == cleaning && r() < 0.4:
			s.setProvision(cleanWait, available)
		case failing(0.15):
			fail(cleanFail, "clean step erase_devices failed")
		default:
			finish(available)
		}
	case deploying, waitCallBack:
		switch {
		case n.ProvisionState == deploying && r() < 0.5:
			s.setProvision(waitCallBack, active)
		case failing(0.15):
			fail(deployFail, "image download failed")
		default:
			finish(active)
		}
	case deletingNode:
		if failing(0.1) {
			fail(errorNode, "tear down failed")
		} else {
			s.setProvision(cleaning, available)
		}
	case adopting:
		if failing(0.1) {
			fail(adoptFail, "adoption failed: no image_source")
		} else {
			finish(active)
		}
	}
}

func sameNode(a, b *provisioner.Node) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func cloneNode(n *provisioner.Node) *provisioner.Node {
	if n == nil {
		return nil
	}
	c := *n
	return &c
}

func (s *simulation) failf(format string, args ...interface{}) {
	s.t.Helper()
	s.t.Fatalf("seed %d, step %d (%s): %s\nhost: %s\nrecent steps:\n%s\nrerun: go test ./pkg/hoststate/ -run TestDecideProperties -seed=%d -v",
		s.seed, s.step, s.phase, fmt.Sprintf(format, args...), s.describe(), strings.Join(s.trace, "\n"), s.seed)
}

func (s *simulation) logf(format string, args ...interface{}) {
	if len(s.trace) >= *traceLength {
		s.trace = s.trace[1:]
	}
	s.trace = append(s.trace, fmt.Sprintf(format, args...))
}

func (s *simulation) describe() string {
	st := s.host.Status
	del := ""
	if s.host.DeletionTimestamp != nil {
		del = " deleted"
	}
	return fmt.Sprintf("t0+%v [%s%s | rec %s | err %q/%d] node %s", s.now.Sub(t0), st.Provisioning.State, del,
		shortImage(&st.Provisioning.Image), st.ErrorType, st.ErrorCount, describeSimNode(s.node))
}

func describeSimNode(n *provisioner.Node) string {
	if n == nil {
		return "<none>"
	}
	d := string(n.ProvisionState)
	if n.TargetProvisionState != "" {
		d += "→" + string(n.TargetProvisionState)
	}
	d += " " + string(n.PowerState)
	if n.TargetPowerState != "" {
		d += "→" + string(n.TargetPowerState)
	}
	if n.LastError != "" {
		d += " lastError"
	}
	if n.Locked {
		d += " locked"
	}
	return d
}

func describeSpec(h *metal3.BareMetalHost) string {
	if h.Spec.CustomDeploy != nil {
		return "custom:" + h.Spec.CustomDeploy.Method
	}
	return shortImage(h.Spec.Image)
}

func shortImage(img *metal3.Image) string {
	if img == nil || img.URL == "" {
		return "-"
	}
	return img.URL[strings.LastIndex(img.URL, "/")+1:]
}

func describeResult(r Result) string {
	var b strings.Builder
	if r.Action.Kind != ActionNone {
		b.WriteString(string(r.Action.Kind))
	} else {
		b.WriteString("wait")
	}
	fmt.Fprintf(&b, " [%s | err %q/%d] after %v", r.Status.Provisioning.State, r.Status.ErrorType, r.Status.ErrorCount, r.RequeueAfter)
	for _, e := range r.Events {
		b.WriteString(" +" + e.Reason)
	}
	if r.RemoveFinalizer {
		b.WriteString(" RELEASED")
	}
	return b.String()
}
