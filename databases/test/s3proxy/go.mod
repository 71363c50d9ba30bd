module homelab-backups/databases/s3proxy

go 1.24
