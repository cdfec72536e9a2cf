package redfishsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Read-only hardware inventory used by Ironic's redfish inspection:
// one processor, one NIC per MAC, and one 100 GiB disk seen through both
// SimpleStorage and Storage (as a drive and as a volume).

func (s *Simulator) routeInventory(mux *http.ServeMux) {
	get := func(fn resourceFunc) methods { return methods{http.MethodGet: fn} }
	s.handle(mux, systemPattern+"/Processors", get(s.getProcessors))
	s.handle(mux, systemPattern+"/Processors/CPU0", get(s.getProcessor))
	s.handle(mux, systemPattern+"/EthernetInterfaces", get(s.getEthernetInterfaces))
	s.handle(mux, systemPattern+"/EthernetInterfaces/{nic}", get(s.getEthernetInterface))
	s.handle(mux, systemPattern+"/SimpleStorage", get(s.getSimpleStorages))
	s.handle(mux, systemPattern+"/SimpleStorage/1", get(s.getSimpleStorage))
	s.handle(mux, systemPattern+"/Storage", get(s.getStorages))
	s.handle(mux, systemPattern+"/Storage/1", get(s.getStorage))
	s.handle(mux, systemPattern+"/Storage/1/Drives/0", get(s.getDrive))
	s.handle(mux, systemPattern+"/Storage/1/Volumes", get(s.getVolumes))
	s.handle(mux, systemPattern+"/Storage/1/Volumes/1", get(s.getVolume))
}

func sysPath(sys *system) string { return systemsPath + "/" + sys.id }

func (s *Simulator) getProcessors(rq *request) response {
	p := sysPath(rq.sys) + "/Processors"
	return ok(collection("ProcessorCollection", p, "Processors Collection", []string{p + "/CPU0"}))
}

func (s *Simulator) getProcessor(rq *request) response {
	body := resource("#Processor.v1_7_0.Processor", sysPath(rq.sys)+"/Processors/CPU0", "CPU0", "Processor")
	body["Socket"] = "CPU 0"
	body["ProcessorType"] = "CPU"
	body["ProcessorArchitecture"] = "x86"
	body["InstructionSet"] = "x86-64"
	body["Manufacturer"] = manufacturer
	body["Model"] = cpuModel
	body["MaxSpeedMHz"] = cpuSpeedMHz
	body["TotalCores"] = cpuCores
	body["TotalThreads"] = cpuThreads
	body["Status"] = statusOK()
	return ok(body)
}

func (s *Simulator) getEthernetInterfaces(rq *request) response {
	p := sysPath(rq.sys) + "/EthernetInterfaces"
	members := make([]string, len(rq.sys.macs))
	for i := range rq.sys.macs {
		members[i] = fmt.Sprintf("%s/NIC%d", p, i)
	}
	return ok(collection("EthernetInterfaceCollection", p, "Ethernet Interface Collection", members))
}

func (s *Simulator) getEthernetInterface(rq *request) response {
	nic := rq.PathValue("nic")
	rest, found := strings.CutPrefix(nic, "NIC")
	i, err := strconv.Atoi(rest)
	if !found || err != nil || strconv.Itoa(i) != rest || i < 0 || i >= len(rq.sys.macs) {
		return notFound(rq.URL.Path)
	}
	mac := rq.sys.macs[i]
	body := resource("#EthernetInterface.v1_5_1.EthernetInterface", sysPath(rq.sys)+"/EthernetInterfaces/"+nic, nic, "Ethernet Interface "+nic)
	body["MACAddress"] = mac
	body["PermanentMACAddress"] = mac
	body["SpeedMbps"] = 1000
	body["FullDuplex"] = true
	body["LinkStatus"] = "LinkUp"
	body["InterfaceEnabled"] = true
	body["Status"] = statusOK()
	return ok(body)
}

func (s *Simulator) getSimpleStorages(rq *request) response {
	p := sysPath(rq.sys) + "/SimpleStorage"
	return ok(collection("SimpleStorageCollection", p, "Simple Storage Collection", []string{p + "/1"}))
}

func (s *Simulator) getSimpleStorage(rq *request) response {
	body := resource("#SimpleStorage.v1_2_0.SimpleStorage", sysPath(rq.sys)+"/SimpleStorage/1", "1", "Simple Storage Controller")
	body["Devices"] = []obj{{
		"Name":          "disk0",
		"Manufacturer":  manufacturer,
		"Model":         "Simulated Disk",
		"CapacityBytes": diskBytes,
		"Status":        statusOK(),
	}}
	body["Status"] = statusOK()
	return ok(body)
}

func (s *Simulator) getStorages(rq *request) response {
	p := sysPath(rq.sys) + "/Storage"
	return ok(collection("StorageCollection", p, "Storage Collection", []string{p + "/1"}))
}

func (s *Simulator) getStorage(rq *request) response {
	p := sysPath(rq.sys) + "/Storage/1"
	body := resource("#Storage.v1_7_1.Storage", p, "1", "Storage Subsystem")
	body["Drives"] = links(p + "/Drives/0")
	body["Drives@odata.count"] = 1
	body["Volumes"] = link(p + "/Volumes")
	body["StorageControllers"] = []obj{{
		"@odata.id":                    p + "#/StorageControllers/0",
		"MemberId":                     "0",
		"Name":                         "Storage Controller 0",
		"Manufacturer":                 manufacturer,
		"SupportedControllerProtocols": []string{"PCIe"},
		"SupportedDeviceProtocols":     []string{"SATA"},
		"SupportedRAIDTypes":           []string{"RAID0"},
		"Status":                       statusOK(),
	}}
	body["Status"] = statusOK()
	return ok(body)
}

func (s *Simulator) getDrive(rq *request) response {
	p := sysPath(rq.sys) + "/Storage/1"
	body := resource("#Drive.v1_7_0.Drive", p+"/Drives/0", "0", "Drive 0")
	body["Manufacturer"] = manufacturer
	body["Model"] = "Simulated Disk"
	body["SerialNumber"] = rq.sys.serial + "-D0"
	body["CapacityBytes"] = diskBytes
	body["BlockSizeBytes"] = diskBlockBytes
	body["MediaType"] = "SSD"
	body["Protocol"] = "SATA"
	body["IndicatorLED"] = "Off"
	body["Status"] = statusOK()
	body["Links"] = obj{"Volumes": links(p + "/Volumes/1")}
	return ok(body)
}

func (s *Simulator) getVolumes(rq *request) response {
	p := sysPath(rq.sys) + "/Storage/1/Volumes"
	return ok(collection("VolumeCollection", p, "Volume Collection", []string{p + "/1"}))
}

func (s *Simulator) getVolume(rq *request) response {
	p := sysPath(rq.sys) + "/Storage/1"
	body := resource("#Volume.v1_4_0.Volume", p+"/Volumes/1", "1", "Volume 1")
	body["CapacityBytes"] = diskBytes
	body["BlockSizeBytes"] = diskBlockBytes
	body["VolumeType"] = "NonRedundant"
	body["RAIDType"] = "RAID0"
	body["Encrypted"] = false
	body["Status"] = statusOK()
	body["Links"] = obj{"Drives": links(p + "/Drives/0")}
	return ok(body)
}
