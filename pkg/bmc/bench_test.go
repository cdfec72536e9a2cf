package bmc_test

import (
	"testing"

	"github.com/metalkube/metalkube/pkg/bmc"
)

func BenchmarkParse(b *testing.B) {
	addresses := []string{
		"192.168.122.1:6230",
		"ipmi://[fe80::1]:623",
		"redfish-virtualmedia+https://bmc.example.com/redfish/v1/Systems/1",
		"idrac-redfish://10.0.0.1/redfish/v1/Systems/System.Embedded.1",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, err := bmc.Parse(addresses[i%len(addresses)], true)
		if err != nil {
			b.Fatal(err)
		}
		_ = a.DriverInfo(bmc.Credentials{Username: "u", Password: "p"})
	}
}
