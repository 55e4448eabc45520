#!/usr/bin/env python3
"""make-image.py ROOTFS OUT.tar NAME:TAG

Writes an image archive of the directory ROOTFS, one uncompressed layer,
readable by all three clients: an OCI image layout (oci-layout, index.json,
blobs/sha256/...) for `ctr image import` and `podman load`, plus the
manifest.json of `docker save` pointing at the same blobs for `docker load`.
Built locally: no image is ever pulled.
"""
import hashlib
import io
import json
import sys
import tarfile


def blob(tar, data):
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest)
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
    return digest


def main():
    rootfs, out, ref = sys.argv[1:4]
    name, _, tag = ref.rpartition(":")
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as layer:
        layer.add(rootfs, arcname=".", filter=lambda ti: (setattr(ti, "mtime", 0), ti)[1])
    layer_data = layer_buf.getvalue()
    layer_digest = hashlib.sha256(layer_data).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["sh"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_digest]},
        "history": [{"created_by": "tests/clients/make-image.py"}],
    }
    with tarfile.open(out, "w") as tar:
        blob(tar, layer_data)
        config_data = json.dumps(config).encode()
        config_digest = blob(tar, config_data)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + config_digest, "size": len(config_data)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": "sha256:" + layer_digest, "size": len(layer_data)}],
        }
        manifest_data = json.dumps(manifest).encode()
        manifest_digest = blob(tar, manifest_data)
        full = name if "/" in name else "docker.io/library/" + name
        index = {"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:" + manifest_digest, "size": len(manifest_data),
            "annotations": {"io.containerd.image.name": full + ":" + tag,
                            "org.opencontainers.image.ref.name": tag}}]}
        docker_manifest = [{"Config": "blobs/sha256/" + config_digest,
                            "RepoTags": [ref], "Layers": ["blobs/sha256/" + layer_digest]}]
        for fname, obj in (("oci-layout", {"imageLayoutVersion": "1.0.0"}),
                           ("index.json", index), ("manifest.json", docker_manifest)):
            data = json.dumps(obj).encode()
            info = tarfile.TarInfo(fname)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
