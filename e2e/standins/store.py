"""What the volumes and the backup repositories hold, for the stand-ins and for the tests that check data.

Nothing real is stored: a volume's data is a token and a file count, copied the way the real components copy
bytes (a snapshot captures its volume, a volume provisioned from a snapshot gets the snapshot's data, a restic
backup stores the data it read, a restore writes the chosen snapshot's data or nothing). The tests read this file to
check that a restored PVC holds what was backed up, and that nothing was replaced by nothing.
"""
import json
import os
import threading

EMPTY = {"files": 0, "token": ""}


class Store:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        if os.path.exists(path):
            with open(path) as f:
                self.data = json.load(f)
        else:
            self.data = {}
        for k in ("volumes", "seeds", "snapshots", "repos"):
            self.data.setdefault(k, {})

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    # volumes (by PV name)
    def volume(self, pv):
        if pv not in self.data["volumes"]:
            return dict(self.seeds().get(f"pv:{pv}", EMPTY))   # a static PV: its data was there before
        return dict(self.data["volumes"][pv])

    def seeds(self):
        try:
            with open(os.path.join(os.path.dirname(self.path), "seeds.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def set_volume(self, pv, content):
        self.data["volumes"][pv] = {"files": content["files"], "token": content["token"]}
        self.save()

    def drop_volume(self, pv):
        self.data["volumes"].pop(pv, None)
        self.save()

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
    def snapshot(self, handle):
        return dict(self.data["snapshots"].get(handle, EMPTY))

    def set_snapshot(self, handle, content):
        self.data["snapshots"][handle] = dict(content)
        self.save()

    def drop_snapshot(self, handle):
        self.data["snapshots"].pop(handle, None)
        self.save()

    # restic repositories (by RESTIC_REPOSITORY)
    def repo(self, url):
        return self.data["repos"].get(url)

    def init_repo(self, url, password):
        self.data["repos"][url] = {"password": password, "snapshots": []}
        self.save()
        return self.data["repos"][url]
