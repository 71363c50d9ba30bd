package homelab.backups.plan;

import homelab.backups.config.S3Target;

/**
 * One backup repository: the target it lives on, the bucket and path inside it, and the Secret its clients read their
 * credentials from. The planner decides every repository (RepositoryLayout); spec builders and checks read the store
 * from here, so each plan says where its backups go.
 *
 * @param bucket     one of the target's buckets
 * @param path       the repository's prefix inside the bucket, without leading or trailing slash
 * @param secretName the Secret in the workload's namespace that carries the credentials (and the target's CA)
 */
public record Repository(S3Target target, String bucket, String path, String secretName) {
    public Repository {
        if (target == null) throw new IllegalArgumentException("a repository needs a target");
        if (!bucket.equals(target.volsyncBucket()) && !bucket.equals(target.postgresBucket())) {
            throw new IllegalArgumentException("bucket " + bucket + " is not one of target " + target.name() + "'s");
        }
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("repository path '" + path + "' must be a prefix without leading or trailing '/'");
        }
        if (secretName.isEmpty()) throw new IllegalArgumentException("repository " + path + " has no Secret");
    }

    /** {@code s3://<bucket>/<path>}: the repository as Barman names it, and as the plan table and ledger show it. */
    public String url() {
        return "s3://" + bucket + "/" + path;
    }
}
