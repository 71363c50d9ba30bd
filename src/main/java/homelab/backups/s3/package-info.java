/**
 * The two AWS provider resources the program registers (the RustFS provider and its buckets), bound by hand like
 * the 1Password invoke. The served {@code com.pulumi:aws} SDK (6.83.0) has 41,706 jar entries for them, 58% of the
 * program jar; the SDK's plugin discovery ({@code com.pulumi.bootstrap.internal.Main packages}, run by the language
 * host before every preview) scans every entry, and took twice as long with them. Each binding registers what the
 * SDK's class registers, field for field: the type, the inputs with the same names and encodings, the package
 * version and the options the SDK adds (aws 6.83.0 {@code com/pulumi/aws/Provider.java},
 * {@code ProviderArgs.java}, {@code s3/BucketV2.java}); {@code com/pulumi/aws/plugin.json} beside them keeps the
 * plugin discovered as before.
 */
package homelab.backups.s3;
