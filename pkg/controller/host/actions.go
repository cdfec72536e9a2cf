package host

import (
	"context"
	"errors"
	"fmt"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
	"github.com/metalkube/metalkube/pkg/bmc"
	"github.com/metalkube/metalkube/pkg/hoststate"
	"github.com/metalkube/metalkube/pkg/provisioner"
)

// act carries out the one action the decision names.
func (c *Controller) act(ctx context.Context, h *metal3.BareMetalHost, node *provisioner.Node, res hoststate.Result, creds hoststate.Credentials) error {
	a := res.Action
	if a.Kind != hoststate.ActionRegister && node == nil {
		return fmt.Errorf("%s: the host has no node", a.Kind)
	}
	switch a.Kind {
	case hoststate.ActionRegister:
		registered, err := c.register(ctx, h, node, creds)
		if err != nil || !a.Verify {
			return err
		}
		return c.prov.Manage(ctx, registered)
	case hoststate.ActionManage:
		return c.prov.Manage(ctx, node)
	case hoststate.ActionInspect:
		return c.inspect(ctx, h, node)
	case hoststate.ActionProvide:
		return c.prov.Provide(ctx, node, a.AutomatedClean)
	case hoststate.ActionDeploy:
		req, err := c.deployRequest(ctx, h, res.Status.Provisioning)
		if err != nil {
			return err
		}
		return c.prov.Deploy(ctx, node, req)
	case hoststate.ActionUndeploy:
		return c.prov.Undeploy(ctx, node)
	case hoststate.ActionAdopt:
		img := res.Status.Provisioning.Image
		return c.prov.Adopt(ctx, node, &img)
	case hoststate.ActionRecover:
		return c.prov.Recover(ctx, node)
	case hoststate.ActionPowerOn:
		return c.prov.SetPower(ctx, node, provisioner.PowerRequest{On: true})
	case hoststate.ActionPowerOff:
		return c.prov.SetPower(ctx, node, provisioner.PowerRequest{On: false, Soft: a.Soft})
	case hoststate.ActionReboot:
		return c.prov.SetPower(ctx, node, provisioner.PowerRequest{Reboot: true, Soft: a.Soft})
	case hoststate.ActionDelete:
		return c.prov.Delete(ctx, node)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}

// register creates or updates the node.
func (c *Controller) register(ctx context.Context, h *metal3.BareMetalHost, existing *provisioner.Node, creds hoststate.Credentials) (*provisioner.Node, error) {
	access, err := bmc.Parse(h.Spec.BMC.Address, h.Spec.BMC.DisableCertificateVerification)
	if err != nil {
		return nil, err
	}
	secret, err := c.bmcCredentials(ctx, h)
	if err != nil {
		return nil, err
	}
	networkData, networkDataVersion, err := c.preprovisioningNetworkData(ctx, h)
	if err != nil {
		return nil, err
	}
	return c.prov.Register(ctx, provisioner.RegisterRequest{
		Host: hostRef(h), BMC: access, Credentials: secret, CredentialsVersion: creds.Version,
		BMCAddress: h.Spec.BMC.Address, BootMode: h.Spec.BootMode, Architecture: h.Spec.Architecture,
		AutomatedClean:     h.Spec.AutomatedCleaningMode != metal3.CleaningModeDisabled,
		DisablePowerOff:    h.Spec.DisablePowerOff,
		NetworkData:        networkData,
		NetworkDataVersion: networkDataVersion,
		InspectionMode:     h.Spec.InspectionMode,
	}, existing)
}

// deployRequest builds what Deploy needs from the provisioning the decision recorded and the
// host's user, network and meta data Secrets.
func (c *Controller) deployRequest(ctx context.Context, h *metal3.BareMetalHost, p metal3.ProvisionStatus) (provisioner.DeployRequest, error) {
	img := p.Image
	req := provisioner.DeployRequest{RootDeviceHints: p.RootDeviceHints, BootMode: p.BootMode, CustomDeploy: p.CustomDeploy}
	if img.URL != "" {
		req.Image = &img
	}
	if img.IsLiveISO() {
		return req, nil
	}
	drive, err := c.configDrive(ctx, h)
	if err != nil {
		// Not the image's fault: it must not count against the image's deploy attempts.
		return req, &hoststate.DataSecretError{Err: err}
	}
	req.ConfigDrive = drive
	return req, nil
}

// configDrive assembles the config drive from spec.userData, spec.networkData (else
// spec.preprovisioningNetworkDataName) and spec.metaData. Without meta data, it carries the
// host's identity as metal3 does.
func (c *Controller) configDrive(ctx context.Context, h *metal3.BareMetalHost) (*provisioner.ConfigDrive, error) {
	drive := &provisioner.ConfigDrive{MetaData: map[string]interface{}{
		"uuid": string(h.UID), "metal3-namespace": h.Namespace, "metal3-name": h.Name,
		"local-hostname": h.Name, "local_hostname": h.Name, "name": h.Name,
	}}
	if ref := h.Spec.UserData; ref != nil && ref.Name != "" {
		data, err := c.secretValue(ctx, ref, h.Namespace, "user data", userDataKeys...)
		if err != nil {
			return nil, err
		}
		drive.UserData = string(data)
	}
	if ref := configDriveNetworkData(h); ref != nil {
		data, err := c.secretValue(ctx, ref, h.Namespace, "network data", networkDataKeys...)
		switch {
		case errors.Is(err, errNoDataKey):
			// As in metal3: a network data Secret without the key means no network data.
		case err != nil:
			return nil, err
		default:
			if drive.NetworkData, err = jsonOrYAMLMap(data, "network data"); err != nil {
				return nil, err
			}
		}
	}
	if ref := h.Spec.MetaData; ref != nil && ref.Name != "" {
		data, err := c.secretValue(ctx, ref, h.Namespace, "meta data", metaDataKeys...)
		if err != nil {
			return nil, err
		}
		extra, err := jsonOrYAMLMap(data, "meta data")
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			drive.MetaData[k] = v
		}
	}
	return drive, nil
}
