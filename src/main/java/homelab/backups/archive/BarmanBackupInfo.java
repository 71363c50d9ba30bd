package homelab.backups.archive;

import homelab.backups.plan.ArchiveView.BaseBackup;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Barman Cloud's {@code <path>/<serverName>/base/<backup_id>/backup.info}: one {@code key=value} line per field, as
 * barman 3.19.1 writes it (barman/infofile.py {@code FieldListFile.save}: {@code "%s=%s"} of each field's
 * {@code to_file} form; barman/cloud.py {@code CloudBackup._upload_backup_info} uploads it under that key). The file
 * the real barman-cloud-backup 3.19.1 wrote is src/test/resources/archive/barman/backup.info; what it showed:
 * <ul>
 *   <li>there is no {@code backup_id} line: the id is the directory's name (barman/cloud.py
 *       {@code CloudBackupCatalog.get_backup_list} takes it from the prefix);</li>
 *   <li>{@code systemid} is the cluster's system identifier (set from the server before the first upload:
 *       {@code CloudBackup._get_backup_info}), {@code status} is {@code STARTED} while it runs, {@code DONE} or
 *       {@code FAILED} after;</li>
 *   <li>times are Python's {@code str(datetime)} with an offset: {@code 2026-12-07 18:07:41.217757+00:00}, and
 *       {@code None} when unset ({@code end_time} of a running backup).</li>
 * </ul>
 */
public final class BarmanBackupInfo {
    /** Python's {@code str()} of an aware datetime: the fraction only when non-zero. */
    static final DateTimeFormatter PYTHON_TIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .appendOffset("+HH:MM", "+00:00")
            .toFormatter();

    private BarmanBackupInfo() {}

    /** The base backup {@code backupId}'s file describes; {@code file} names it in errors. */
    public static BaseBackup parse(String backupId, byte[] content, String file) throws ArchiveFormatException {
        var text = new String(content, StandardCharsets.UTF_8);
        var fields = new LinkedHashMap<String, String>();
        int lineNo = 0;
        for (var line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            if (eq <= 0 || !line.substring(0, eq).matches("[a-z_]+")) {
                throw new ArchiveFormatException(file + ": line " + lineNo + " is not Barman's key=value form: '"
                        + abbreviate(line) + "'");
            }
            fields.put(line.substring(0, eq), line.substring(eq + 1));
        }
        var status = required(fields, "status", file);
        var systemId = required(fields, "systemid", file);
        if (!systemId.matches("[0-9]{1,20}")) {
            throw new ArchiveFormatException(file + ": systemid '" + abbreviate(systemId) + "' is not a system identifier");
        }
        var id = fields.get("backup_id");
        if (id != null && !id.equals("None") && !id.equals(backupId)) {
            throw new ArchiveFormatException(file + ": backup_id " + id + " is not its directory's " + backupId);
        }
        return new BaseBackup(backupId, systemId, time(fields, "begin_time", file), time(fields, "end_time", file),
                "DONE".equals(status));
    }

    private static String required(Map<String, String> fields, String key, String file) throws ArchiveFormatException {
        var value = fields.get(key);
        if (value == null || value.isBlank() || value.equals("None")) {
            throw new ArchiveFormatException(file + ": no " + key + " (read " + fields.size() + " fields)");
        }
        return value;
    }

    private static Optional<Instant> time(Map<String, String> fields, String key, String file) throws ArchiveFormatException {
        var value = fields.get(key);
        if (value == null || value.equals("None") || value.isBlank()) return Optional.empty();
        try {
            return Optional.of(OffsetDateTime.parse(value, PYTHON_TIME).toInstant());
        } catch (DateTimeParseException e) {
            throw new ArchiveFormatException(file + ": " + key + " '" + abbreviate(value) + "' is not a time like 2026-12-07 18:07:41.217757+00:00");
        }
    }

    static String abbreviate(String s) {
        var clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
    }
}
