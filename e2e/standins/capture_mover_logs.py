#!/usr/bin/env python3
"""Captures what VolSync would keep in status.latestMoverStatus.logs for each case the program reads, by running the
mover for real: restic_mover.py (the steps of VolSync v0.15.0's mover-restic/entry.sh) with a real restic against the
loopback S3 server, its output through the port of VolSync's log filter and 1024-byte tail.

  python3 e2e/standins/capture_mover_logs.py <restic binary> <s3 endpoint, http://127.0.0.1:PORT> <out dir> [volsync]

volsync: the release whose mover script is played (default v0.15.0, restic 0.18.0; v0.12.0 for restic 0.17.0).

Writes one <case>.log per case (the exact status text) and <case>.exit (the container's exit code) into the out dir.
The unit tests of plan/RestoreOutcome read them (src/test/resources/mover-logs/restic-<version>/, README.md there
says how they were made). Nothing here decides what restic prints.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from restic_mover import ResticMover, filter_failed, filter_success, forget_options  # noqa: E402
from store import materialize  # noqa: E402


def main():
    restic, endpoint, out = sys.argv[1:4]
    volsync = sys.argv[4] if len(sys.argv) > 4 else "v0.15.0"
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mover-logs.")
    try:
        mover = ResticMover(restic, os.path.join(work, "mounts"), volsync)
        cache = os.path.join(work, "cache")
        os.makedirs(cache)
        repo = f"s3:{endpoint}/volsync/capture/{os.path.basename(os.path.normpath(out))}"
        base = {"RESTIC_REPOSITORY": repo, "RESTIC_PASSWORD": "capture-password", "AWS_ACCESS_KEY_ID": "capture",
                "AWS_SECRET_ACCESS_KEY": "capture", "AWS_DEFAULT_REGION": "us-east-1",
                "FORGET_OPTIONS": forget_options({"daily": 14}), "RESTORE_AS_OF": "", "SELECT_PREVIOUS": "0",
                "RESTORE_OPTIONS": ""}

        def case(name, actions, data, **env):
            code, lines = mover.run(actions, dict(base, **env), data, cache)
            text = filter_success(lines) if code == 0 else filter_failed(lines)
            with open(os.path.join(out, f"{name}.log"), "w") as f:
                f.write(text)
            with open(os.path.join(out, f"{name}.exit"), "w") as f:
                f.write(f"{code}\n")
            print(f"{name}: exit {code}, {len(text)} bytes kept", file=sys.stderr)

        def volume(name, files=0, token=""):
            d = os.path.join(work, "volumes", name)
            os.makedirs(d)
            materialize(d, files, token)
            return d

        case("backup-empty-volume", ["backup"], volume("empty"))
        case("backup-first", ["backup"], volume("day1", 40, "app@day1"))
        case("backup-second", ["backup"], volume("day2", 45, "app@day2"))
        case("restore-latest", ["restore"], volume("dest-latest"))
        case("restore-previous-1", ["restore"], volume("dest-previous"), SELECT_PREVIOUS="1")
        case("restore-nothing-previous-5", ["restore"], volume("dest-nothing"), SELECT_PREVIOUS="5")
        case("restore-as-of-before-first", ["restore"], volume("dest-before"), RESTORE_AS_OF="2001-01-01T00:00:00Z")
        case("restore-wrong-password", ["restore"], volume("dest-wrong"), RESTIC_PASSWORD="not-the-password")
        case("backup-and-prune", ["backup", "prune"], volume("day3", 50, "app@day3"))
        # The repository deleted from the bucket: the mover initialises an empty one and restores nothing.
        base["RESTIC_REPOSITORY"] = repo + "-deleted"
        case("restore-repository-missing", ["restore"], volume("dest-missing"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
