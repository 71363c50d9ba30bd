package homelab.backups.verify;

import com.google.gson.GsonBuilder;
import homelab.backups.plan.Coverage;
import homelab.backups.plan.Verification;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How ./verify shows a {@link Verification}: an aligned table with the verdict last, or JSON for scripts. */
public final class VerificationReport {
    private static final List<String> HEADER = List.of("CHECK", "ITEM", "NAMESPACE", "STATE", "LAST SUCCESS", "AGE", "DETAIL");

    private VerificationReport() {
    }

    public static List<String> table(Verification v) {
        var rows = new ArrayList<List<String>>();
        rows.add(HEADER);
        for (var c : v.checks()) {
            rows.add(List.of(c.check(), c.item(), c.namespace(), c.state().name(),
                    c.last().map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("-"),
                    c.age(v.at()).map(VerificationReport::age).orElse("-"), c.detail()));
        }
        var widths = new int[HEADER.size() - 1];
        for (var row : rows) for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], row.get(i).length());
        var out = new ArrayList<String>();
        for (var row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) line.append(String.format("%-" + widths[i] + "s  ", row.get(i)));
            out.add(line.append(row.get(widths.length)).toString());
        }
        out.add("");
        out.add(v.verdict());
        return out;
    }

    /**
     * The table, then the coverage ledger: every live PVC as BACKED UP (by which app, to which repository), EXCLUDED
     * (with its reason) or NOT COVERED, and how many claims of VolSync's and this program's own were left out; the
     * verdict last.
     */
    public static List<String> table(Verification v, Coverage coverage) {
        var lines = new ArrayList<>(table(v));
        var verdict = lines.remove(lines.size() - 1);
        lines.addAll(ledger(coverage));
        lines.add("");
        lines.add(verdict);
        return lines;
    }

    static List<String> ledger(Coverage coverage) {
        var rows = new ArrayList<List<String>>();
        rows.add(List.of("PVC", "COVERAGE", "BY", "REPOSITORY / REASON"));
        for (var e : coverage.entries()) rows.add(List.of(e.key(), e.status().text(), e.by().isEmpty() ? "-" : e.by(), e.detail()));
        var widths = new int[3];
        for (var row : rows) for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], row.get(i).length());
        var out = new ArrayList<String>();
        out.add("Coverage of the live PVCs: " + coverage.count(Coverage.Status.BACKED_UP) + " backed up, "
                + coverage.count(Coverage.Status.EXCLUDED) + " excluded, " + coverage.count(Coverage.Status.NOT_COVERED)
                + " not covered" + (coverage.waiting().isEmpty() ? ""
                : ", " + coverage.waiting().size() + " waiting for data"));
        for (var row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) line.append(String.format("%-" + widths[i] + "s  ", row.get(i)));
            out.add(line.append(row.get(3)).toString());
        }
        if (!coverage.ignored().isEmpty()) {
            out.add("Ignored: " + coverage.ignored().size() + " claim(s) VolSync or this program created for themselves: "
                    + String.join(", ", coverage.ignored().stream().map(i -> i.namespace() + "/" + i.pvc() + " (" + i.why() + ")").toList()));
        }
        return out;
    }

    /** The JSON document, with the coverage ledger under {@code coverage}. */
    public static String json(Verification v, Coverage coverage) {
        var doc = document(v);
        var entries = new ArrayList<Map<String, Object>>();
        for (var e : coverage.entries()) {
            var row = new LinkedHashMap<String, Object>();
            row.put("namespace", e.namespace());
            row.put("pvc", e.pvc());
            row.put("status", e.status().text());
            row.put("by", e.by().isEmpty() ? null : e.by());
            if (e.status() == Coverage.Status.EXCLUDED) row.put("reason", e.detail());
            else if (e.status() == Coverage.Status.BACKED_UP) row.put("repository", e.detail());
            else row.put("detail", e.detail());
            e.waiting().ifPresent(w -> {
                row.put("waitingSince", w.since().map(Object::toString).orElse(null));
                row.put("waitsFor", w.waitsFor());
                row.put("resolution", w.resolution());
            });
            entries.add(row);
        }
        var ignored = new ArrayList<Map<String, Object>>();
        for (var i : coverage.ignored()) {
            var row = new LinkedHashMap<String, Object>();
            row.put("namespace", i.namespace());
            row.put("pvc", i.pvc());
            row.put("why", i.why());
            ignored.add(row);
        }
        var ledger = new LinkedHashMap<String, Object>();
        ledger.put("pvcs", entries);
        ledger.put("ignored", ignored);
        ledger.put("notCovered", coverage.notCovered().stream().map(Coverage.Entry::key).toList());
        ledger.put("waitingForData", coverage.waiting().stream().map(Coverage.Entry::key).toList());
        doc.put("coverage", ledger);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(doc);
    }

    public static String json(Verification v) {
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(document(v));
    }

    private static Map<String, Object> document(Verification v) {
        var checks = new ArrayList<Map<String, Object>>();
        for (var c : v.checks()) {
            var row = new LinkedHashMap<String, Object>();
            row.put("check", c.check());
            row.put("item", c.item());
            row.put("namespace", c.namespace());
            row.put("state", c.state().name());
            row.put("lastSuccess", c.last().map(Object::toString).orElse(null));
            row.put("ageSeconds", c.age(v.at()).map(Duration::toSeconds).orElse(null));
            row.put("detail", c.detail());
            checks.add(row);
        }
        var doc = new LinkedHashMap<String, Object>();
        doc.put("at", v.at().toString());
        doc.put("proven", v.proven());
        doc.put("checks", checks);
        doc.put("longhornRetirement", Map.of("allowed", v.proven(), "verdict", v.verdict()));
        return doc;
    }

    /** 3d4h, 5h12m, 42m, 7s. */
    static String age(Duration d) {
        if (d.isNegative()) return "0s";
        if (d.toDays() > 0) return d.toDays() + "d" + d.toHoursPart() + "h";
        if (d.toHours() > 0) return d.toHours() + "h" + d.toMinutesPart() + "m";
        if (d.toMinutes() > 0) return d.toMinutes() + "m";
        return d.toSeconds() + "s";
    }
}
