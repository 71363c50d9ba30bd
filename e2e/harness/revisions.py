#!/usr/bin/env python3
"""Where a write sits in the cluster's one order of writes: the storage revision, read from kine's SQLite file.

Ordering checks ("the destination restored before the PVC was created") cannot use the objects' timestamps: the API
server stores creationTimestamp and managedFields times to the second, and two writes of an up are often within
one. Every write to the API server's storage gets the next revision of one counter (etcd's revision; kine, which
plays etcd here, keeps it as the id of the row it appends, and a row that updates an object carries the revision that
created it, `COALESCE(NULLIF(create_revision, 0), id)` of the row before: k3s-io/kine v0.17.5
pkg/drivers/generic/generic.go). So "A before B" is
"revision of A < revision of B", exactly. Read-only: the database is opened with mode=ro.

Usage: revisions.py DB created KEY                 revision that created the object now stored at KEY
       revisions.py DB first KEY FIELD VALUE       revision of the earliest stored write of KEY whose FIELD
                                                   (dotted path in the object, e.g. status.lastManualSync) is VALUE
KEY is the storage key, e.g. /registry/persistentvolumeclaims/<ns>/<name>. Prints the revision, or exits 1.
"""
import json
import sqlite3
import sys


def rows(db, key):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT id, created, deleted, create_revision, value FROM kine WHERE name = ? ORDER BY id",
                           (key,)).fetchall()
    finally:
        con.close()


def created(db, key):
    found = rows(db, key)
    if not found or found[-1][2]:
        return None  # never stored, or deleted now
    rid, was_created, _, create_revision, _ = found[-1]
    return rid if was_created else create_revision


def first(db, key, field, value):
    current = created(db, key)
    for rid, _, deleted, create_revision, blob in rows(db, key):
        if deleted or rid < (current or 0):
            continue  # an earlier incarnation of the object, or its deletion
        try:
            obj = json.loads(blob)
        except (ValueError, TypeError):
            return None  # not JSON (built-in kinds are stored as protobuf): use `created` for those
        for part in field.split("."):
            obj = obj.get(part) if isinstance(obj, dict) else None
        if obj is not None and str(obj) == value:
            return rid
    return None


def main(argv):
    if len(argv) == 4 and argv[2] == "created":
        revision = created(argv[1], argv[3])
    elif len(argv) == 6 and argv[2] == "first":
        revision = first(argv[1], argv[3], argv[4], argv[5])
    else:
        sys.stderr.write(__doc__)
        return 2
    if revision is None:
        return 1
    print(revision)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
