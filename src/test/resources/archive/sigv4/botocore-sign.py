# Signs path-style S3 GETs with botocore's own SigV4 signer (botocore 1.43.56, the barman-cloud venv's:
# databases/test/requirements.txt) at a fixed time, so SigV4Test can compare the Java signer with it.
#   ~/.cache/homelab-backups-tools/barman-cloud-3.19.1-*/bin/python src/test/resources/archive/sigv4/botocore-sign.py \
#       > src/test/resources/archive/sigv4/botocore.txt
# Output: one request per line: METHOD URL HOST AMZDATE AUTHORIZATION (tab-separated).
import datetime
from unittest import mock

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

creds = Credentials("homelab-test-key", "homelab/test+secret=")
when = datetime.datetime(2026, 12, 7, 18, 0, 0)
requests = [
    "http://127.0.0.1:9000/postgres-backups/?continuation-token=a%2Fb%3D%3D&delimiter=%2F&list-type=2&prefix=cnpg%2Fkhoj-database%2Fkhoj-database%2Fbase%2F",
    "https://rustfs.lan/postgres-backups/pgbackrest/immich/backup/db/backup.info",
    "http://10.0.0.5:9000/postgres-backups/cnpg/a%20b/base/20261207T180741/backup.info",
]
with mock.patch("botocore.auth.get_current_datetime", return_value=when):
    for url in requests:
        req = AWSRequest(method="GET", url=url, headers={"X-Amz-Content-SHA256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})
        S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
        print("\t".join(["GET", url, req.headers["host"] if "host" in req.headers else "", req.headers["X-Amz-Date"], req.headers["Authorization"]]))
