package homelab.backups.components;

import homelab.backups.config.S3Target;
import homelab.backups.plan.ArchiveLookup;
import homelab.backups.plan.ArchiveRead;
import homelab.backups.plan.Repository;
import homelab.backups.runtime.PulumiRuntime;
import homelab.backups.secrets.SecretSource;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * How the program reaches the database archives before anything is registered (issue 22 part 3): {@code pulumi
 * preview}/{@code up} read the real store ({@link #reading}), with the target's S3 keys resolved from the stack's
 * secret source; the offline render and the tests answer {@link ArchiveRead.NotChecked} ({@link #offline}) or from
 * fakes. The store is opened only when a check asks for it: a stack without CNPG databases or database restores never
 * resolves a key, and the render never does.
 */
@FunctionalInterface
public interface ArchiveAccess {
    /** How long the S3 keys may take to arrive (a 1Password read included) before the run stops naming them. */
    Duration KEYS_TIMEOUT = Duration.ofMinutes(2);

    /**
     * The archives on {@code target}; {@code secrets} gives the stack's secret source, and is called at most once, and
     * only when a read is needed.
     */
    ArchiveLookup open(S3Target target, Supplier<SecretSource> secrets);

    /** A reader of one store with its key pair (the archive package's {@code S3ArchiveLookup.of}). */
    @FunctionalInterface
    interface Opener {
        ArchiveLookup open(S3Target target, String accessKey, String secretKey);
    }

    /** Whether this access reads a store (the real program); the offline one answers NotChecked for every read. */
    default boolean reads() {
        return true;
    }

    /** No store in this run: every read is NotChecked with {@code why}. Only the offline render and the tests use it. */
    static ArchiveAccess offline(String why) {
        return new ArchiveAccess() {
            public ArchiveLookup open(S3Target target, Supplier<SecretSource> secrets) {
                return ArchiveLookup.offline(why);
            }

            public boolean reads() {
                return false;
            }
        };
    }

    /** The real store: the keys are awaited (PulumiRuntime.await) when the first read needs them. */
    static ArchiveAccess reading(Opener opener) {
        return (target, secrets) -> lazy(() -> {
            var source = secrets.get();
            var access = PulumiRuntime.await(source.get(target.credentials().accessKey()), KEYS_TIMEOUT,
                    "the access key of S3 target " + target.name() + " (" + target.url() + ", secret "
                            + target.credentials().accessKey().configKey() + ")");
            var secret = PulumiRuntime.await(source.get(target.credentials().secretKey()), KEYS_TIMEOUT,
                    "the secret key of S3 target " + target.name() + " (" + target.url() + ", secret "
                            + target.credentials().secretKey().configKey() + ")");
            return opener.open(target, access, secret);
        });
    }

    /** A lookup that opens {@code opening} on its first read and keeps it. */
    static ArchiveLookup lazy(Supplier<ArchiveLookup> opening) {
        return new ArchiveLookup() {
            private ArchiveLookup opened;

            private synchronized ArchiveLookup store() {
                if (opened == null) opened = opening.get();
                return opened;
            }

            public ArchiveRead barman(Repository repository, String serverName) {
                return store().barman(repository, serverName);
            }

            public List<String> barmanServers(Repository repository) {
                return store().barmanServers(repository);
            }

            public ArchiveRead pgbackrest(Repository repository, String stanza) {
                return store().pgbackrest(repository, stanza);
            }
        };
    }
}
