package homelab.backups.verify;

import com.google.gson.GsonBuilder;
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

    public static String json(Verification v) {
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
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(doc);
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
