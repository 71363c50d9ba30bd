"""VolSync v0.15.0's restic mover, run for real: the steps of its container script, each running the real restic.

No mover pod can run here (no kubelet, no image), so this module is the container: a port of
backube/volsync v0.15.0 `mover-restic/entry.sh` (SH below; upstream's script is AGPL and is not copied, the steps are
re-written from it) that runs **restic 0.18.0 built from Go modules**, the version the mover image vendors
(`mover-restic/SOURCE_VERSIONS`: restic v0.18.0 d401ad6c; the Dockerfile copies it to /usr/local/bin/restic), against
the loopback S3 server, with the flags the script passes. What the pod would print (stdout and stderr, as the kubelet
keeps both in the container log) is returned line by line, for VolSync's log filter (`filter_success`, below).

  SH = mover-restic/entry.sh          RM = internal/controller/mover/restic/mover.go (ensureJob: args, env, mounts)
  LF = internal/controller/mover/restic/logfilter.go   PL = internal/controller/utils/podlogs.go

The pod mounts the data volume at /data and the cache volume at /cache (RM mountPath, resticCacheMountPath). Here
the data volume is a directory per PersistentVolume on disk; `backup` reaches it through one fixed path ending in
`/data` (a symlink re-pointed for each run, movers run one at a time, given to restic as its working directory's
name in PWD, which Go's os.Getwd prefers when it names the same directory), so that restic records the same snapshot
path for every run of a repository, as /data is in the pod: restic's parent detection and `forget`'s grouping by host
and paths depend on it, and SH's snapshot selection keeps the lines of `restic snapshots` that contain "/data".
`restore -t .` runs in the volume's own directory without that PWD: restic 0.18 replaces a restore target that is a
symlink with a new directory (seen here), where the pod's /data is a real mount.

One deviation, and only while the stand-ins' clock is shifted (a scenario "lets a night pass"): `backup` gets
`--time <the shifted clock>`, so that snapshots land on the days the scenario plays, as they would in the pod.
"""
import os
import re
import subprocess
import time
from datetime import datetime, timezone

RESTIC_HOST = "volsync"   # SH: the backup host name is forced to "volsync"
VERSION = "v0.15.0"       # the image's `version` (Dockerfile ENV version from version_arg)
NOT_A_REPO = "Is there a repository at the following location"

# LF resticRegex: the lines VolSync keeps in status.latestMoverStatus.logs after a successful run
KEPT = re.compile(r"^\s*([pP]rocessed)\s.+([fF]iles)|^\s*([sS]napshot)\s.+([sS]aved)|^\s*(No eligible)|(No data)|"
                  r"(Directory is empty)|^\s*([cC]reated)|^\s*([rR]epository)\s.+([oO]pened)|^\s*([rR]estoring)|"
                  r"^\s*([nN]o parent snapshot)|^\s*([uU]sing parent snapshot)|^\s*([aA]dded to the repository)|"
                  r"^\s*([sS]uccessfully)|(RESTORE_OPTIONS)|([iI]nitialize [dD]ir)|^\s*([fF]atal)|^\s*(ERROR)|"
                  r"^\s*([rR]estic completed in)")
MAX_BYTES = 1024   # PL DefaultMoverLogMaxBytes (MOVER_LOG_MAX_BYTES unset in the chart)


def filter_lines(lines, keep):
    """PL FilterLogs: the kept lines joined by "\\n"; then truncateMoverLog: the last MAX_BYTES bytes (a byte cut,
    which may split a UTF-8 character: Go's string([]byte(s)[len(s)-max:]); decoded leniently here)."""
    text = "\n".join(l for l in lines if keep(l)).encode()
    if len(text) > MAX_BYTES:
        text = text[-MAX_BYTES:]
    return text.decode(errors="replace")


def filter_success(lines):
    """RM ensureJob after success: UpdateMoverStatusForSuccessfulJob with LF LogLineFilterSuccess."""
    return filter_lines(lines, lambda l: KEPT.search(l) is not None)


def filter_failed(lines):
    """RM ensureJob when the Job reached its backoff limit: UpdateMoverStatusForFailedJob with utils.AllLines."""
    return filter_lines(lines, lambda l: True)


class ScriptExit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class ResticMover:
    """One mover container run: `run(actions, env)` -> (exit code, log lines). `volsync` names the release whose
    script is played: v0.15.0 (restic 0.18.0), or v0.12.0 (restic 0.17.0; its restore has no --include-xattr, which
    restic 0.17.0 does not know), for the older-image fixtures."""

    def __init__(self, restic, mounts_dir, volsync=VERSION):
        self.restic = restic
        self.version = volsync
        self.mounts = mounts_dir
        os.makedirs(mounts_dir, exist_ok=True)
        self.data_mount = os.path.join(mounts_dir, "data")

    # ---- the pod ----------------------------------------------------------------------------------------------
    def run(self, actions, env, data_dir, cache_dir, backup_time=None):
        """actions: RM ensureJob's args ("unlock", "backup", "prune" / "restore"); env: the container's environment
        from RM (FORGET_OPTIONS, RESTORE_AS_OF, SELECT_PREVIOUS, RESTORE_OPTIONS) and the repository Secret."""
        self.mount(data_dir)
        self.lines = []
        self.data_dir = os.path.abspath(data_dir)
        self.env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": cache_dir, "TZ": "UTC", "TMPDIR": cache_dir}
        self.env.update({k: v for k, v in env.items() if v is not None})
        self.env.update({"DATA_DIR": self.data_mount, "RESTIC_CACHE_DIR": cache_dir, "PRIVILEGED_MOVER": "0"})
        self.backup_time = backup_time
        try:
            self.script(actions)
            code = 0
        except ScriptExit as e:
            code = e.code
        return code, self.lines

    def mount(self, data_dir):
        tmp = self.data_mount + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.abspath(data_dir), tmp)
        os.replace(tmp, self.data_mount)

    def echo(self, text):
        self.lines.append(text)

    def sh(self, args, stdout="log", stderr="log", timeout=None, pwd=None):
        """One restic command of the script -> (exit code, stdout, stderr). "log": the stream goes to the pod log
        (both "log": interleaved as written); "capture": returned only (SH's $(...) for stdout, 2>"$outfile" for
        stderr, shown later only on some errors); "null": > /dev/null."""
        both = stdout == "log" and stderr == "log"
        try:
            p = subprocess.run([self.restic] + args, cwd=self.data_dir, timeout=timeout,
                               env=dict(self.env, PWD=pwd) if pwd else self.env,
                               stdout=subprocess.DEVNULL if stdout == "null" else subprocess.PIPE,
                               stderr=subprocess.STDOUT if both else subprocess.PIPE)
        except subprocess.TimeoutExpired:
            return 124, "", ""   # SH: `timeout 60s ...` returns 124
        out = (p.stdout or b"").decode(errors="replace")
        err = (p.stderr or b"").decode(errors="replace")
        if stdout == "log":
            self.lines += out.splitlines()
        if stderr == "log" and not both:
            self.lines += err.splitlines()
        return p.returncode, out, err

    def must(self, args, pwd=None):
        """A command under SH's `set -e -o pipefail`: its failure ends the script with its exit code."""
        rc, out, _ = self.sh(args, pwd=pwd)
        if rc != 0:
            raise ScriptExit(rc)
        return out

    def error(self, rc, message):   # SH error
        self.echo(f"ERROR: {message}")
        raise ScriptExit(rc)

    # ---- SH, top to bottom ------------------------------------------------------------------------------------
    def script(self, actions):
        self.echo("Starting container")
        self.echo(f"VolSync restic container version: {self.version}")
        self.echo(" ".join(actions))
        self.must(["version"])
        self.env["RESTIC_PROGRESS_FPS"] = "0.1"   # SH: a progress report every 10 s
        self.echo("Testing mandatory env variables")
        for var in ("PRIVILEGED_MOVER", "RESTIC_CACHE_DIR", "RESTIC_PASSWORD", "RESTIC_REPOSITORY", "DATA_DIR"):
            if not self.env.get(var):
                self.error(1, f"{var} must be defined")
        start = time.monotonic()
        for op in actions:
            if op == "unlock":
                self.do_unlock()
            elif op == "backup":
                self.check_contents()
                self.ensure_initialized()
                self.do_backup()
                self.do_forget()
            elif op == "prune":
                self.do_prune()
            elif op == "restore":
                self.ensure_initialized()
                self.do_restore()
                os.sync()   # SH: sync -f "${DATA_DIR}"
            else:
                self.error(2, f"unknown operation: {op}")
        self.echo(f"Restic completed in {int(time.monotonic() - start)}s")
        self.echo("=== Done ===")

    def check_contents(self):
        """SH check_contents: an empty data directory (lost+found aside) is not backed up, and the script ends 0."""
        self.echo("== Checking directory for content ===")
        if not [n for n in os.listdir(self.data_dir) if n != "lost+found"]:
            self.echo("== Directory is empty skipping backup ===")
            raise ScriptExit(0)

    def ensure_initialized(self):
        """SH ensure_initialized: `timeout 60s restic cat config` and its exit code decide; a missing repository is
        initialised (rc 10 since restic 0.17, or rc 1/124 with restic's "Is there a repository" message)."""
        self.echo("=== Check for dir initialized ===")
        rc, _, err = self.sh(["cat", "config"], stdout="null", stderr="capture", timeout=60)
        if rc == 0:
            self.echo("dir is initialized")
        elif rc in (1, 124):
            if NOT_A_REPO in err:
                self.echo("=== Initialize Dir ===")
                self.must(["init"])
            else:
                self.lines += err.splitlines()
                self.error(3, "failure checking existence of repository")
        elif rc == 10:
            self.echo("=== Initialize Dir ===")
            self.must(["init"])
        elif rc == 11:
            self.lines += err.splitlines()
            self.error(3, "failure locking repository")
        elif rc == 12:
            self.lines += err.splitlines()
            self.error(3, "failure connecting to repository, incorrect password")
        else:
            self.lines += err.splitlines()
            self.error(3, "failure checking existence of repository")

    def do_backup(self):
        self.echo("=== Starting backup ===")
        self.echo(f"{self.data_mount} /")   # bash's pushd prints the directory stack
        args = ["backup", "--host", RESTIC_HOST, "--exclude=lost+found", "."]
        if self.backup_time is not None:
            args[1:1] = ["--time", self.backup_time.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")]
        self.must(args, pwd=self.data_mount)
        self.echo("/")   # popd

    def do_forget(self):
        self.echo("=== Starting forget ===")
        options = self.env.get("FORGET_OPTIONS", "")
        if options:
            self.must(["forget", "--host", RESTIC_HOST] + options.split())

    def do_unlock(self):
        self.echo("=== Starting unlock ===")
        rc, _, err = self.sh(["unlock"], stderr="capture")
        if rc != 0:
            self.lines += err.splitlines()
            if NOT_A_REPO in err:
                self.echo("No repo, ignoring unlock error")
            else:
                self.error(3, "failure unlocking repository")

    def do_prune(self):
        self.echo("=== Starting prune ===")
        self.must(["prune"])

    def select_snapshot(self):
        """SH select_restic_snapshot_to_restore: the lines of `restic snapshots` that contain /data, as ID and
        "date time" (awk $1, $2 $3), their epochs (date --date, the pod's TZ is UTC) in restic's order, reversed;
        RESTORE_AS_OF moves to the first not after it, SELECT_PREVIOUS counts on from there. Snapshots in the same
        second share an epoch key, the later one listed wins (SH's associative array)."""
        rc, out, _ = self.sh(["-r", self.env["RESTIC_REPOSITORY"], "snapshots"], stdout="capture")
        if rc != 0:
            self.error(3, "failure getting list of snapshots from repository")
        epochs, ids = [], {}
        for line in out.splitlines():
            if "/data" not in line:
                continue
            f = line.split()
            if len(f) < 3:
                continue
            stamp = f"{f[1]} {f[2]}".split(".")[0]
            epoch = int(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
            epochs.append(epoch)
            ids[epoch] = f[0]
        epochs.reverse()
        offset = 0
        as_of = self.env.get("RESTORE_AS_OF")
        if as_of:
            target = int(datetime.fromisoformat(as_of.replace("Z", "+00:00")).timestamp())
            while offset < len(epochs) and epochs[offset] > target:
                offset += 1
        offset += int(self.env.get("SELECT_PREVIOUS") or 0)
        return ids[epochs[offset]] if offset < len(epochs) else None

    def do_restore(self):
        self.echo("=== Starting restore ===")
        snapshot = self.select_snapshot()
        if not snapshot:
            self.echo("No eligible snapshots found")
            self.echo("=== No data will be restored ===")
            return
        options = self.env.get("RESTORE_OPTIONS", "")
        if options:
            self.echo(f"RESTORE_OPTIONS: {options}")
        self.echo(f"{self.data_mount} /")   # pushd
        self.echo(f"Selected restic snapshot with id: {snapshot}")
        xattrs = [] if self.version == "v0.12.0" else ["--include-xattr", "user.*"]
        self.must(["restore", snapshot, "-t", ".", "--host", RESTIC_HOST] + xattrs + options.split())
        self.echo("/")   # popd


def forget_options(retain):
    """RM generateForgetOptions: the flags in this order; --keep-last 1 when retain is absent or empty."""
    out = ""
    for flag, field in (("--keep-hourly", "hourly"), ("--keep-daily", "daily"), ("--keep-weekly", "weekly"),
                        ("--keep-monthly", "monthly"), ("--keep-yearly", "yearly")):
        if (retain or {}).get(field) is not None:
            out += f" {flag} {retain[field]}"
    if (retain or {}).get("within"):
        out += f" --keep-within {retain['within']}"
    if (retain or {}).get("last") is not None:
        out += f" --keep-last {retain['last']}"
    return out or "--keep-last 1"
