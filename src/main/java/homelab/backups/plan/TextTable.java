package homelab.backups.plan;

import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for what people read: the plan table, the Git side's index. */
public final class TextTable {
    private TextTable() {
    }

    /** Columns padded to their widest cell, two spaces apart, no trailing blanks. */
    public static List<String> padded(List<List<String>> rows) {
        var widths = new int[rows.get(0).size()];
        for (var row : rows) for (int i = 0; i < row.size(); i++) widths[i] = Math.max(widths[i], row.get(i).length());
        var out = new ArrayList<String>();
        for (var row : rows) {
            var line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
            }
            out.add(line.toString().stripTrailing());
        }
        return out;
    }
}
