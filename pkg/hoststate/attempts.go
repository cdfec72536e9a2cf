package hoststate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"

	metal3 "github.com/metalkube/metalkube/pkg/apis/metal3.io/v1alpha1"
)

// deploy asks for the deploy of the image status.provisioning records, and records it as
// status.lastAttemptedImage; the count of failed attempts starts again for a new image.
func (d *decision) deploy() step {
	d.recordAttempt()
	return act(Action{Kind: ActionDeploy})
}

// recordAttempt records the image status.provisioning holds as the last one attempted. As in
// metal3, any change of the image (URL, checksum, checksum type or format) starts the count of
// failed attempts again.
func (d *decision) recordAttempt() {
	p := d.status.Provisioning.Image
	if last := d.status.LastAttemptedImage; last == nil || !equality.Semantic.DeepEqual(*last, p) {
		d.status.ProvisioningFailCount = 0
	}
	d.status.LastAttemptedImage = p.DeepCopy()
}

// forgetAttemptsWithoutImage clears the count of failed deploys, and the last attempted image,
// of an available host whose spec asks for no image, as metal3 does: after a success (no
// failures counted) the last attempted image is kept.
func (d *decision) forgetAttemptsWithoutImage() {
	if img := d.host.Spec.Image; (img == nil || img.URL == "") && d.status.ProvisioningFailCount > 0 {
		d.status.ProvisioningFailCount = 0
		d.status.LastAttemptedImage = nil
	}
}

// provisioningLimit stops deploy retries once MaxProvisioningAttempts consecutive deploys of
// the same image have failed (Ironic's deploy failed, or the deploy request refused), as
// status.provisioningFailCount counts them: a problem of a data Secret does not count. The
// host waits, with the error kept, until its image changes.
func (d *decision) provisioningLimit() (s step, done bool) {
	st := d.in.Host.Status
	if d.in.MaxProvisioningAttempts <= 0 || st.ErrorType != metal3.ProvisioningError || st.ProvisioningFailCount < d.in.MaxProvisioningAttempts {
		return step{}, false
	}
	d.status.ErrorType, d.status.ErrorMessage = st.ErrorType, st.ErrorMessage
	d.status.OperationalStatus = metal3.OperationalStatusError
	d.limitReached = true
	return step{}.explain(ReasonProvisioningLimit, fmt.Sprintf(
		"deploying %s failed %d times in a row, the limit; change or remove spec.image, or set status.provisioningFailCount to 0, to try again",
		d.status.Provisioning.Image.URL, st.ProvisioningFailCount)), true
}
