package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BareMetalHostFinalizer keeps a host until its Ironic node has been removed.
const BareMetalHostFinalizer = "baremetalhost.metal3.io"

// BareMetalHost is one physical server: how to reach its BMC, what it should run, and what
// the controller observed of it.
//
// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=bmh;bmhost,scope=Namespaced
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.operationalStatus",description="Operational status",priority=1
// +kubebuilder:printcolumn:name="State",type="string",JSONPath=".status.provisioning.state",description="Provisioning state"
// +kubebuilder:printcolumn:name="Consumer",type="string",JSONPath=".spec.consumerRef.name",description="Consumer using this host"
// +kubebuilder:printcolumn:name="BMC",type="string",JSONPath=".spec.bmc.address",description="Address of the baseboard management controller",priority=1
// +kubebuilder:printcolumn:name="Online",type="string",JSONPath=".spec.online",description="Whether the host should be powered on"
// +kubebuilder:printcolumn:name="Error",type="string",JSONPath=".status.errorType",description="Type of the most recent error"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description="Time since creation"
// +kubebuilder:validation:XValidation:rule="!self.metadata.name.matches('^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$')",message="BareMetalHost resource name cannot be a UUID"
type BareMetalHost struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   BareMetalHostSpec   `json:"spec,omitempty"`
	Status BareMetalHostStatus `json:"status,omitempty"`
}

// BareMetalHostList is a list of BareMetalHosts.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type BareMetalHostList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []BareMetalHost `json:"items"`
}

// BareMetalHostSpec is the desired state of a host.
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || !self.bmc.address.contains('@')",message="invalid BMC address: address must not contain user information (\"user:password@\"); put the credentials in the BMC credentials Secret",fieldPath=".bmc.address"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || self.bmc.address.contains('@') || self.bmc.address.matches('^([a-zA-Z][a-zA-Z0-9+.-]*:(//)?)?([[][0-9a-fA-F:.]+[]]|[a-zA-Z0-9.-]*)(:[0-9]{1,5})?([/?]([-a-zA-Z0-9._~!$&()*+,;=:?%][-a-zA-Z0-9._~!$&()*+,;=:/?%]*)?)?$')",message="invalid BMC address: expected [scheme://]host[:port][/path][?query] without spaces, fragment or characters not allowed in a URL",fieldPath=".bmc.address"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || (self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') in ['fake','fake-agent','idrac-redfish','idrac-redfish+http','idrac-redfish+https','idrac-virtualmedia','idrac-virtualmedia+http','idrac-virtualmedia+https','ilo5-redfish','ilo5-redfish+http','ilo5-redfish+https','ilo5-virtualmedia','ilo5-virtualmedia+http','ilo5-virtualmedia+https','ipmi','libvirt','redfish','redfish+http','redfish+https','redfish-uefihttp','redfish-uefihttp+http','redfish-uefihttp+https','redfish-virtualmedia','redfish-virtualmedia+http','redfish-virtualmedia+https']",messageExpression="'invalid BMC address: unknown BMC scheme \"' + (self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') + '\"; supported schemes are fake, fake-agent, idrac-redfish[+http|+https], idrac-virtualmedia[+http|+https], ilo5-redfish[+http|+https], ilo5-virtualmedia[+http|+https], ipmi, libvirt, redfish-uefihttp[+http|+https], redfish-virtualmedia[+http|+https], redfish[+http|+https]'",fieldPath=".bmc.address"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || has(self.bootMACAddress) && size(self.bootMACAddress) > 0 || !((self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') in ['fake','fake-agent','idrac-redfish','idrac-redfish+http','idrac-redfish+https','idrac-virtualmedia','idrac-virtualmedia+http','idrac-virtualmedia+https','ilo5-redfish','ilo5-redfish+http','ilo5-redfish+https','ilo5-virtualmedia','ilo5-virtualmedia+http','ilo5-virtualmedia+https','ipmi','libvirt','redfish','redfish+http','redfish+https','redfish-uefihttp','redfish-uefihttp+http','redfish-uefihttp+https','redfish-virtualmedia','redfish-virtualmedia+http','redfish-virtualmedia+https']) || !((self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') in ['idrac-redfish','idrac-redfish+http','idrac-redfish+https','ilo5-redfish','ilo5-redfish+http','ilo5-redfish+https','ipmi','libvirt','redfish','redfish+http','redfish+https']) && (!has(self.inspectionMode) || self.inspectionMode != 'disabled')",messageExpression="'BMC driver ' + (self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') + ' requires a BootMACAddress value'",fieldPath=".bootMACAddress"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || !has(self.bootMode) || self.bootMode != 'UEFISecureBoot' || !((self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') in ['fake','fake-agent','ipmi','libvirt'])",messageExpression="'BMC driver ' + (self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') + ' does not support secure boot'",fieldPath=".bootMode"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || !has(self.inspectionMode) || self.inspectionMode != 'fast' || !((self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') in ['ipmi','libvirt'])",messageExpression="'BMC driver ' + (self.bmc.address.matches('^[a-zA-Z][a-zA-Z0-9+.-]*:') && !self.bmc.address.matches('^[^:/]*:[0-9]*$') ? self.bmc.address.split(':')[0].lowerAscii() : 'ipmi') + ' does not support fast (out-of-band) inspection'",fieldPath=".inspectionMode"
// +kubebuilder:validation:XValidation:rule="!has(self.rootDeviceHints) || !has(self.rootDeviceHints.deviceName) || self.rootDeviceHints.deviceName.startsWith('/dev/')",messageExpression="'device name of root device hint must be a /dev/ path, not \"' + self.rootDeviceHints.deviceName + '\"'",fieldPath=".rootDeviceHints.deviceName"
// +kubebuilder:validation:XValidation:rule="!has(self.rootDeviceHints) || !has(self.rootDeviceHints.deviceName) || !self.rootDeviceHints.deviceName.startsWith('/dev/') || self.rootDeviceHints.deviceName.matches('^/dev/(disk/by-path/)?[^/]*$')",messageExpression="'device name of root device hint must be path in /dev/ or /dev/disk/by-path/, not \"' + self.rootDeviceHints.deviceName + '\"'",fieldPath=".rootDeviceHints.deviceName"
// +kubebuilder:validation:XValidation:rule="!has(self.rootDeviceHints) || !has(self.raid) || !has(self.raid.softwareRAIDVolumes) || !self.raid.softwareRAIDVolumes.exists(v, has(v.rootVolume) && v.rootVolume)",message="softwareRAIDVolumes[*].rootVolume and rootDeviceHints can not be set at the same time",fieldPath=".raid.softwareRAIDVolumes"
// +kubebuilder:validation:XValidation:rule="!has(self.image) || self.image.url.matches('^(https?://[^/?#]+|file:///)')",message="image URL must be http://, https:// (with a host) or file:///",fieldPath=".image.url"
// +kubebuilder:validation:XValidation:rule="!has(self.image) || has(self.image.checksum) && size(self.image.checksum) > 0 || has(self.image.format) && self.image.format == 'live-iso'",message="checksum is required for normal images (all but format live-iso)",fieldPath=".image.checksum"
// +kubebuilder:validation:XValidation:rule="!has(self.disablePowerOff) || !self.disablePowerOff || self.online",message="node can't simultaneously have online set to false and have power off disabled",fieldPath=".disablePowerOff"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.bootMACAddress) || size(oldSelf.bootMACAddress) == 0 || has(self.bootMACAddress) && self.bootMACAddress.lowerAscii() == oldSelf.bootMACAddress.lowerAscii()",message="bootMACAddress can not be changed once it is set",fieldPath=".bootMACAddress"
// +kubebuilder:validation:XValidation:rule="!has(self.bmc) || size(self.bmc.address) == 0 || size(self.bmc.credentialsName) > 0",message="bmc.credentialsName is required when bmc.address is set"
// +kubebuilder:validation:XValidation:rule="!has(self.customDeploy) || size(self.customDeploy.method) > 0",message="customDeploy.method must not be empty"
type BareMetalHostSpec struct {
	// Taints to apply to the Node backed by this host. Accepted for metal3 compatibility.
	Taints []corev1.Taint `json:"taints,omitempty"`

	// HardwareProfile names the metal3 hardware profile whose root device hints a host without
	// rootDeviceHints gets (unknown, libvirt, openstack, dell, dell-raid, empty). Deprecated
	// in metal3.
	HardwareProfile string `json:"hardwareProfile,omitempty"`

	// RootDeviceHints select the disk the image is written to.
	RootDeviceHints *RootDeviceHints `json:"rootDeviceHints,omitempty"`

	// Firmware (BIOS) settings. Accepted for metal3 compatibility.
	Firmware *FirmwareConfig `json:"firmware,omitempty"`

	// RAID configuration. Accepted for metal3 compatibility.
	RAID *RAIDConfig `json:"raid,omitempty"`

	// BMC is how to reach the host's baseboard management controller.
	BMC BMCDetails `json:"bmc,omitempty"`

	// Online says whether the host should be powered on.
	// +kubebuilder:validation:Required
	Online bool `json:"online"`

	// ConsumerRef names the object that uses this host (for example a Machine).
	ConsumerRef *corev1.ObjectReference `json:"consumerRef,omitempty"`

	// Image is what to provision onto the host. Removing it deprovisions the host.
	Image *Image `json:"image,omitempty"`

	// UserData is a Secret holding cloud-init user data for the config drive.
	UserData *corev1.SecretReference `json:"userData,omitempty"`

	// PreprovisioningNetworkDataName names a Secret with network data for the ramdisk.
	PreprovisioningNetworkDataName string `json:"preprovisioningNetworkDataName,omitempty"`

	// NetworkData is a Secret holding network data for the config drive.
	NetworkData *corev1.SecretReference `json:"networkData,omitempty"`

	// MetaData is a Secret holding meta data for the config drive.
	MetaData *corev1.SecretReference `json:"metaData,omitempty"`

	// Description is free text for humans.
	Description string `json:"description,omitempty"`

	// ExternallyProvisioned means something else put the image on the host: it is adopted and
	// never deployed, but its power is still managed.
	ExternallyProvisioned bool `json:"externallyProvisioned,omitempty"`

	// AutomatedCleaningMode says whether disks are cleaned between provisionings.
	// +kubebuilder:default=metadata
	// +kubebuilder:validation:Enum=metadata;disabled
	AutomatedCleaningMode AutomatedCleaningMode `json:"automatedCleaningMode,omitempty"`

	// CustomDeploy replaces the image deployment with a custom deploy step.
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty"`

	// BootMACAddress is the MAC of the NIC the host boots from.
	// +kubebuilder:validation:Pattern=`^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$`
	BootMACAddress string `json:"bootMACAddress,omitempty"`

	// BootMode selects UEFI, UEFI with secure boot, or legacy BIOS boot.
	// +kubebuilder:validation:Enum=UEFI;UEFISecureBoot;legacy
	BootMode BootMode `json:"bootMode,omitempty"`

	// Architecture is the CPU architecture of the host, such as x86_64 or aarch64.
	Architecture string `json:"architecture,omitempty"`

	// DisablePowerOff keeps the host powered on at all times; reboots replace power-offs.
	DisablePowerOff bool `json:"disablePowerOff,omitempty"`

	// InspectionMode selects how hardware is inspected: "disabled" skips inspection, "fast"
	// inspects out of band through the BMC (Redfish, iDRAC; refused for IPMI), "agent" and ""
	// inspect out of band where the BMC driver can and skip inspection where it cannot.
	// +kubebuilder:validation:Enum="";disabled;agent;fast
	InspectionMode InspectionMode `json:"inspectionMode,omitempty"`
}

// BMCDetails is how to reach a host's baseboard management controller.
type BMCDetails struct {
	// Address is the URL of the BMC, for example ipmi://192.168.1.10 or
	// redfish://10.0.0.5/redfish/v1/Systems/1.
	// +kubebuilder:validation:MaxLength=2048
	Address string `json:"address"`

	// CredentialsName is the Secret in the host's namespace holding "username" and "password".
	CredentialsName string `json:"credentialsName"`

	// DisableCertificateVerification skips TLS verification of the BMC.
	DisableCertificateVerification bool `json:"disableCertificateVerification,omitempty"`
}

// Image is an OS image to provision.
type Image struct {
	// URL of the image.
	URL string `json:"url"`

	// Checksum of the image, or a URL of a checksum file.
	Checksum string `json:"checksum,omitempty"`

	// ChecksumType is the algorithm of Checksum; "auto" (or empty) detects it.
	// +kubebuilder:validation:Enum=md5;sha256;sha512;auto
	ChecksumType ChecksumType `json:"checksumType,omitempty"`

	// DiskFormat is the format of the image; live-iso boots the ISO without writing a disk.
	// +kubebuilder:validation:Enum=raw;qcow2;vdi;vmdk;live-iso
	DiskFormat *string `json:"format,omitempty"`
}

// IsLiveISO reports whether the image is booted as a live ISO rather than written to disk.
func (i *Image) IsLiveISO() bool {
	return i != nil && i.DiskFormat != nil && *i.DiskFormat == "live-iso"
}

// RootDeviceHints select the disk an image is written to. All given hints must match.
type RootDeviceHints struct {
	// DeviceName is a Linux device name such as /dev/vda, or a /dev/disk/by-path/ link.
	// +kubebuilder:validation:MaxLength=4096
	DeviceName string `json:"deviceName,omitempty"`
	// HCTL is the SCSI address, such as 0:0:0:0.
	HCTL string `json:"hctl,omitempty"`
	// Model is a substring of the vendor's model name.
	Model string `json:"model,omitempty"`
	// Vendor is a substring of the vendor name.
	Vendor string `json:"vendor,omitempty"`
	// SerialNumber is the disk serial number.
	SerialNumber string `json:"serialNumber,omitempty"`
	// MinSizeGigabytes is the smallest acceptable disk size.
	// +kubebuilder:validation:Minimum=0
	MinSizeGigabytes int `json:"minSizeGigabytes,omitempty"`
	// WWN is the World Wide Name.
	WWN string `json:"wwn,omitempty"`
	// WWNWithExtension is the World Wide Name with the vendor extension appended.
	WWNWithExtension string `json:"wwnWithExtension,omitempty"`
	// WWNVendorExtension is the vendor extension of the World Wide Name.
	WWNVendorExtension string `json:"wwnVendorExtension,omitempty"`
	// Rotational selects spinning (true) or solid-state (false) disks.
	Rotational *bool `json:"rotational,omitempty"`
}

// CustomDeploy names a custom deploy step that replaces the image deployment.
type CustomDeploy struct {
	// Method is the name of the custom deploy step.
	Method string `json:"method"`
}

// FirmwareConfig holds BIOS settings. Accepted for metal3 compatibility.
type FirmwareConfig struct {
	VirtualizationEnabled             *bool `json:"virtualizationEnabled,omitempty"`
	SimultaneousMultithreadingEnabled *bool `json:"simultaneousMultithreadingEnabled,omitempty"`
	SriovEnabled                      *bool `json:"sriovEnabled,omitempty"`
}

// RAIDConfig holds the RAID volumes to create. Accepted for metal3 compatibility.
//
// +kubebuilder:validation:XValidation:rule="!has(self.hardwareRAIDVolumes) || size(self.hardwareRAIDVolumes) == 0 || !has(self.softwareRAIDVolumes) || size(self.softwareRAIDVolumes) == 0",message="hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time"
// +kubebuilder:validation:XValidation:rule="!has(self.softwareRAIDVolumes) || self.softwareRAIDVolumes.filter(v, has(v.rootVolume) && v.rootVolume).size() <= 1",message="softwareRAIDVolumes[*].rootVolume can only be set once",fieldPath=".softwareRAIDVolumes"
type RAIDConfig struct {
	// +kubebuilder:validation:MaxItems=64
	HardwareRAIDVolumes []HardwareRAIDVolume `json:"hardwareRAIDVolumes,omitempty"`
	// At most two volumes; the first is the deployment device unless rootDeviceHints are given.
	// +kubebuilder:validation:MaxItems=2
	SoftwareRAIDVolumes []SoftwareRAIDVolume `json:"softwareRAIDVolumes,omitempty"`
}

// HardwareRAIDVolume is one hardware RAID volume.
//
// +kubebuilder:validation:XValidation:rule="!has(self.physicalDisks) || size(self.physicalDisks) == 0 || has(self.controller) && size(self.controller) > 0",message="'physicalDisks' specified without 'controller' in hardware RAID volume"
// +kubebuilder:validation:XValidation:rule="!has(self.physicalDisks) || size(self.physicalDisks) == 0 || !has(self.numberOfPhysicalDisks) || self.numberOfPhysicalDisks == size(self.physicalDisks)",message="the 'numberOfPhysicalDisks' and the number of 'physicalDisks' are not the same"
type HardwareRAIDVolume struct {
	// +kubebuilder:validation:Minimum=0
	SizeGibibytes *int `json:"sizeGibibytes,omitempty"`
	// +kubebuilder:validation:Enum="0";"1";"2";"5";"6";"1+0";"5+0";"6+0"
	Level string `json:"level,omitempty"`
	// +kubebuilder:validation:MaxLength=64
	Name       string `json:"name,omitempty"`
	Rotational *bool  `json:"rotational,omitempty"`
	// +kubebuilder:validation:Minimum=1
	NumberOfPhysicalDisks *int `json:"numberOfPhysicalDisks,omitempty"`
	// +kubebuilder:validation:MaxLength=256
	Controller string `json:"controller,omitempty"`
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=256
	PhysicalDisks []string `json:"physicalDisks,omitempty"`
}

// SoftwareRAIDVolume is one software RAID volume.
//
// +kubebuilder:validation:XValidation:rule="!has(self.rootVolume) || !self.rootVolume || self.level == '1'",message="softwareRAIDVolumes with rootVolume set must use RAID level 1"
type SoftwareRAIDVolume struct {
	// RootVolume makes this volume the deployment device; at most one volume may set it, and
	// not together with rootDeviceHints (metal3's field).
	RootVolume bool `json:"rootVolume,omitempty"`
	// +kubebuilder:validation:Minimum=0
	SizeGibibytes *int `json:"sizeGibibytes,omitempty"`
	// +kubebuilder:validation:Enum="0";"1";"1+0"
	Level string `json:"level,omitempty"`
	// At least two disks, as metal3.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=64
	PhysicalDisks []RootDeviceHints `json:"physicalDisks,omitempty"`
}

// AutomatedCleaningMode says whether disks are cleaned between provisionings.
type AutomatedCleaningMode string

const (
	CleaningModeMetadata AutomatedCleaningMode = "metadata"
	CleaningModeDisabled AutomatedCleaningMode = "disabled"
)

// ChecksumType is the algorithm of an image checksum.
type ChecksumType string

const (
	ChecksumMD5    ChecksumType = "md5"
	ChecksumSHA256 ChecksumType = "sha256"
	ChecksumSHA512 ChecksumType = "sha512"
	ChecksumAuto   ChecksumType = "auto"
)

// BootMode is how a host boots.
type BootMode string

const (
	BootModeUEFI           BootMode = "UEFI"
	BootModeUEFISecureBoot BootMode = "UEFISecureBoot"
	BootModeLegacy         BootMode = "legacy"
	// DefaultBootMode applies when spec.bootMode is empty.
	DefaultBootMode = BootModeUEFI
)

// InspectionMode selects how, or whether, hardware is inspected.
type InspectionMode string

const (
	InspectionModeDisabled InspectionMode = "disabled"
	InspectionModeAgent    InspectionMode = "agent"
	// InspectionModeFast inspects out of band, through the BMC driver's own inspect interface.
	InspectionModeFast InspectionMode = "fast"
)

// BareMetalHostStatus is what the controller observed and decided about a host.
type BareMetalHostStatus struct {
	// OperationalStatus summarises the host's health.
	// +kubebuilder:validation:Enum="";OK;discovered;error;delayed;detached;servicing
	OperationalStatus OperationalStatus `json:"operationalStatus"`

	// ErrorType is the kind of the most recent error; empty when there is none.
	// +kubebuilder:validation:Enum="";provisioned registration error;registration error;inspection error;preparation error;provisioning error;power management error;detach error;servicing error
	ErrorType ErrorType `json:"errorType,omitempty"`

	// LastUpdated is when the status was last written.
	LastUpdated *metav1.Time `json:"lastUpdated,omitempty"`

	// HardwareProfile is the hardware profile matched at registration (metal3's field).
	HardwareProfile string `json:"hardwareProfile,omitempty"`

	// HardwareDetails is what inspection found.
	HardwareDetails *HardwareDetails `json:"hardware,omitempty"`

	// Provisioning is where the host is in its lifecycle.
	Provisioning ProvisionStatus `json:"provisioning"`

	// GoodCredentials are the last credentials the BMC accepted.
	GoodCredentials CredentialsStatus `json:"goodCredentials,omitempty"`

	// TriedCredentials are the last credentials sent to the BMC.
	TriedCredentials CredentialsStatus `json:"triedCredentials,omitempty"`

	// ErrorMessage explains ErrorType.
	ErrorMessage string `json:"errorMessage"`

	// PoweredOn is the observed power state.
	PoweredOn bool `json:"poweredOn"`

	// OperationHistory holds when each lifecycle operation last started and ended.
	OperationHistory OperationHistory `json:"operationHistory,omitempty"`

	// ErrorCount counts consecutive failures; it resets when an operation completes.
	// +kubebuilder:validation:Minimum=0
	ErrorCount int `json:"errorCount"`

	// ProvisioningFailCount counts failed provisioning attempts of the image in
	// lastAttemptedImage (metal3's name; kept for clients that read or restore it).
	// +kubebuilder:validation:Minimum=0
	// +optional
	ProvisioningFailCount int `json:"provisioningFailCount,omitempty"`

	// LastAttemptedImage is the image of the most recent provisioning attempt.
	// +optional
	LastAttemptedImage *Image `json:"lastAttemptedImage,omitempty"`

	// Conditions state, among others, what the host waits for right now.
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// OperationalStatus summarises a host's health.
type OperationalStatus string

const (
	OperationalStatusOK         OperationalStatus = "OK"
	OperationalStatusDiscovered OperationalStatus = "discovered"
	OperationalStatusError      OperationalStatus = "error"
	OperationalStatusDelayed    OperationalStatus = "delayed"
	OperationalStatusDetached   OperationalStatus = "detached"
	OperationalStatusServicing  OperationalStatus = "servicing"
)

// ErrorType is the kind of a host's most recent error.
type ErrorType string

const (
	ProvisionedRegistrationError ErrorType = "provisioned registration error"
	RegistrationError            ErrorType = "registration error"
	InspectionError              ErrorType = "inspection error"
	PreparationError             ErrorType = "preparation error"
	ProvisioningError            ErrorType = "provisioning error"
	PowerManagementError         ErrorType = "power management error"
	DetachError                  ErrorType = "detach error"
	ServicingError               ErrorType = "servicing error"
)

// ProvisioningState is where a host is in its lifecycle, spelled as metal3 spells it.
type ProvisioningState string

const (
	StateNone                    ProvisioningState = ""
	StateUnmanaged               ProvisioningState = "unmanaged"
	StateRegistering             ProvisioningState = "registering"
	StateInspecting              ProvisioningState = "inspecting"
	StatePreparing               ProvisioningState = "preparing"
	StateAvailable               ProvisioningState = "available"
	StateProvisioning            ProvisioningState = "provisioning"
	StateProvisioned             ProvisioningState = "provisioned"
	StateDeprovisioning          ProvisioningState = "deprovisioning"
	StateExternallyProvisioned   ProvisioningState = "externally provisioned"
	StatePoweringOffBeforeDelete ProvisioningState = "powering off before delete"
	StateDeleting                ProvisioningState = "deleting"
	// StateReady and StateMatchProfile are older metal3 spellings, accepted when a status is
	// restored from metal3 and treated as available and registering.
	StateReady        ProvisioningState = "ready"
	StateMatchProfile ProvisioningState = "match profile"
)

// ProvisionStatus is where a host is in its lifecycle and what was last provisioned.
type ProvisionStatus struct {
	// State is the provisioning state.
	State ProvisioningState `json:"state,omitempty"`
	// ID is the Ironic node UUID.
	ID string `json:"ID,omitempty"`
	// Image is the image most recently provisioned.
	Image Image `json:"image,omitempty"`
	// RootDeviceHints used for the most recent provisioning.
	RootDeviceHints *RootDeviceHints `json:"rootDeviceHints,omitempty"`
	// BootMode used for the most recent provisioning.
	BootMode BootMode `json:"bootMode,omitempty"`
	// CustomDeploy used for the most recent provisioning.
	CustomDeploy *CustomDeploy `json:"customDeploy,omitempty"`
	// RAID is the RAID configuration applied to the host (metal3's field; restored from a moved
	// host's status and kept).
	RAID *RAIDConfig `json:"raid,omitempty"`
	// Firmware is the firmware configuration applied to the host (metal3's field, deprecated there).
	Firmware *FirmwareConfig `json:"firmware,omitempty"`
}

// CredentialsStatus identifies a version of the credentials Secret.
type CredentialsStatus struct {
	Reference *corev1.SecretReference `json:"credentials,omitempty"`
	Version   string                  `json:"credentialsVersion,omitempty"`
}

// Match reports whether the status names the given Secret at its current version.
func (cs CredentialsStatus) Match(secret corev1.Secret) bool {
	return cs.Reference != nil && cs.Reference.Name == secret.Name &&
		cs.Reference.Namespace == secret.Namespace && cs.Version == secret.ResourceVersion
}

// OperationMetric is when an operation started and ended.
type OperationMetric struct {
	Start metav1.Time `json:"start,omitempty"`
	End   metav1.Time `json:"end,omitempty"`
}

// OperationHistory holds when each lifecycle operation last started and ended.
type OperationHistory struct {
	Register    OperationMetric `json:"register,omitempty"`
	Inspect     OperationMetric `json:"inspect,omitempty"`
	Provision   OperationMetric `json:"provision,omitempty"`
	Deprovision OperationMetric `json:"deprovision,omitempty"`
}
