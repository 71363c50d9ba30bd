"""What the volumes and the snapshots hold: real files on disk, a directory each.

  <state>/volumes/<pv>/         the PersistentVolume's filesystem (what a pod would see at its mount)
  <state>/snapshots/<id>/       a CSI snapshot: a copy of its volume when it was cut
  <state>/store.json            bookkeeping: which seeds were taken, which snapshot handle is which directory

The backup repositories are real restic repositories in the loopback S3 server (restic_mover.py); nothing about them
is kept here. Copies are made the way the real components copy bytes: a snapshot captures its volume, a volume
provisioned from a snapshot or cloned from a claim gets those files, an app "writes" by replacing its files, and a
restore is whatever restic wrote. The tests read the directories (content, digest) to check what a claim holds.

An app's data is made from a seed {files, token}: `token.txt` holds the token, and files-1 more files of bytes derived
from the token (sizes from 100 B to 6 KiB, and one of 1.5 MiB that restic's chunker splits), so that two tokens give
different bytes and the same token the same bytes.
"""
import hashlib
import json
import os
import shutil
import sys
import threading

TOKEN_FILE = "token.txt"
IGNORED = {"lost+found"}


def materialize(directory, files, token):
    """Writes an app's data into an empty directory (see the module doc)."""
    os.makedirs(directory, exist_ok=True)
    if files <= 0:
        return
    with open(os.path.join(directory, TOKEN_FILE), "w") as f:
        f.write(token + "\n")
    data = os.path.join(directory, "data")
    for i in range(1, files):
        seed = hashlib.sha256(f"{token}/{i}".encode()).digest()
        size = 1536 * 1024 if i == 1 else 100 + int.from_bytes(seed[:2], "big") % 6000
        sub = os.path.join(data, f"d{i % 7}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{i:04d}.bin"), "wb") as f:
            block = hashlib.sha256(seed).digest() * 64   # 2 KiB of the seed's bytes, repeated with a counter
            written = 0
            n = 0
            while written < size:
                chunk = (block + n.to_bytes(4, "big"))[: size - written]
                f.write(chunk)
                written += len(chunk)
                n += 1


def walk_files(directory):
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not (root == directory and d in IGNORED))
        for name in sorted(names):
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield os.path.relpath(path, directory), path


def content(directory):
    """{files, token}: the number of regular files and the token the app wrote (empty for an empty volume)."""
    if not os.path.isdir(directory):
        return {"files": 0, "token": ""}
    files = list(walk_files(directory))
    token = ""
    tp = os.path.join(directory, TOKEN_FILE)
    if os.path.isfile(tp):
        with open(tp) as f:
            token = f.read().strip()
    return {"files": len(files), "token": token}


def digest(directory):
    """One line per regular file, "<sha256>  <path>", sorted by path: what `sha256sum` prints for every file."""
    out = []
    for rel, path in walk_files(directory):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        out.append(f"{h.hexdigest()}  {rel}")
    return "\n".join(out)


def replace_dir(directory, source=None):
    """Empties the directory and, with a source directory, copies its files in (metadata included)."""
    if os.path.isdir(directory):
        shutil.rmtree(directory)
    if source and os.path.isdir(source):
        shutil.copytree(source, directory, symlinks=True)
    else:
        os.makedirs(directory, exist_ok=True)


class Store:
    def __init__(self, path):
        self.path = path
        self.root = os.path.dirname(os.path.abspath(path))
        self.lock = threading.Lock()
        if os.path.exists(path):
            with open(path) as f:
                self.data = json.load(f)
        else:
            self.data = {}
        for k in ("seeds", "snapshots"):
            self.data.setdefault(k, {})

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    # volumes (by PV name)
    def volume_dir(self, pv):
        """The volume's directory. A static PV (not provisioned here) holds what the world seeded for it."""
        d = os.path.join(self.root, "volumes", pv)
        if not os.path.isdir(d):
            seed = self.seeds().get(f"pv:{pv}")
            os.makedirs(d, exist_ok=True)
            if seed:
                materialize(d, seed["files"], seed["token"])
        return d

    def volume(self, pv):
        return content(self.volume_dir(pv))

    def seeds(self):
        try:
            with open(os.path.join(self.root, "seeds.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def fill_volume(self, pv, source_dir=None, seed=None):
        """A new volume: a copy of source_dir (a snapshot's or a clone source's files; "" for a source that holds
        nothing), else an app's seed, else empty."""
        d = os.path.join(self.root, "volumes", pv)
        replace_dir(d, source_dir or None)
        if seed and source_dir is None:
            materialize(d, seed["files"], seed["token"])

    def write_volume(self, pv, files, token):
        """An app replaces what its volume holds."""
        d = self.volume_dir(pv)
        replace_dir(d)
        materialize(d, files, token)

    def drop_volume(self, pv):
        shutil.rmtree(os.path.join(self.root, "volumes", pv), ignore_errors=True)

    # what an app wrote into its claim before the migration (world.py writes seeds.json), taken up when the claim's
    # PV is provisioned
    def seed_for(self, claim_key):
        if claim_key in self.data["seeds"]:
            return None   # taken already: a re-created claim starts empty
        seed = self.seeds().get(claim_key)
        if seed is not None:
            self.data["seeds"][claim_key] = "taken"
            self.save()
        return seed

    # snapshots (by snapshot handle)
    def snapshot_dir(self, handle):
        name = self.data["snapshots"].get(handle)
        d = os.path.join(self.root, "snapshots", name) if name else None
        return d if d and os.path.isdir(d) else None

    def cut_snapshot(self, handle, pv):
        name = hashlib.sha256(handle.encode()).hexdigest()[:16]
        replace_dir(os.path.join(self.root, "snapshots", name), self.volume_dir(pv))
        self.data["snapshots"][handle] = name
        self.save()

    def drop_snapshot(self, handle):
        name = self.data["snapshots"].pop(handle, None)
        if name:
            shutil.rmtree(os.path.join(self.root, "snapshots", name), ignore_errors=True)
        self.save()


if __name__ == "__main__":
    # For the harness: store.py content|digest <state dir> <pv>  ("files token", or sha256sum lines)
    what, state, pv = sys.argv[1:4]
    d = os.path.join(state, "volumes", pv)
    if what == "content":
        c = content(d)
        print(c["files"], c["token"])
    elif what == "digest":
        print(digest(d))
    else:
        sys.exit(f"unknown: {what}")
