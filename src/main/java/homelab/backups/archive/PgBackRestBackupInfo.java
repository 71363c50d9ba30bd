package homelab.backups.archive;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import homelab.backups.plan.ArchiveView.BaseBackup;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * pgBackRest's {@code <path>/backup/<stanza>/backup.info}, as pgBackRest 2.45 writes it (release/2.45
 * src/info/infoBackup.c: section {@code [backup:current]}, one line per completed backup, label = JSON object with
 * {@code backup-timestamp-start}/{@code -stop} (epoch seconds), {@code backup-type}, {@code db-id}; src/info/infoPg.c:
 * {@code [db]} {@code db-id}, {@code db-system-id}, {@code db-version} of the current cluster and {@code [db:history]}
 * {@code <db-id>={"db-system-id":…}} of every cluster the stanza has held; src/common/ini.c: {@code key=value} with
 * JSON values, and {@code [backrest]} appears twice, the checksum last). The real file pgBackRest 2.45 wrote is
 * src/test/resources/archive/pgbackrest/backup.info.
 *
 * <p>Each backup's system identifier is the one of its own {@code db-id} in {@code [db:history]}, not the current
 * {@code [db]}'s: after a {@code stanza-upgrade} the stanza holds backups of two {@code db-id}s.
 *
 * <p>An encrypted repository ({@code repo-cipher-type}) encrypts backup.info itself: the object starts with OpenSSL's
 * {@code Salted__} magic (src/common/crypto/cipherBlock.c {@code CIPHER_BLOCK_MAGIC}; infoBackupLoadFile decrypts it
 * with the repository passphrase), which this reader does not hold: {@link #encrypted}.
 */
public final class PgBackRestBackupInfo {

    /**
     * What the file says.
     *
     * @param archiveId the current cluster's WAL archive directory, {@code <db-version>-<db-id>} ({@code 15-1})
     * @param systemId  the current cluster's system identifier
     * @param backups   every backup listed, oldest first
     */
    public record Parsed(String archiveId, String systemId, List<BaseBackup> backups) {}

    private PgBackRestBackupInfo() {}

    /** Whether the object is encrypted with the repository cipher (its first bytes are {@code Salted__}). */
    public static boolean encrypted(byte[] content) {
        var magic = "Salted__".getBytes(StandardCharsets.US_ASCII);
        if (content.length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) if (content[i] != magic[i]) return false;
        return true;
    }

    public static Parsed parse(byte[] content, String file) throws ArchiveFormatException {
        var text = new String(content, StandardCharsets.UTF_8);
        var sections = new LinkedHashMap<String, Map<String, String>>();
        Map<String, String> current = null;
        int lineNo = 0;
        for (var line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            if (line.startsWith("[") && line.endsWith("]")) {
                current = sections.computeIfAbsent(line.substring(1, line.length() - 1), k -> new LinkedHashMap<>());
                continue;
            }
            int eq = line.indexOf('=');
            if (current == null || eq <= 0) {
                throw new ArchiveFormatException(file + ": line " + lineNo + " is not pgBackRest's [section] or key=value form: '"
                        + BarmanBackupInfo.abbreviate(line) + "'");
            }
            current.put(line.substring(0, eq), line.substring(eq + 1));
        }
        var db = section(sections, "db", file);
        var history = section(sections, "db:history", file);
        var dbId = scalar(db, "db-id", file);
        var dbVersion = scalar(db, "db-version", file);
        var systemId = scalar(db, "db-system-id", file);
        if (!dbId.matches("[0-9]+") || !dbVersion.matches("[0-9]+(\\.[0-9]+)?") || !systemId.matches("[0-9]{1,20}")) {
            throw new ArchiveFormatException(file + ": [db] db-id " + dbId + ", db-version " + dbVersion + ", db-system-id "
                    + systemId + " are not pgBackRest's forms");
        }
        var backups = new ArrayList<BaseBackup>();
        var begins = new LinkedHashMap<String, Long>();
        for (var entry : sections.getOrDefault("backup:current", Map.of()).entrySet()) {
            var label = entry.getKey();
            if (!label.matches("[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?")) {
                throw new ArchiveFormatException(file + ": [backup:current] label '" + BarmanBackupInfo.abbreviate(label)
                        + "' is not pgBackRest's (20261207-180814F, 20261207-180814F_20261208-010000I)");
            }
            var fields = object(entry.getValue(), file, "[backup:current] " + label);
            var backupDbId = fields.has("db-id") && fields.get("db-id").isJsonPrimitive() ? fields.get("db-id").getAsString() : null;
            var historyEntry = backupDbId == null ? null : history.get(backupDbId);
            var historyFields = historyEntry == null ? null : object(historyEntry, file, "[db:history] " + backupDbId);
            if (historyFields == null || !historyFields.has("db-system-id") || !historyFields.get("db-system-id").isJsonPrimitive()) {
                throw new ArchiveFormatException(file + ": backup " + label + " has db-id " + backupDbId
                        + ", which [db:history] does not list with a db-system-id");
            }
            var backupSystemId = historyFields.get("db-system-id").getAsString();
            var begin = epoch(fields, "backup-timestamp-start", label, file);
            var end = epoch(fields, "backup-timestamp-stop", label, file);
            begins.put(label, begin.map(Instant::getEpochSecond).orElse(0L));
            try {
                // listed in [backup:current] = completed: pgBackRest adds a backup there when it finishes (infoBackupDataAdd)
                backups.add(new BaseBackup(label, backupSystemId, begin, end, true));
            } catch (IllegalArgumentException e) {
                throw new ArchiveFormatException(file + ": " + e.getMessage());
            }
        }
        backups.sort(Comparator.comparing((BaseBackup b) -> begins.get(b.id())).thenComparing(BaseBackup::id));
        return new Parsed(dbVersion + "-" + dbId, systemId, backups);
    }

    private static Map<String, String> section(Map<String, Map<String, String>> sections, String name, String file)
            throws ArchiveFormatException {
        var s = sections.get(name);
        if (s == null) throw new ArchiveFormatException(file + ": no [" + name + "] section (sections: " + sections.keySet() + ")");
        return s;
    }

    private static String scalar(Map<String, String> section, String key, String file) throws ArchiveFormatException {
        var raw = section.get(key);
        if (raw == null) throw new ArchiveFormatException(file + ": no " + key);
        try {
            var value = JsonParser.parseString(raw);
            if (value.isJsonPrimitive() && !value.getAsJsonPrimitive().isBoolean()) return value.getAsString();
        } catch (JsonParseException e) {
            // falls through
        }
        throw new ArchiveFormatException(file + ": " + key + " '" + BarmanBackupInfo.abbreviate(raw) + "' is not a JSON string or number");
    }

    private static JsonObject object(String raw, String file, String what) throws ArchiveFormatException {
        try {
            var value = JsonParser.parseString(raw);
            if (value.isJsonObject()) return value.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ArchiveFormatException(file + ": " + what + " is not a JSON object (" + e.getMessage() + ")");
        }
        throw new ArchiveFormatException(file + ": " + what + " is not a JSON object: '" + BarmanBackupInfo.abbreviate(raw) + "'");
    }

    private static Optional<Instant> epoch(JsonObject fields, String key, String label, String file) throws ArchiveFormatException {
        var value = fields.get(key);
        if (value == null || value.isJsonNull()) return Optional.empty();
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber() && value.getAsString().matches("[0-9]{1,12}")) {
            return Optional.of(Instant.ofEpochSecond(value.getAsLong()));
        }
        throw new ArchiveFormatException(file + ": backup " + label + " " + key + " '" + value + "' is not epoch seconds");
    }
}
