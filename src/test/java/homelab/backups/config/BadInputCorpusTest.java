package homelab.backups.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import homelab.backups.support.TestStacks;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The bad-input corpus (src/test/resources/bad-inputs): small files as a hurried owner writes them, each with the
 * errors it must produce on its first lines ({@code # expect: <text>}, one line per error; {@code # also: <text>}, more
 * text one of them must hold). The stack is the prod stack as of e926e19, frozen in bad-inputs/base (its OWNER values
 * filled in, so that a change to prod moves no case), in a project of its own, read from files exactly as ./render
 * and ./verify read them, so that a file that does not parse, a misspelt namespace or a key with no value goes through
 * the real path.
 * <ul>
 *   <li>{@code settings/NAME.yaml}: keys under {@code config:} that replace the prod stack's (a {@code
 *   NAME.inventory.yaml} beside it replaces the inventory)</li>
 *   <li>{@code stackfile/NAME.yaml}: the whole {@code Pulumi.<stack>.yaml}</li>
 *   <li>{@code inventory/NAME.yaml}: the whole inventory, with the prod settings</li>
 * </ul>
 * Exactly the expected errors, no more: a mistake reported under twenty unrelated errors is not reported.
 */
class BadInputCorpusTest {
    static final String STACK = "t";
    static final String FILE = StackFile.fileName(STACK);

    @TempDir
    Path project;

    static Path corpus() {
        try {
            return Path.of(BadInputCorpusTest.class.getClassLoader().getResource("bad-inputs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> cases() throws IOException {
        var out = new ArrayList<String>();
        for (var kind : List.of("settings", "stackfile", "inventory")) {
            try (var files = Files.list(corpus().resolve(kind))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.endsWith(".inventory.yaml"))
                        .sorted().forEach(n -> out.add(kind + "/" + n));
            }
        }
        return out.stream();
    }

    static List<String> expectations(String text) {
        return text.lines().takeWhile(l -> l.startsWith("#")).filter(l -> l.startsWith("# expect: "))
                .map(l -> l.substring("# expect: ".length()).strip()).toList();
    }

    /**
     * The corpus's base settings (bad-inputs/base/Pulumi.base.yaml: prod's, frozen, OWNER values filled in), as a
     * mapping. Frozen so that a change to prod's own values (a policy, a drill window) moves no corpus case.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> prodSettings() throws IOException {
        var text = Files.readString(corpus().resolve("base/Pulumi.base.yaml"));
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }

    @SuppressWarnings("unchecked")
    void write(String name, String text) throws IOException {
        Files.createDirectories(project.resolve("stacks").resolve(STACK));
        var inventory = project.resolve("stacks").resolve(STACK).resolve("inventory.yaml");
        Files.writeString(inventory, Files.readString(corpus().resolve("base/inventory.yaml")));
        var dump = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build());
        switch (name.substring(0, name.indexOf('/'))) {
            case "stackfile" -> Files.writeString(project.resolve(FILE), text);
            case "inventory" -> {
                Files.writeString(project.resolve(FILE), dump.dumpToString(prodSettings()));
                Files.writeString(inventory, text);
            }
            default -> {
                var settings = prodSettings();
                var config = new LinkedHashMap<>((Map<String, Object>) settings.get("config"));
                var overrides = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
                config.putAll(overrides);
                settings.put("config", config);
                Files.writeString(project.resolve(FILE), dump.dumpToString(settings));
                var companion = corpus().resolve(name.replace(".yaml", ".inventory.yaml"));
                if (Files.exists(companion)) Files.copy(companion, inventory, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachBadInputIsReportedWithFileAndKeyAndNothingElse(String name) throws IOException {
        var text = Files.readString(corpus().resolve(name));
        var expected = expectations(text);
        assertFalse(expected.isEmpty(), name + " says which errors it expects (# expect: ...)");
        write(name, text);
        var thrown = assertThrows(ConfigErrors.InvalidConfigException.class,
                () -> StackInputs.load(StackFile.stackConfig(project, STACK), project, TestStacks.CLOCK),
                name + " was accepted");
        var errors = thrown.errors().stream().map(ConfigError::toString).toList();
        var also = text.lines().takeWhile(l -> l.startsWith("#")).filter(l -> l.startsWith("# also: "))
                .map(l -> l.substring("# also: ".length()).strip()).toList();
        for (var expect : Stream.concat(expected.stream(), also.stream()).toList()) {
            assertTrue(errors.stream().anyMatch(e -> e.contains(expect)), () -> name + ": expected an error containing\n  "
                    + expect + "\ngot:\n  " + String.join("\n  ", errors));
        }
        assertEquals(expected.size(), errors.size(), () -> name + ": expected exactly " + expected.size()
                + " error(s), got:\n  " + String.join("\n  ", errors));
    }
}
