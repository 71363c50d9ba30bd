package homelab.backups.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonParser;
import com.pulumi.core.Output;
import com.pulumi.core.annotations.CustomType;
import com.pulumi.core.annotations.Import;
import com.pulumi.core.internal.Internal;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestOptions;
import com.pulumi.test.TestResult;
import com.pulumi.test.internal.PulumiTestInternal;
import homelab.backups.components.ProofWave;
import homelab.backups.config.SecretKey;
import homelab.backups.config.Settings;
import homelab.backups.config.SettingsLoader;
import homelab.backups.config.StackConfig;
import homelab.backups.kubernetes.CustomObject;
import homelab.backups.kubernetes.CustomObjectArgs;
import homelab.backups.kubernetes.VolSyncSpecs;
import homelab.backups.plan.Planner;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks;
import homelab.backups.secrets.onepassword.GetItemArgs;
import homelab.backups.secrets.onepassword.GetItemResult;
import homelab.backups.secrets.onepassword.OnePassword;
import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The hand-written 1Password binding checked against the types its publisher generates
 * (npm {@code @1password/pulumi-onepassword}, pinned in {@code src/test/resources/publisher}, see SOURCES.md there):
 * the invoke token, every argument name the binding sends, every result field it reads (with the nested section and
 * field types) and their optionality. The names come from the binding itself: the {@code @Import} fields of
 * {@link GetItemArgs} and the {@code @CustomType.Setter}s of {@link GetItemResult}'s builders, which are what the
 * Pulumi Java SDK serializes and deserializes by.
 *
 * <p>{@link KubernetesCustomResourceTokens}: the same for the type tokens {@link CustomObject} registers, against the
 * {@code CustomResource} of npm {@code @pulumi/kubernetes} at the provider version Pulumi.prod.yaml pins.
 */
class OnePasswordSchemaTest {
    static final Path PUBLISHER = TestStacks.PROJECT.resolve("src/test/resources/publisher");
    static final Path ONEPASSWORD_TYPES = PUBLISHER.resolve("onepassword-1.1.3-getItem.d.ts");
    static final Path KUBERNETES_TOKENS = PUBLISHER.resolve("pulumi-kubernetes-4.32.0-tokens.txt");

    // ------------------------------------------------------------------------------------------ the pinned types

    /** One property of a TypeScript interface: {@code [readonly] name[?]: type;}. */
    record Prop(String name, boolean optional, String type) {
    }

    private static final Pattern INTERFACE = Pattern.compile("export interface (\\w+) \\{(.*?)\\n}", Pattern.DOTALL);
    private static final Pattern PROPERTY =
            Pattern.compile("^\\s*(?:readonly\\s+)?([A-Za-z_]\\w*)(\\?)?:\\s*([^;]+);\\s*$", Pattern.MULTILINE);

    /** The interfaces of a .d.ts text, comments removed: name -> property name -> property. */
    static Map<String, Map<String, Prop>> interfaces(String dts) {
        var text = dts.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)^\\s*//.*$", "");
        var result = new LinkedHashMap<String, Map<String, Prop>>();
        Matcher m = INTERFACE.matcher(text);
        while (m.find()) {
            var props = new LinkedHashMap<String, Prop>();
            Matcher p = PROPERTY.matcher(m.group(2));
            while (p.find()) props.put(p.group(1), new Prop(p.group(1), p.group(2) != null, p.group(3).trim()));
            result.put(m.group(1), props);
        }
        return result;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static String pinnedOnePasswordVersion() {
        return group(read(ONEPASSWORD_TYPES), "npm @1password/pulumi-onepassword (\\S+)");
    }

    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> "no /" + regex + "/ in the pinned publisher file");
        return m.group(1);
    }

    static final Map<String, Map<String, Prop>> TS = interfaces(read(ONEPASSWORD_TYPES));

    static Map<String, Prop> ts(String name) {
        var props = TS.get(name);
        assertNotNull(props, () -> "the pinned types have no interface " + name + " (have " + TS.keySet() + ")");
        assertFalse(props.isEmpty(), () -> "interface " + name + " parsed to no properties");
        return props;
    }

    // ---------------------------------------------------------------------------------------- the binding's names

    /** The wire names of a binding class's {@code @Import} fields, with their {@code required} flag. */
    static Map<String, Boolean> imports(Class<?> type) {
        var result = new LinkedHashMap<String, Boolean>();
        for (var f : type.getDeclaredFields()) {
            var imp = f.getAnnotation(Import.class);
            if (imp != null) result.put(imp.name().isEmpty() ? f.getName() : imp.name(), imp.required());
        }
        assertFalse(result.isEmpty(), () -> type + " has no @Import fields");
        return result;
    }

    /** The {@code @CustomType.Setter}s of {@code type}'s builder: wire name -> setter. */
    static Map<String, Method> setters(Class<?> type) {
        var builder = builderOf(type);
        var result = new LinkedHashMap<String, Method>();
        for (var m : builder.getDeclaredMethods()) {
            var setter = m.getAnnotation(CustomType.Setter.class);
            if (setter != null) result.put(setter.value().isEmpty() ? m.getName() : setter.value(), m);
        }
        assertFalse(result.isEmpty(), () -> builder + " has no @CustomType.Setter methods");
        return result;
    }

    static Class<?> builderOf(Class<?> type) {
        return Arrays.stream(type.getDeclaredClasses()).filter(c -> c.isAnnotationPresent(CustomType.Builder.class))
                .findFirst().orElseThrow(() -> new AssertionError(type + " has no @CustomType.Builder"));
    }

    // -------------------------------------------------------------------------------------------------- tests

    @Test
    void pinnedTypesAreOfTheProviderVersionTheProgramUses() throws IOException {
        var pinned = pinnedOnePasswordVersion();
        var refresh = " - re-pin the publisher's types for the new version (src/test/resources/publisher/SOURCES.md) "
                + "and re-read the binding against them";
        assertEquals(pinned, SettingsLoader.DEFAULT_ONEPASSWORD_PROVIDER,
                "SettingsLoader.DEFAULT_ONEPASSWORD_PROVIDER moved away from the pinned publisher types" + refresh);
        try (var in = OnePassword.class.getResourceAsStream("/com/pulumi/onepassword/plugin.json")) {
            assertNotNull(in, "com/pulumi/onepassword/plugin.json is on the classpath");
            var plugin = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            assertEquals(pinned, plugin.get("version").getAsString(), "plugin.json's version" + refresh);
            assertEquals(OnePassword.PACKAGE, plugin.get("name").getAsString());
        }
    }

    @Test
    void invokeTokenIsThePublishersToken() {
        var token = group(read(ONEPASSWORD_TYPES), "pulumi\\.runtime\\.invoke\\(\"([^\"]+)\"");
        assertEquals(token, OnePassword.GET_ITEM, "getItem.js invokes this token");
    }

    @Test
    void pluginNameAndServerAreThePublishers() {
        var text = read(ONEPASSWORD_TYPES);
        assertEquals(group(text, "\"name\": \"([^\"]+)\""), OnePassword.PACKAGE, "package.json pulumi.name");
        assertEquals(group(text, "\"server\": \"([^\"]+)\""), OnePassword.PLUGIN_DOWNLOAD_URL, "package.json pulumi.server");
        var published = ts("ProviderArgs");
        imports(OnePassword.ProviderArgs.class).forEach((name, required) -> {
            assertTrue(published.containsKey(name), () -> "ProviderArgs." + name + " is not a provider input of the publisher: "
                    + published.keySet());
            assertFalse(required, () -> "the binding requires provider input " + name);
        });
    }

    @Test
    void everyArgumentTheBindingDeclaresIsAPublishedArgument() {
        var published = ts("GetItemArgs");
        var ours = imports(GetItemArgs.class);
        ours.forEach((name, required) -> {
            var prop = published.get(name);
            assertNotNull(prop, () -> "GetItemArgs." + name + " is not an argument of the publisher's GetItemArgs "
                    + published.keySet());
            assertEquals("string", prop.type(), () -> "GetItemArgs." + name + ": the binding sends a string");
        });
        published.values().stream().filter(p -> !p.optional()).forEach(p -> {
            assertTrue(ours.containsKey(p.name()), () -> "the publisher requires argument " + p.name()
                    + ", which the binding cannot send");
            assertTrue(ours.get(p.name()), () -> "the publisher requires argument " + p.name()
                    + "; the binding's @Import should say required = true");
        });
    }

    @Test
    void everyResultFieldTheBindingReadsIsPublishedWithACompatibleType() {
        var compared = new ArrayList<String>();
        compareResult(GetItemResult.class, "GetItemResult", compared);
        // What was compared, so a binding that grew a field is compared too (this list is the binding's, not ours).
        assertTrue(compared.containsAll(List.of("GetItemResult.sections", "GetItemSection.fields",
                "GetItemSectionField.label", "GetItemSectionField.value")), compared::toString);
    }

    /** Each setter of {@code type}'s builder names a property of {@code tsInterface}; nested lists recurse. */
    static void compareResult(Class<?> type, String tsInterface, List<String> compared) {
        var published = ts(tsInterface);
        setters(type).forEach((name, setter) -> {
            var prop = published.get(name);
            assertNotNull(prop, () -> type.getSimpleName() + " reads '" + name + "', which the publisher's " + tsInterface
                    + " does not have: " + published.keySet());
            compared.add(tsInterface + "." + name);
            Type param = setter.getGenericParameterTypes()[0];
            if (param == String.class) {
                assertEquals("string", prop.type(), () -> tsInterface + "." + name + " is read as a String");
            } else if (param instanceof ParameterizedType list && list.getRawType() == List.class) {
                assertTrue(prop.type().endsWith("[]"), () -> tsInterface + "." + name + " is read as a List: " + prop.type());
                var element = prop.type().substring(0, prop.type().length() - 2).replaceFirst("^outputs\\.", "");
                var javaElement = (Class<?>) list.getActualTypeArguments()[0];
                if (javaElement == String.class) assertEquals("string", element);
                else compareResult(javaElement, element, compared);
            } else {
                fail(tsInterface + "." + name + ": unexpected binding type " + param);
            }
        });
    }

    @Test
    void optionalPublishedFieldsHaveAFallbackInTheBinding() {
        // The publisher marks sections (GetItemResult) and fields (GetItemSection) optional: the binding must read an
        // absent one as empty. Build the binding's own objects with every optional property absent, the way the SDK
        // deserializer leaves them, and read them through the binding's accessors.
        var optional = new TreeSet<String>();
        TS.forEach((iface, props) -> props.values().stream().filter(Prop::optional)
                .forEach(p -> optional.add(iface + "." + p.name())));
        var read = new ArrayList<String>();
        compareResult(GetItemResult.class, "GetItemResult", read);
        var optionalRead = read.stream().filter(optional::contains).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("GetItemResult.sections", "GetItemSection.fields"), optionalRead,
                "the optional published fields the binding reads (each needs a fallback below)");

        var empty = new GetItemResult.Builder().build();
        assertEquals(List.of(), empty.sections(), "no sections = none");
        assertEquals(Optional.empty(), empty.field("restic_password"));
        var sectionWithoutFields = new GetItemResult.Section.Builder().label("s3").build();
        assertEquals(List.of(), sectionWithoutFields.fields(), "a section without fields = none");
        var item = new GetItemResult.Builder().sections(List.of(sectionWithoutFields,
                new GetItemResult.Section.Builder().fields(List.of(new GetItemResult.Field.Builder().label("x").build(),
                        new GetItemResult.Field.Builder().label("restic_password").value("v").build())).build())).build();
        assertEquals(Optional.of("v"), item.field("restic_password"), "a field without a value is skipped, not fatal");
        assertEquals(Optional.empty(), item.field("x"));
        // Every public no-argument accessor of the binding's result types tolerates all-absent properties.
        for (var type : List.of(GetItemResult.class, GetItemResult.Section.class, GetItemResult.Field.class)) {
            var instance = build(type);
            for (var m : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0) continue;
                try {
                    var value = m.invoke(instance);
                    if (List.class.isAssignableFrom(m.getReturnType())) assertNotNull(value, type.getSimpleName() + "." + m.getName());
                } catch (ReflectiveOperationException e) {
                    fail(type.getSimpleName() + "." + m.getName() + "() fails on an item without that property", e);
                }
            }
        }
    }

    static Object build(Class<?> type) {
        try {
            var builder = builderOf(type).getDeclaredConstructor().newInstance();
            return builder.getClass().getMethod("build").invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theBindingSendsAndReadsThoseNamesThroughTheSdk() {
        // The real binding through Pulumi's mock engine: the token and argument names on the wire, and the item read
        // back from a response shaped like the publisher's GetItemResult.
        var mocks = new RecordingMocks(Map.of("access_key", "AK", "restic_password", "RP"));
        var settings = new Settings.OnePasswordSettings("vault-uuid", "rustfs",
                Map.of(SecretKey.S3_ACCESS_KEY, "access_key", SecretKey.RESTIC_PASSWORD, "restic_password"),
                Optional.empty(), SettingsLoader.DEFAULT_ONEPASSWORD_PROVIDER);
        var values = new AtomicReference<List<Output<String>>>();
        run(mocks, ctx -> {
            var source = new OnePasswordSecretSource("op", settings, null);
            values.set(List.of(source.get(SecretKey.S3_ACCESS_KEY), source.get(SecretKey.RESTIC_PASSWORD)));
        }, () -> assertEquals(List.of("AK", "RP"), values.get().stream()
                .map(o -> (String) Internal.of(o).getValueNullable().join()).toList()));

        assertEquals(1, mocks.invocations().size(), "one getItem per deployment");
        var call = mocks.invocations().get(0);
        assertEquals(OnePassword.GET_ITEM, call.token());
        var published = ts("GetItemArgs");
        assertTrue(published.keySet().containsAll(call.args().keySet()),
                () -> "sent " + call.args().keySet() + ", published " + published.keySet());
        assertEquals(Set.of("vault", "title"), call.args().keySet(), "the item is looked up by vault UUID and title");
        assertEquals(imports(GetItemArgs.class).keySet(), call.args().keySet(), "every declared argument is sent");
    }

    /** Runs {@code program} under {@code mocks}, then {@code after} while the outputs are still resolvable. */
    static TestResult run(RecordingMocks mocks, Consumer<com.pulumi.Context> program, Runnable after) {
        try {
            var result = PulumiTestInternal.builder()
                    .mocks(mocks)
                    .standardLogger(MockedRun.quietLogger())
                    .options(TestOptions.builder().projectName(StackConfig.NAMESPACE).stackName("publisher").build())
                    .build()
                    .runTest(program);
            assertEquals(0, result.exitCode(), () -> result.errors() + "\n" + result.exceptions());
            after.run();
            return result;
        } finally {
            PulumiTest.cleanup();
        }
    }

    // ------------------------------------------------------------------------------------- Kubernetes tokens

    /** {@link CustomObject}'s type tokens against the CustomResource of the Kubernetes provider's Node.js SDK. */
    @Nested
    class KubernetesCustomResourceTokens {
        final String text = read(KUBERNETES_TOKENS);
        final String resourceTemplate = group(text, "customResource\\.js:\\d+ \\| super\\(`([^`]+)`");
        final String patchTemplate = group(text, "customResourcePatch\\.js:\\d+ \\| super\\(`([^`]+)`");
        final Set<String> builtInApiVersions = text.lines().filter(l -> l.startsWith("builtin-api-version | "))
                .map(l -> l.substring("builtin-api-version | ".length()).trim()).collect(Collectors.toCollection(TreeSet::new));

        String publisherToken(String template, String apiVersion, String kind) {
            return template.replace("${args.apiVersion}", apiVersion).replace("${args.kind}", kind);
        }

        @Test
        void pinnedSdkIsOfTheProviderMajorProdPins() {
            var pinned = group(text, "npm @pulumi/kubernetes (\\S+)");
            var prod = group(read(TestStacks.PROJECT.resolve("Pulumi.prod.yaml")),
                    "homelab-backups:kubernetes:\\s*\\n(?:\\s+#.*\\n)*\\s+providerVersion:\\s*(\\S+)");
            assertEquals(pinned.split("\\.")[0], prod.split("\\.")[0],
                    "the Kubernetes provider left the pinned SDK's major version: re-pin (src/test/resources/publisher/SOURCES.md)");
            assertEquals("kubernetes:${args.apiVersion}:${args.kind}", resourceTemplate);
            assertEquals("kubernetes:${args.apiVersion}:${args.kind}Patch", patchTemplate);
            assertTrue(builtInApiVersions.containsAll(List.of("core/v1", "apps/v1", "storage.k8s.io/v1", "helm.sh/v3")),
                    builtInApiVersions::toString);
        }

        @Test
        void customObjectBuildsThePublishersTokens() {
            // One object and one patch through the real CustomObject; the prod run below covers every kind prod uses.
            var mocks = new RecordingMocks(Map.of());
            run(mocks, ctx -> {
                new CustomObject("maintenance", CustomObjectArgs.builder(VolSyncSpecs.API_VERSION, "KopiaMaintenance").build(),
                        CustomResourceOptions.builder().build());
                CustomObject.patch("target", CustomObjectArgs.builder(ProofWave.LONGHORN_API, "BackupTarget").build(),
                        CustomResourceOptions.builder().build());
            }, () -> { });
            var types = mocks.registrations().stream().collect(Collectors.toMap(RecordingMocks.Registration::name,
                    RecordingMocks.Registration::type));
            assertEquals(publisherToken(resourceTemplate, VolSyncSpecs.API_VERSION, "KopiaMaintenance"), types.get("maintenance"));
            assertEquals(publisherToken(patchTemplate, ProofWave.LONGHORN_API, "BackupTarget"), types.get("target"));
        }

        @Test
        void everyKubernetesTokenOfTheProdProgramIsPublisherShaped() {
            var run = MockedRun.of(Planner.plan(TestStacks.load(TestStacks.prodConfig())));
            assertEquals(0, run.result().exitCode(), () -> run.result().exceptions().toString());
            var custom = new LinkedHashSet<String>();
            var builtIn = new LinkedHashSet<String>();
            for (var r : run.mocks().registrations()) {
                if (!r.type().startsWith("kubernetes:")) continue;
                var module = r.type().split(":")[1];
                if (builtInApiVersions.contains(module)) {
                    builtIn.add(r.type());
                    continue;
                }
                // Not a built-in kind: registered by CustomObject, which must spell it as the publisher's CustomResource.
                var apiVersion = String.valueOf(r.inputs().get("apiVersion"));
                var kind = String.valueOf(r.inputs().get("kind"));
                assertTrue(apiVersion.contains("/"), () -> r.name() + ": a custom object without an API group ("
                        + apiVersion + ") would get the token kubernetes:" + apiVersion + ":" + kind
                        + ", not the built-in core/" + apiVersion);
                assertFalse(builtInApiVersions.contains(apiVersion), () -> r.name() + ": " + apiVersion
                        + " has built-in kinds in the provider; use the SDK's class, not CustomObject");
                var expected = Set.of(publisherToken(resourceTemplate, apiVersion, kind), publisherToken(patchTemplate, apiVersion, kind));
                assertTrue(expected.contains(r.type()), () -> r.name() + " registered as " + r.type() + ", publisher: " + expected);
                custom.add(r.type());
            }
            // The kinds of the three backup waves are all there (the list is what prod registers, read above).
            assertTrue(custom.contains(publisherToken(resourceTemplate, VolSyncSpecs.API_VERSION, "ReplicationSource")), custom::toString);
            assertTrue(custom.stream().anyMatch(t -> t.endsWith("Patch")), custom::toString);
            assertFalse(builtIn.isEmpty(), "the Java SDK's own kinds (Namespace, Secret, Release, ...) are registered too");
        }
    }
}
