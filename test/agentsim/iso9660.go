package agentsim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// isoSector is the ISO 9660 logical block size every image Ironic builds uses.
const isoSector = 2048

// readISOFiles returns the regular files of an ISO 9660 image by their slash-separated path
// ("openstack/latest/meta_data.json"). It reads the primary volume descriptor's directory
// tree and takes names from Rock Ridge NM entries when present (genisoimage -r), otherwise
// from the ISO identifier without its ";1" version and a trailing dot. Enough for the config
// drives openstacksdk builds; no multi-extent files, no Joliet.
func readISOFiles(img []byte) (map[string][]byte, error) {
	root, err := isoRootRecord(img)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	seen := map[uint32]bool{}
	var walk func(extent, size uint32, prefix string, depth int) error
	walk = func(extent, size uint32, prefix string, depth int) error {
		if depth > 16 || seen[extent] {
			return errors.New("iso9660: directory loop or too deep")
		}
		seen[extent] = true
		dir, err := isoSlice(img, extent, size)
		if err != nil {
			return err
		}
		for off := 0; off < len(dir); {
			n := int(dir[off])
			if n == 0 { // records do not cross sectors: skip to the next one
				off = (off/isoSector + 1) * isoSector
				continue
			}
			if off+n > len(dir) || n < 34 {
				return errors.New("iso9660: truncated directory record")
			}
			rec := dir[off : off+n]
			off += n
			name, isDir, ok := isoRecordName(rec)
			if !ok { // "." and ".."
				continue
			}
			ext, sz := binary.LittleEndian.Uint32(rec[2:6]), binary.LittleEndian.Uint32(rec[10:14])
			if isDir {
				if err := walk(ext, sz, prefix+name+"/", depth+1); err != nil {
					return err
				}
				continue
			}
			data, err := isoSlice(img, ext, sz)
			if err != nil {
				return err
			}
			files[prefix+name] = data
		}
		return nil
	}
	if err := walk(root[0], root[1], "", 0); err != nil {
		return nil, err
	}
	return files, nil
}

// isoRootRecord finds the primary volume descriptor and returns the root directory's
// extent and size.
func isoRootRecord(img []byte) ([2]uint32, error) {
	for s := 16; (s+1)*isoSector <= len(img); s++ {
		vd := img[s*isoSector : (s+1)*isoSector]
		if string(vd[1:6]) != "CD001" {
			return [2]uint32{}, errors.New("iso9660: no volume descriptor")
		}
		switch vd[0] {
		case 1: // primary
			rec := vd[156 : 156+34]
			return [2]uint32{binary.LittleEndian.Uint32(rec[2:6]), binary.LittleEndian.Uint32(rec[10:14])}, nil
		case 255: // terminator
			return [2]uint32{}, errors.New("iso9660: no primary volume descriptor")
		}
	}
	return [2]uint32{}, errors.New("iso9660: image too short")
}

func isoSlice(img []byte, extent, size uint32) ([]byte, error) {
	start := uint64(extent) * isoSector
	end := start + uint64(size)
	if end > uint64(len(img)) {
		return nil, fmt.Errorf("iso9660: extent %d (+%d bytes) beyond the image", extent, size)
	}
	return img[start:end], nil
}

// isoRecordName returns a directory record's file name, whether it is a directory, and false
// for the "." and ".." entries.
func isoRecordName(rec []byte) (string, bool, bool) {
	isDir := rec[25]&0x02 != 0
	idLen := int(rec[32])
	if 33+idLen > len(rec) {
		return "", false, false
	}
	id := rec[33 : 33+idLen]
	if idLen == 1 && (id[0] == 0 || id[0] == 1) {
		return "", false, false
	}
	su := 33 + idLen
	if idLen%2 == 0 { // padding byte keeps the system use area even
		su++
	}
	if su < len(rec) {
		if nm := rockRidgeName(rec[su:]); nm != "" {
			return nm, isDir, true
		}
	}
	name := string(id)
	if i := strings.IndexByte(name, ';'); i >= 0 {
		name = name[:i]
	}
	return strings.TrimSuffix(name, "."), isDir, true
}

// rockRidgeName concatenates the NM entries of a system use area ("" when there are none).
func rockRidgeName(su []byte) string {
	var b strings.Builder
	for len(su) >= 4 {
		sig, n := string(su[0:2]), int(su[2])
		if n < 4 || n > len(su) {
			break
		}
		if sig == "NM" && n >= 5 {
			b.Write(su[5:n])
		}
		su = su[n:]
	}
	return b.String()
}
