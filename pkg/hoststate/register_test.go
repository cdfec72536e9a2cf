package hoststate

import (
	"testing"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// registering is a host whose credentials were never validated, in the registering state.
func registering(opts ...hostOpt) *metal3.BareMetalHost {
	return host(stRegistering, append([]hostOpt{newCredentials}, opts...)...)
}

func TestNewAndUnmanagedHosts(t *testing.T) {
	runTable(t, []row{
		{"a new host with a BMC address starts registering", host(stNone), nil, nil, registerAndVerify(stRegistering)},
		{"a new host without a BMC address is unmanaged", host(stNone, noBMC), nil, nil, steadyIn(stUnmanaged)},
		{"a new host whose node is already enrolled is managed", host(stNone), node(enroll), nil, do(ActionManage, stRegistering)},
		{"a new host whose node is found active is kept as provisioned", host(stNone, newCredentials), node(active), nil,
			steadyIn(stProvisioned, "BMCAccessValidated", "ProfileSet", "Registered")},
		{"a new host with an unusable BMC address is a registration error", host(stNone, bmcAt("ftp://10.0.0.5")), nil, nil,
			failure(stRegistering, metal3.RegistrationError)},
		{"an unmanaged host stays unmanaged without a BMC address", host(stUnmanaged, noBMC), nil, nil, steadyIn(stUnmanaged)},
		{"an unmanaged host that got a BMC address starts registering", host(stUnmanaged), nil, nil, registerAndVerify(stRegistering)},
	})
}

func TestRegistering(t *testing.T) {
	runTable(t, []row{
		// state × node → what happens
		{"a registering host without a node registers one", registering(), nil, nil, registerAndVerify(stRegistering)},
		{"an enrolled node is managed", registering(), node(enroll), nil, do(ActionManage, stRegistering)},
		{"a node being verified is waited for", registering(), node(verifying), nil, waitAfter(stRegistering, pollInterval(nil, t0))},
		{"a node that failed BMC verification is a registration error", registering(), node(enroll, lastError("authentication failed")), nil,
			failure(stRegistering, metal3.RegistrationError)},
		{"a verified node is inspected", registering(), node(manageable), nil,
			do(ActionInspect, stInspecting, "BMCAccessValidated", "ProfileSet", "Registered", "InspectionStarted")},
		{"a verified node still settling is waited for", registering(), node(manageable, settling), nil, noActionIn(stRegistering)},
		{"a verified node of a host without inspection is made available", registering(noInspection), node(manageable), nil,
			provide(stPreparing, "BMCAccessValidated", "ProfileSet", "Registered")},
		{"a verified node of an externally provisioned host is adopted", registering(externallyProvisioned), node(manageable), nil,
			do(ActionAdopt, stExternal, "BMCAccessValidated", "ProfileSet", "Registered")},
		{"a node found available makes the host available", registering(), node(available), nil,
			steadyIn(stAvailable, "BMCAccessValidated", "ProfileSet", "Registered")},
		{"a node found available with an image set starts provisioning", registering(image(imgA)), node(available), nil,
			startsProvisioning("BMCAccessValidated", "ProfileSet", "Registered", "ProvisioningStarted")},
		{"a node found active is kept as provisioned", registering(), node(active), nil,
			steadyIn(stProvisioned, "BMCAccessValidated", "ProfileSet", "Registered")},
		// An inspection started as registration completed, whose status write was lost.
		{"a node found inspecting is waited for as inspecting", registering(), node(inspecting), nil,
			outcome{State: stInspecting, Events: []string{"BMCAccessValidated"}}},
		{"a node found in inspect wait is waited for as inspecting", registering(), node(inspectWait), nil,
			outcome{State: stInspecting, Events: []string{"BMCAccessValidated"}}},
		{"a node found cleaning is waited for", registering(), node(cleaning), nil, noActionIn(stRegistering)},
		{"a node found in clean wait is waited for", registering(), node(cleanWait), nil, noActionIn(stRegistering)},
		{"a node found deploying is waited for", registering(), node(deploying), nil, noActionIn(stRegistering)},
		{"a node found waiting for its call-back is waited for", registering(), node(waitCallBack), nil, noActionIn(stRegistering)},
		{"a node found deleting is waited for", registering(), node(deletingNode), nil, noActionIn(stRegistering)},
		{"a node found in inspect failed is recovered", registering(), node(inspectFail), nil, do(ActionRecover, stRegistering)},
		{"a node found in clean failed is recovered", registering(), node(cleanFail), nil, do(ActionRecover, stRegistering)},
		{"a node found in adopt failed is recovered", registering(), node(adoptFail), nil, do(ActionRecover, stRegistering)},

		// BMC address and credentials
		{"a node registered with another BMC address is registered again", registering(), node(manageable, registeredAt(otherAddress)), nil,
			do(ActionRegister, stRegistering)},
		// A registration cut short between creating the node and its boot port.
		{"a node without its boot port is registered again", registering(), node(enroll, withoutBootPort), nil,
			registerAndVerify(stRegistering)},
		{"a provisioned host's node without its boot port is registered again", host(stProvisioned, provisioned(imgA)),
			node(active, withoutBootPort), nil, do(ActionRegister, stProvisioned)},
		{"a boot MAC differing only in case is the same port", registering(),
			node(manageable, func(n *provisioner.Node) { n.BootMACAddress = "52:54:00:ab:cd:ef" }),
			[]inputOpt{func(in *Input) { in.Host.Spec.BootMACAddress = "52:54:00:AB:CD:EF" }},
			outcome{State: stInspecting, Action: Action{Kind: ActionInspect}, Events: []string{"BMCAccessValidated", "ProfileSet", "Registered", "InspectionStarted"}}},
		{"a node registered with an older secret is registered again", registering(), node(enroll), []inputOpt{secretAt("1002")},
			registerAndVerify(stRegistering)},
		{"a missing credentials secret is a registration error", registering(), nil, []inputOpt{credentialProblem("secret metal/host-0-bmc-secret not found")},
			failure(stRegistering, metal3.RegistrationError)},
		{"credentials without a password are a registration error", registering(), node(enroll), []inputOpt{credentialProblem(`secret metal/host-0-bmc-secret has no "password"`)},
			failure(stRegistering, metal3.RegistrationError)},
		{"a BMC address with user information is a registration error", registering(bmcAt("redfish://admin:pw@10.0.0.5")), nil, nil,
			failure(stRegistering, metal3.RegistrationError)},
		{"a BMC address with an unknown scheme is a registration error", registering(bmcAt("bogus://10.0.0.5")), node(enroll), nil,
			failure(stRegistering, metal3.RegistrationError)},
	})
}

func TestRegistrationRecordsCredentials(t *testing.T) {
	t.Run("registering records the credentials it tries", func(t *testing.T) {
		r := decide(t, input(registering(), nil, secretAt("1002")))
		if got := r.Status.TriedCredentials; got.Reference == nil || got.Reference.Name != secretName || got.Version != "1002" {
			t.Errorf("triedCredentials = %+v, want %s version 1002", got, secretName)
		}
		if r.Status.GoodCredentials.Version != "" {
			t.Errorf("goodCredentials = %+v before the BMC accepted them", r.Status.GoodCredentials)
		}
	})
	t.Run("a verified node makes the credentials good", func(t *testing.T) {
		r := decide(t, input(registering(), node(manageable, credentialsVersion("1002")), secretAt("1002")))
		if got := r.Status.GoodCredentials; got.Reference == nil || got.Version != "1002" {
			t.Errorf("goodCredentials = %+v, want version 1002", got)
		}
		if r.Status.OperationHistory.Register.End.IsZero() {
			t.Error("operationHistory.register.end is not set")
		}
	})
	t.Run("known good credentials are not announced again", func(t *testing.T) {
		r := decide(t, input(host(stRegistering), node(manageable)))
		for _, e := range r.Events {
			if e.Reason == "BMCAccessValidated" {
				t.Errorf("event %q for credentials already known good", e.Reason)
			}
		}
	})
}

func TestRegistrationErrorsNameTheProblem(t *testing.T) {
	for _, c := range []struct {
		name, address, problem, want string
	}{
		{"a credentials problem is reported as it is", bmcAddress, "secret metal/host-0-bmc-secret not found", "secret metal/host-0-bmc-secret not found"},
		{"user information in the address is named", "redfish://admin:pw@10.0.0.5", "", "user information"},
		{"an unknown scheme is named", "bogus://10.0.0.5", "", "unknown BMC scheme"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := decide(t, input(registering(bmcAt(c.address)), nil, credentialProblem(c.problem)))
			if r.Status.ErrorType != metal3.RegistrationError || !contains(r.Status.ErrorMessage, c.want) {
				t.Errorf("error %q: %q, want a registration error naming %q", r.Status.ErrorType, r.Status.ErrorMessage, c.want)
			}
			if contains(r.Status.ErrorMessage, "pw") {
				t.Errorf("error message %q repeats the password from the address", r.Status.ErrorMessage)
			}
			if r.Action.Kind != ActionNone {
				t.Errorf("action %q for a host that cannot be registered", r.Action.Kind)
			}
		})
	}
}
