package main

import (
	"strings"
	"testing"
)

func TestBothControllersRunByDefault(t *testing.T) {
	o, err := parseOptions([]string{"--ironic-endpoint=http://ironic.test:6385"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.enableHosts || !o.enableMachines || o.machineWorkers != 4 {
		t.Errorf("enableHosts %v enableMachines %v machineWorkers %d", o.enableHosts, o.enableMachines, o.machineWorkers)
	}
}

func TestEachControllerCanBeSwitchedOff(t *testing.T) {
	o, err := parseOptions([]string{"--enable-host-controller=false"})
	if err != nil {
		t.Fatalf("the actuator alone needs no Ironic, but: %v", err)
	}
	if o.enableHosts || !o.enableMachines {
		t.Errorf("enableHosts %v enableMachines %v", o.enableHosts, o.enableMachines)
	}

	t.Setenv("ENABLE_MACHINE_ACTUATOR", "false")
	t.Setenv("MACHINE_WORKERS", "2")
	o, err = parseOptions([]string{"--ironic-endpoint=http://ironic.test:6385"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.enableHosts || o.enableMachines || o.machineWorkers != 2 {
		t.Errorf("from the environment: enableHosts %v enableMachines %v machineWorkers %d", o.enableHosts, o.enableMachines, o.machineWorkers)
	}

	o, err = parseOptions([]string{"--ironic-endpoint=http://ironic.test:6385", "--enable-machine-actuator=true"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.enableMachines {
		t.Error("a flag does not win over the environment")
	}
}

func TestNothingToRunIsAnError(t *testing.T) {
	_, err := parseOptions([]string{"--enable-host-controller=false", "--enable-machine-actuator=false"})
	if err == nil || !strings.Contains(err.Error(), "nothing to run") {
		t.Errorf("err = %v", err)
	}
	if _, err := parseOptions([]string{"--machine-workers=0", "--ironic-endpoint=http://x"}); err == nil {
		t.Error("zero machine workers accepted")
	}
	if _, err := parseOptions(nil); err == nil || !strings.Contains(err.Error(), "--ironic-endpoint") {
		t.Errorf("the host controller without Ironic: err = %v", err)
	}
}

func TestMetricsAreSecureInAClusterAndPlainLocally(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		secure bool
	}{
		{"in a cluster", nil, nil, true},
		{"a local run", []string{"--kubeconfig=/tmp/kubeconfig"}, nil, false},
		{"a local run asking for HTTPS", []string{"--kubeconfig=/tmp/kubeconfig", "--metrics-secure"}, nil, true},
		{"plain HTTP in a cluster from the environment", nil, map[string]string{"METRICS_SECURE": "false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			o, err := parseOptions(append([]string{"--ironic-endpoint=http://ironic.test:6385"}, tc.args...))
			if err != nil {
				t.Fatal(err)
			}
			if o.metricsSecure != tc.secure {
				t.Errorf("metricsSecure = %v, want %v", o.metricsSecure, tc.secure)
			}
		})
	}
	if _, err := parseOptions([]string{"--ironic-endpoint=http://x", "--metrics-cert-file=/tls.crt"}); err == nil {
		t.Error("a certificate without its key accepted")
	}
}

func TestDeployRamdiskAndInspectorOptions(t *testing.T) {
	t.Setenv("DEPLOY_KERNEL_URL", "http://images.test/ipa.kernel")
	t.Setenv("DEPLOY_RAMDISK_URL", "http://images.test/ipa.initramfs")
	t.Setenv("IRONIC_INSPECTOR", "true")
	o, err := parseOptions([]string{"--ironic-endpoint=http://ironic.test:6385", "--deploy-iso-url=http://images.test/ipa.iso"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.inspector || o.deployKernelURL != "http://images.test/ipa.kernel" || o.deployRamdiskURL != "http://images.test/ipa.initramfs" ||
		o.deployISOURL != "http://images.test/ipa.iso" {
		t.Errorf("options = %+v", o)
	}
	for _, args := range [][]string{
		{"--ironic-endpoint=http://x", "--deploy-kernel-url=http://k", "--deploy-ramdisk-url="},
		{"--ironic-endpoint=http://x", "--deploy-kernel-url=", "--deploy-ramdisk-url=http://r"},
	} {
		if _, err := parseOptions(args); err == nil || !strings.Contains(err.Error(), "go together") {
			t.Errorf("%v: err = %v, want the kernel and ramdisk to go together", args, err)
		}
	}
}
