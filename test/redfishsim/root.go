package redfishsim

import "net/http"

// redfishVersion is the protocol version the service root claims.
const redfishVersion = "1.6.0"

func (s *Simulator) routeRoot(mux *http.ServeMux) {
	s.handle(mux, redfishPath, methods{http.MethodGet: func(*request) response {
		return ok(obj{"v1": rootPath + "/"})
	}})
	s.handle(mux, rootPath, methods{http.MethodGet: s.getServiceRoot})
	s.handle(mux, systemsPath, methods{http.MethodGet: s.memberList("ComputerSystemCollection", systemsPath, "Computer System Collection")})
	s.handle(mux, managersPath, methods{http.MethodGet: s.memberList("ManagerCollection", managersPath, "Manager Collection")})
	s.handle(mux, chassisPath, methods{http.MethodGet: s.memberList("ChassisCollection", chassisPath, "Chassis Collection")})
}

func (s *Simulator) getServiceRoot(*request) response {
	body := resource("#ServiceRoot.v1_5_0.ServiceRoot", rootPath+"/", "RootService", "Root Service")
	body["RedfishVersion"] = redfishVersion
	body["UUID"] = nameUUID("service-root")
	body["Product"] = model
	body["Vendor"] = manufacturer
	body["Systems"] = link(systemsPath)
	body["Managers"] = link(managersPath)
	body["Chassis"] = link(chassisPath)
	body["SessionService"] = link(sessionSvcPath)
	body["Links"] = obj{"Sessions": link(sessionsPath)}
	body["ProtocolFeaturesSupported"] = obj{
		"ExpandQuery":     obj{"ExpandAll": false, "Levels": false, "Links": false, "NoLinks": false},
		"FilterQuery":     false,
		"SelectQuery":     false,
		"OnlyMemberQuery": false,
		"ExcerptQuery":    false,
	}
	return ok(body)
}

// memberList serves a collection with one member per system: Systems,
// Managers and Chassis share the system ids.
func (s *Simulator) memberList(typeName, path, name string) resourceFunc {
	return func(*request) response {
		members := make([]string, 0, len(s.ids))
		for _, id := range s.ids {
			members = append(members, path+"/"+id)
		}
		return ok(collection(typeName, path, name, members))
	}
}
