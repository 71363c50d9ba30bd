#!/usr/bin/env python3
"""Prints, as shell assignments, the database-backup settings the program rendered (./render --out DIR), so
databases/test/run.sh drives barman-cloud and pgBackRest with exactly those settings. Only the endpoint is swapped
for the loopback test server, keeping its form (http URL for Barman; host:port for pgBackRest).

Usage: rendered-settings.py RENDER_DIR   (reads wave2-storage/*/ObjectStore-*.yaml, ClusterPatch-*.yaml and
PostgresClusterPatch-*.yaml: the first CNPG database in plugin mode and the first PGO database)."""
import glob
import os
import shlex
import sys

import yaml


def load(pattern):
    files = sorted(glob.glob(os.path.join(sys.argv[1], "wave2-storage", "*", pattern)))
    if not files:
        sys.exit(f"rendered-settings: no {pattern} under {sys.argv[1]}")
    with open(files[0]) as f:
        return files[0], yaml.safe_load(f)


def out(name, value):
    print(f"{name}={shlex.quote(str(value))}")


store_file, store = load("ObjectStore-*.yaml")
config = store["spec"]["configuration"]
store_name = store["metadata"]["name"]
# The Cluster patch naming this ObjectStore gives the serverName the WAL and base backups are filed under.
server = None
for path in sorted(glob.glob(os.path.join(sys.argv[1], "wave2-storage", "*", "ClusterPatch-*.yaml"))):
    with open(path) as f:
        for plugin in (yaml.safe_load(f)["spec"].get("plugins") or []):
            if plugin["parameters"]["barmanObjectName"] == store_name:
                server = plugin["parameters"]["serverName"]
if server is None:
    sys.exit(f"rendered-settings: no ClusterPatch names ObjectStore {store_name}")
out("BARMAN_FILE", store_file)
out("BARMAN_DESTINATION", config["destinationPath"])
out("BARMAN_ENDPOINT_SCHEME", config["endpointURL"].split("://", 1)[0])
out("BARMAN_SERVER", server)
out("BARMAN_DATA_COMPRESSION", config.get("data", {}).get("compression", ""))
out("BARMAN_WAL_COMPRESSION", config.get("wal", {}).get("compression", ""))
env = store["spec"].get("instanceSidecarConfiguration", {}).get("env", [])
out("BARMAN_ENV", " ".join(f"{e['name']}={e['value']}" for e in env))

pgo_file, pgo = load("PostgresClusterPatch-*.yaml")
pgbackrest = pgo["spec"]["backups"]["pgbackrest"]
repo = pgbackrest["repos"][0]
out("PGBR_FILE", pgo_file)
out("PGBR_REPO", repo["name"])
out("PGBR_BUCKET", repo["s3"]["bucket"])
out("PGBR_REGION", repo["s3"]["region"])
out("PGBR_ENDPOINT", repo["s3"]["endpoint"])
# The global options, one "key=value" per line, as PGO writes them into pgbackrest_instance.conf's [global].
out("PGBR_GLOBAL", "\n".join(f"{k}={v}" for k, v in pgbackrest["global"].items()))
