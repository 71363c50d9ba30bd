package homelab.backups.support;

import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.ResourceOptions;
import com.pulumi.test.PulumiTest;
import com.pulumi.test.TestResult;
import homelab.backups.render.MockedRun;
import homelab.backups.render.RecordingMocks.Registration;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Fluent assertions over what a run registered, so a test reads the rule and not the casts:
 * <pre>{@code
 * assertThat(run).resource(RunAssert.REPLICATION_SOURCE, "alpha-source").input("spec.trigger.schedule").isEqualTo(v.schedule().text());
 * }</pre>
 * Every failure names the resource's URN (or its type and name when the run recorded no URN) and the input path, and
 * shows what was there: the value, or the keys of the deepest map the path reached. Numbers compare by value, as the
 * engine turns every number into a double ({@code 14} equals {@code 14.0}), in maps and lists too.
 *
 * <p>Paths are dot-separated keys; {@code [n]} indexes a list, {@code ["a.b/c"]} is a key with dots or slashes.
 */
public final class RunAssert {
    public static final String SECRET = "kubernetes:core/v1:Secret";
    public static final String PVC = "kubernetes:core/v1:PersistentVolumeClaim";
    public static final String CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
    public static final String CRON_JOB = "kubernetes:batch/v1:CronJob";
    public static final String JOB = "kubernetes:batch/v1:Job";
    public static final String REPLICATION_SOURCE = "kubernetes:volsync.backube/v1alpha1:ReplicationSource";
    public static final String REPLICATION_DESTINATION = "kubernetes:volsync.backube/v1alpha1:ReplicationDestination";
    public static final String BUCKET = "aws:s3/bucketV2:BucketV2";

    private final List<Registration> registrations;
    private final Optional<TestResult> result;
    private final Map<String, ResourceOptions> options;

    private RunAssert(List<Registration> registrations, Optional<TestResult> result, Map<String, ResourceOptions> options) {
        this.registrations = registrations;
        this.result = result;
        this.options = options;
    }

    public static RunAssert assertThat(MockedRun run) {
        return new RunAssert(run.mocks().registrations(), Optional.of(run.result()), run.options());
    }

    public static RunAssert assertThat(TestStacks.ProgramRun run) {
        return new RunAssert(run.mocks().registrations(), Optional.of(run.result()), Map.of());
    }

    /** The one resource of this type and name; fails naming what the run has of that type when there is none. */
    public ResourceAssert resource(String type, String name) {
        var sameName = registrations.stream().filter(r -> r.name().equals(name)).toList();
        var match = sameName.stream().filter(r -> r.type().equals(type)).toList();
        if (match.size() == 1) return new ResourceAssert(match.get(0), urn(type, name), options.get(name));
        if (match.size() > 1) throw new AssertionError(match.size() + " resources " + type + " named " + name);
        if (!sameName.isEmpty()) {
            throw new AssertionError("no " + type + " named " + name + "; that name is a "
                    + sameName.stream().map(Registration::type).toList());
        }
        throw new AssertionError("no " + type + " named " + name + "; of that type the run registered "
                + registrations.stream().filter(r -> r.type().equals(type)).map(Registration::name).toList());
    }

    /** Whether the run registered a resource of this type and name. */
    public boolean has(String type, String name) {
        return registrations.stream().anyMatch(r -> r.type().equals(type) && r.name().equals(name));
    }

    /** Fails when the run registered a resource of this type and name. */
    public RunAssert hasNo(String type, String name) {
        if (has(type, name)) throw new AssertionError(urn(type, name) + " is registered and should not be");
        return this;
    }

    /** Every resource of this type, in registration order. */
    public List<ResourceAssert> resources(String type) {
        return registrations.stream().filter(r -> r.type().equals(type))
                .map(r -> new ResourceAssert(r, urn(r.type(), r.name()), options.get(r.name()))).toList();
    }

    private String urn(String type, String name) {
        if (result.isPresent()) {
            for (var r : result.get().resources()) {
                if (r.pulumiResourceType().equals(type) && r.pulumiResourceName().equals(name)) {
                    String urn = PulumiTest.extractValue(r.urn());
                    if (urn != null) return urn;
                }
            }
        }
        return type + "::" + name;
    }

    /** One registered resource. */
    public static final class ResourceAssert {
        private final Registration registration;
        private final String urn;
        private final ResourceOptions options;

        ResourceAssert(Registration registration, String urn, ResourceOptions options) {
            this.registration = registration;
            this.urn = urn;
            this.options = options;
        }

        public String urn() {
            return urn;
        }

        public String name() {
            return registration.name();
        }

        public Registration registration() {
            return registration;
        }

        /** The value at {@code path} of the inputs the engine received. */
        public ValueAssert input(String path) {
            return ValueAssert.at(urn, registration.inputs(), path);
        }

        /** The inputs as a whole (path "" in messages). */
        public ValueAssert inputs() {
            return new ValueAssert(urn, "", true, registration.inputs(), Map.of());
        }

        /** The options the program registered it with (only runs that record options: {@link MockedRun}). */
        public CustomResourceOptions options() {
            if (!(options instanceof CustomResourceOptions o)) throw new AssertionError("no custom resource options recorded for " + urn);
            return o;
        }
    }

    /** A value found (or not) at a path of a resource's inputs. */
    public static final class ValueAssert {
        private final String urn;
        private final String path;
        private final boolean present;
        private final Object actual;
        private final Map<String, Object> reached;

        ValueAssert(String urn, String path, boolean present, Object actual, Map<String, Object> reached) {
            this.urn = urn;
            this.path = path;
            this.present = present;
            this.actual = actual;
            this.reached = reached;
        }

        static ValueAssert at(String urn, Object root, String path) {
            Object current = root;
            var walked = new StringBuilder();
            for (var step : steps(path)) {
                Object next = null;
                var found = false;
                if (step instanceof Integer i && current instanceof List<?> l && i >= 0 && i < l.size()) {
                    next = l.get(i);
                    found = true;
                } else if (step instanceof String key && current instanceof Map<?, ?> m && m.containsKey(key)) {
                    next = m.get(key);
                    found = true;
                }
                if (!found) {
                    var there = new LinkedHashMap<String, Object>();
                    there.put("reached", walked.length() == 0 ? "(the inputs)" : walked.toString());
                    there.put("which holds", current instanceof Map<?, ?> m ? "keys " + m.keySet()
                            : current instanceof List<?> l ? "a list of " + l.size() : String.valueOf(current));
                    return new ValueAssert(urn, path, false, null, there);
                }
                walked.append(step instanceof Integer ? "[" + step + "]" : (walked.length() == 0 ? "" : ".") + step);
                current = next;
            }
            return new ValueAssert(urn, path, true, current, Map.of());
        }

        private static final Pattern STEP = Pattern.compile("\\[\"([^\"]*)\"]|\\[(\\d+)]|([^.\\[]+)");

        static List<Object> steps(String path) {
            var out = new ArrayList<Object>();
            var m = STEP.matcher(path);
            while (m.find()) {
                if (m.group(1) != null) out.add(m.group(1));
                else if (m.group(2) != null) out.add(Integer.parseInt(m.group(2)));
                else out.add(m.group(3));
            }
            return out;
        }

        private String where() {
            return urn + (path.isEmpty() ? "" : " input " + path);
        }

        private AssertionError fail(String expectation) {
            return new AssertionError(where() + ": expected " + expectation + " but "
                    + (present ? "was <" + normalize(actual) + ">" : "it is absent (" + reached + ")"));
        }

        private ValueAssert present(String expectation) {
            if (!present) throw fail(expectation);
            return this;
        }

        /** Equal by value: numbers of any type are equal when their values are, in nested maps and lists too. */
        public ValueAssert isEqualTo(Object expected) {
            present("<" + normalize(expected) + ">");
            if (!Objects.equals(normalize(expected), normalize(actual))) throw fail("<" + normalize(expected) + ">");
            return this;
        }

        /** The path leads nowhere, or to an explicit null. */
        public ValueAssert isAbsent() {
            if (present && actual != null) throw fail("no value");
            return this;
        }

        public ValueAssert isPresent() {
            return present("a value");
        }

        /** A string matching {@code regex} as a whole. */
        public ValueAssert matches(String regex) {
            present("a string matching /" + regex + "/");
            if (!(actual instanceof String s) || !s.matches(regex)) throw fail("a string matching /" + regex + "/");
            return this;
        }

        /** {@code description} says what the value should be, for the failure message. */
        public ValueAssert satisfies(String description, Predicate<Object> test) {
            present(description);
            if (!test.test(actual)) throw fail(description);
            return this;
        }

        /** A map with exactly these keys. */
        public ValueAssert hasKeys(java.util.Set<String> keys) {
            present("a map with keys " + keys);
            if (!(actual instanceof Map<?, ?> m) || !m.keySet().equals(keys)) throw fail("a map with keys " + keys);
            return this;
        }

        /** A nested path below this value. */
        public ValueAssert input(String subpath) {
            present("a value with " + subpath);
            var inner = at(urn, actual, subpath);
            return new ValueAssert(urn, path + (subpath.startsWith("[") ? "" : ".") + subpath, inner.present, inner.actual,
                    inner.reached);
        }

        public Object value() {
            present("a value");
            return actual;
        }

        public String asText() {
            present("a string");
            if (!(actual instanceof String s)) throw fail("a string");
            return s;
        }

        public int asInt() {
            present("a whole number");
            if (!(actual instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) throw fail("a whole number");
            return n.intValue();
        }

        @SuppressWarnings("unchecked")
        public Map<String, Object> asMap() {
            present("a map");
            if (!(actual instanceof Map<?, ?>)) throw fail("a map");
            return (Map<String, Object>) actual;
        }

        public List<?> asList() {
            present("a list");
            if (!(actual instanceof List<?> l)) throw fail("a list");
            return l;
        }

        /** Numbers as plain decimals (14 and 14.0 alike), recursively; everything else as it is. */
        static Object normalize(Object value) {
            if (value instanceof Number n) {
                var d = new BigDecimal(n.toString()).stripTrailingZeros();
                return d.scale() < 0 ? d.setScale(0) : d;
            }
            if (value instanceof Map<?, ?> m) {
                var out = new LinkedHashMap<Object, Object>();
                m.forEach((k, v) -> out.put(k, normalize(v)));
                return out;
            }
            if (value instanceof List<?> l) return l.stream().map(ValueAssert::normalize).toList();
            return value;
        }
    }
}
