package ironictest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// createDatabase puts a fresh Ironic database at dbPath. `ironic-dbsync create_schema` costs
// ~6 s of Python start-up, so the empty schema is made once per Ironic version into the shared
// tool cache and copied from there.
func createDatabase(confPath, dbPath string) error {
	template, err := schemaTemplate(confPath)
	if err != nil {
		return err
	}
	return copyFile(template, dbPath)
}

func schemaTemplate(confPath string) (string, error) {
	return cachedSchema("ironic-schema", "python3-ironic", confPath, "ironic.sqlite", func(conf string) error {
		if out, err := exec.Command("ironic-dbsync", "--config-file", conf, "create_schema").CombinedOutput(); err != nil {
			return fmt.Errorf("ironic-dbsync create_schema: %w: %s", err, out)
		}
		return nil
	})
}

// cachedSchema returns the path of an empty database made once per version of the Debian
// package pkg into the tool cache directory kind: build runs the service's dbsync with a copy
// of confPath whose "connection = sqlite:///" line points at a scratch dbName.
func cachedSchema(kind, pkg, confPath, dbName string, build func(scratchConf string) error) (string, error) {
	version, err := packageVersion(pkg)
	if err != nil {
		return "", err
	}
	cache := os.Getenv("METALKUBE_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(base, "metalkube")
	}
	template := filepath.Join(cache, kind, version+".sqlite")
	if _, err := os.Stat(template); err == nil {
		return template, nil
	}
	if err := os.MkdirAll(filepath.Dir(template), 0o755); err != nil {
		return "", err
	}
	// Build in a scratch copy of the config pointing at a scratch database, then rename into
	// place, so concurrent test packages never see a half-written template.
	scratch, err := os.MkdirTemp(filepath.Dir(template), "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(scratch)
	conf, err := os.ReadFile(confPath)
	if err != nil {
		return "", err
	}
	db := filepath.Join(scratch, dbName)
	var lines []string
	for _, l := range strings.Split(string(conf), "\n") {
		if strings.HasPrefix(l, "connection = sqlite:///") {
			l = "connection = sqlite:///" + db
		}
		lines = append(lines, l)
	}
	scratchConf := filepath.Join(scratch, filepath.Base(confPath))
	if err := os.WriteFile(scratchConf, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		return "", err
	}
	if err := build(scratchConf); err != nil {
		return "", err
	}
	// WAL lets the API and conductor threads read while one writes; the mode persists in the file.
	if out, err := exec.Command("sqlite3", db, "PRAGMA journal_mode=WAL;").CombinedOutput(); err != nil {
		return "", fmt.Errorf("sqlite3 journal_mode=WAL: %w: %s", err, out)
	}
	if err := os.Rename(db, template); err != nil {
		return "", err
	}
	return template, nil
}

// packageVersion is the installed version of a Debian package, keying a schema cache.
func packageVersion(pkg string) (string, error) {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("%s is not installed: %w", pkg, err)
	}
	return strings.NewReplacer(":", "_", "/", "_").Replace(strings.TrimSpace(string(out))), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
