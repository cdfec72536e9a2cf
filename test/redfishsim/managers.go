package redfishsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
)

// Managers: one BMC per system, with the same id, holding a single "Cd"
// VirtualMedia device. Media can be changed with the InsertMedia and
// EjectMedia actions (what sushy uses) or with a PATCH.

var (
	transferMethods   = []string{"Stream", "Upload"}
	transferProtocols = []string{"CIFS", "FTP", "SFTP", "HTTP", "HTTPS", "NFS", "SCP", "TFTP", "OEM"}
)

func (s *Simulator) routeManagers(mux *http.ServeMux) {
	s.handle(mux, managerPattern, methods{http.MethodGet: s.getManager})
	s.handle(mux, managerPattern+"/VirtualMedia", methods{http.MethodGet: s.getVirtualMediaCollection})
	s.handle(mux, virtualCDPattern, methods{
		http.MethodGet:   s.getVirtualCD,
		http.MethodPatch: s.patchVirtualCD,
	})
	s.handle(mux, virtualCDPattern+"/Actions/VirtualMedia.InsertMedia", methods{http.MethodPost: s.insertMedia})
	s.handle(mux, virtualCDPattern+"/Actions/VirtualMedia.EjectMedia", methods{http.MethodPost: s.ejectMedia})
}

func managerPath(sys *system) string { return managersPath + "/" + sys.id }

func (s *Simulator) getManager(rq *request) response {
	sys := rq.sys
	p := managerPath(sys)
	body := resource("#Manager.v1_5_0.Manager", p, sys.id, "Simulated BMC "+sys.id)
	body["ManagerType"] = "BMC"
	body["UUID"] = nameUUID("manager/" + sys.id)
	body["Manufacturer"] = manufacturer
	body["Model"] = model
	body["FirmwareVersion"] = "1.0.0"
	body["PowerState"] = powerOn
	body["Status"] = statusOK()
	body["VirtualMedia"] = link(p + "/VirtualMedia")
	body["Links"] = obj{
		"ManagerForServers": links(sysPath(sys)),
		"ManagerForChassis": links(chassisPath + "/" + sys.id),
	}
	return ok(body)
}

func (s *Simulator) getVirtualMediaCollection(rq *request) response {
	p := managerPath(rq.sys) + "/VirtualMedia"
	return ok(collection("VirtualMediaCollection", p, "Virtual Media Services", []string{p + "/Cd"}))
}

func (s *Simulator) getVirtualCD(rq *request) response {
	p := managerPath(rq.sys) + "/VirtualMedia/Cd"
	m := rq.sys.media
	body := resource("#VirtualMedia.v1_3_0.VirtualMedia", p, "Cd", "Virtual CD")
	body["MediaTypes"] = []string{"CD", "DVD"}
	body["Image"] = nullable(m.image)
	body["ImageName"] = nullable(imageName(m.image))
	body["Inserted"] = m.inserted
	body["WriteProtected"] = m.writeProtected
	body["ConnectedVia"] = "NotConnected"
	if m.inserted {
		body["ConnectedVia"] = "URI"
	}
	body["TransferMethod"] = nullable(m.transferMethod)
	body["TransferProtocolType"] = nullable(m.transferProtocol)
	body["UserName"] = nullable(m.userName)
	body["Password"] = nil // never returned
	body["Status"] = statusOK()
	body["Actions"] = obj{
		"#VirtualMedia.InsertMedia": obj{"target": p + "/Actions/VirtualMedia.InsertMedia"},
		"#VirtualMedia.EjectMedia":  obj{"target": p + "/Actions/VirtualMedia.EjectMedia"},
	}
	return ok(body)
}

// imageName is the last path element of an image URL.
func imageName(image string) string {
	u, err := url.Parse(image)
	if err != nil || u.Path == "" {
		return ""
	}
	if name := path.Base(u.Path); name != "/" && name != "." {
		return name
	}
	return ""
}

// validImage checks that an image is an absolute URL.
func validImage(name, image string, kind fieldKind) error {
	if u, err := url.Parse(image); err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") {
		return nil
	}
	id := "PropertyValueFormatError"
	if kind == parameter {
		id = "ActionParameterValueFormatError"
	}
	return apiErrorf(http.StatusBadRequest, id,
		"The value %q for %s is not an absolute URL.", image, name)
}

// insertMedia implements VirtualMedia.InsertMedia. Inserting over an
// inserted image replaces it.
func (s *Simulator) insertMedia(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, parameter, "Image", "Inserted", "WriteProtected",
		"TransferMethod", "TransferProtocolType", "UserName", "Password"); err != nil {
		return fail(err)
	}
	raw, err := requireParameter(doc, "Image")
	if err != nil {
		return fail(err)
	}
	m := virtualMedia{inserted: true, writeProtected: true}
	if m.image, err = stringField("Image", raw, parameter); err != nil {
		return fail(err)
	}
	if err := validImage("Image", m.image, parameter); err != nil {
		return fail(err)
	}
	bools := map[string]*bool{"Inserted": &m.inserted, "WriteProtected": &m.writeProtected}
	for name, dst := range bools {
		if raw, present := doc[name]; present {
			if *dst, err = boolField(name, raw, parameter); err != nil {
				return fail(err)
			}
		}
	}
	strs := []struct {
		name    string
		allowed []string
		dst     *string
	}{
		{"TransferMethod", transferMethods, &m.transferMethod},
		{"TransferProtocolType", transferProtocols, &m.transferProtocol},
		{"UserName", nil, &m.userName},
		{"Password", nil, new(string)},
	}
	for _, f := range strs {
		if raw, present := doc[f.name]; present {
			if *f.dst, err = stringField(f.name, raw, parameter, f.allowed...); err != nil {
				return fail(err)
			}
		}
	}
	rq.sys.media = m
	return noContent()
}

// ejectMedia implements VirtualMedia.EjectMedia (an empty body or {}).
// Ejecting an empty drive succeeds.
func (s *Simulator) ejectMedia(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if err := checkKnown(doc, parameter); err != nil {
		return fail(err)
	}
	rq.sys.media = virtualMedia{writeProtected: true}
	return noContent()
}

// patchVirtualCD accepts Image (a URL, or null/"" to eject), Inserted and
// WriteProtected. Setting an Image without Inserted inserts it.
func (s *Simulator) patchVirtualCD(rq *request) response {
	doc, err := decodeObject(rq.body)
	if err != nil {
		return fail(err)
	}
	if len(doc) == 0 {
		return noOperation()
	}
	if err := checkKnown(doc, property, "Image", "Inserted", "WriteProtected"); err != nil {
		return fail(err)
	}
	m := rq.sys.media
	if raw, present := doc["Image"]; present {
		var image *string
		if err := json.Unmarshal(raw, &image); err != nil {
			return fail(typeError("Image", raw, property))
		}
		if image == nil || *image == "" {
			m = virtualMedia{writeProtected: m.writeProtected}
		} else {
			if err := validImage("Image", *image, property); err != nil {
				return fail(err)
			}
			m.image, m.inserted = *image, true
		}
	}
	if raw, present := doc["Inserted"]; present {
		if m.inserted, err = boolField("Inserted", raw, property); err != nil {
			return fail(err)
		}
	}
	if raw, present := doc["WriteProtected"]; present {
		if m.writeProtected, err = boolField("WriteProtected", raw, property); err != nil {
			return fail(err)
		}
	}
	if m.inserted && m.image == "" {
		return apiErrorf(http.StatusBadRequest, "PropertyValueConflict",
			"The property Inserted cannot be true without an Image.").response()
	}
	rq.sys.media = m
	return noContent()
}
