package homelab.backups.config;

/** The credentials a stack needs, by role; where each comes from is the secrets source's business. */
public enum SecretKey {
    S3_ACCESS_KEY("s3AccessKey", "access_key"),
    S3_SECRET_KEY("s3SecretKey", "secret_key"),
    RESTIC_PASSWORD("resticPassword", "restic_password"),
    KOPIA_PASSWORD("kopiaPassword", "kopia_password"),
    PGBACKREST_CIPHER_PASS("pgbackrestCipherPass", "pgbackrest_cipher_pass");

    private final String configKey;
    private final String defaultField;

    SecretKey(String configKey, String defaultField) {
        this.configKey = configKey;
        this.defaultField = defaultField;
    }

    /** The Pulumi config key (secret) used by the config source, and the key in the 1Password field map. */
    public String configKey() {
        return configKey;
    }

    /** The default 1Password field label. */
    public String defaultField() {
        return defaultField;
    }
}
