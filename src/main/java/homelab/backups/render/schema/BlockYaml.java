package homelab.backups.render.schema;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/**
 * Fast reader for the block-style YAML that controller-gen and Helm write for CRDs.
 *
 * <p>snakeyaml-engine needs about a second (cold JVM) for the 2.8 MB PGO CRD; this reads the
 * regular subset (block mappings and sequences, plain and simply quoted scalars, {@code |}/{@code |-}
 * literals) by indentation in milliseconds, typing scalars like snakeyaml's default JSON schema, and
 * hands other values (escapes, flow collections, folded scalars) to snakeyaml one at a time.
 * Constructs it cannot represent faithfully (anchors, tags, complex keys, odd indentation) throw
 * {@link Unsupported}; callers then parse that document with snakeyaml. Not thread-safe.
 */
final class BlockYaml {

    /** Thrown for YAML outside the supported subset; fall back to {@link #loadWithSnakeyaml}. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String message, int line) {
            super(message + " at line " + (line + 1), null, false, false);
        }
    }

    /** A block value left unparsed by {@link #parse}; {@link #parseDeferred} reads it on demand. */
    record Deferred(int fromLine, int toLine, int parentColumn) {}

    /** Plain-scalar types of snakeyaml's default JSON schema (JsonScalarResolver), without starting snakeyaml. */
    private static final Pattern INT = Pattern.compile("-?(0|[1-9][0-9]*)");
    private static final Pattern FLOAT = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]*)?([eE][-+]?[0-9]+)?|-?\\.inf|\\.nan");
    /** Indicators a plain scalar cannot start with (- ? : followed by a space are refused earlier). */
    private static final String NOT_PLAIN_START = "\"'[]{}|>%@`#,";
    /** Marks a dropped value (see dropDescriptions). */
    private static final Object DROPPED = new Object();

    private static final byte UNKNOWN = 0;
    private static final byte CONTENT = 1;
    private static final byte BLANK = 2;
    private static final byte COMMENT = 3;
    private static final byte TAB_INDENT = 4;

    private final String text;
    /** Line i is text[starts[i], ends[i]) without its line break. */
    private final int[] starts;
    private final int[] ends;
    /** Indentation and kind, computed on first look: most lines sit in schemas that may never be read. */
    private final int[] indents;
    private final byte[] kinds;
    /** Lines starting with '-', '.' or '%' at column 0: perhaps a document marker or directive. */
    private final List<Integer> markerCandidates = new ArrayList<>();
    private int pos;
    private int limit;
    private String deferKey;
    private boolean dropDescriptions;

    BlockYaml(String text) {
        this.text = text;
        int[] lineStarts = new int[text.length() / 32 + 16];
        int count = 0;
        for (int at = 0; at < text.length() || count == 0; ) {
            if (count == lineStarts.length) lineStarts = Arrays.copyOf(lineStarts, count * 2);
            lineStarts[count++] = at;
            char first = at < text.length() ? text.charAt(at) : '\n';
            if (first == '-' || first == '.' || first == '%') markerCandidates.add(count - 1);
            int nl = text.indexOf('\n', at); // String.indexOf is intrinsic; a char loop here runs cold
            at = nl < 0 ? text.length() : nl + 1;
        }
        starts = Arrays.copyOf(lineStarts, count);
        ends = new int[count];
        for (int i = 0; i < count; i++) {
            int end = i + 1 < count ? starts[i + 1] - 1 : text.length();
            ends[i] = end > starts[i] && text.charAt(end - 1) == '\r' ? end - 1 : end;
        }
        indents = new int[count];
        kinds = new byte[count];
    }

    /** Line ranges [from, to) of the documents, split at {@code ---} lines. */
    List<int[]> documents() {
        List<int[]> docs = new ArrayList<>();
        int from = 0;
        for (int i : markerCandidates) {
            if (text.startsWith("---", starts[i]) || text.startsWith("...", starts[i]) || text.startsWith("%", starts[i])) {
                String rest = line(i, 3).strip();
                if (text.charAt(starts[i]) != '-' || !(rest.isEmpty() || rest.startsWith("#"))) {
                    throw new Unsupported("directive or document content on a marker line", i);
                }
                docs.add(new int[] {from, i});
                from = i + 1;
            }
        }
        docs.add(new int[] {from, starts.length});
        return docs;
    }

    /** Raw text of lines [from, to), for the snakeyaml fallback. */
    String text(int fromLine, int toLine) {
        if (fromLine >= toLine) return "";
        return text.substring(starts[fromLine], ends[toLine - 1]);
    }

    /**
     * Parses one document. Block values of keys named {@code deferKey} become {@link Deferred}
     * without being read (the CRD skeleton needs names and versions, not the schemas);
     * {@code dropDescriptions} omits scalar {@code description} entries (half of a CRD's text).
     */
    Object parse(int fromLine, int toLine, String deferKey, boolean dropDescriptions) {
        this.pos = fromLine;
        this.limit = toLine;
        this.deferKey = deferKey;
        this.dropDescriptions = dropDescriptions;
        skipIgnorable();
        if (pos >= limit) return null;
        Object root = block(indent(pos));
        skipIgnorable();
        if (pos < limit) throw new Unsupported("content after the root node", pos);
        return root;
    }

    /** Reads a deferred value. */
    Object parseDeferred(Deferred d, boolean dropDescriptions) {
        this.pos = d.fromLine();
        this.limit = d.toLine();
        this.deferKey = null;
        this.dropDescriptions = dropDescriptions;
        return nested(d.parentColumn());
    }

    static LoadSettings settings() {
        return Snakeyaml.SETTINGS;
    }

    static Object loadWithSnakeyaml(String yaml) {
        return new Load(settings()).loadFromString(yaml);
    }

    /** Loaded only when needed: starting snakeyaml costs 50-150 ms on a cold JVM. */
    private static final class Snakeyaml {
        static final LoadSettings SETTINGS = LoadSettings.builder()
                .setSchema(new JsonSchema())
                .setCodePointLimit(Integer.MAX_VALUE) // the PGO CRD is close to the 3 MB default
                .build();
    }

    // ---- structure

    private Object block(int column) {
        return isSequenceItem(pos, column) ? sequence(column) : mapping(column);
    }

    /** The block value after {@code key:} with nothing inline: deeper lines, or a sequence at the key's column. */
    private Object nested(int keyColumn) {
        skipIgnorable();
        if (pos >= limit) return null;
        int ind = indent(pos);
        if (ind > keyColumn) return block(ind);
        if (ind == keyColumn && isSequenceItem(pos, ind)) return sequence(ind);
        return null;
    }

    private Map<String, Object> mapping(int column) {
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            entry(map, column);
            skipIgnorable();
            if (pos >= limit) return map;
            int ind = indent(pos);
            if (ind < column) return map;
            if (ind > column || isSequenceItem(pos, ind)) throw new Unsupported("unexpected indentation", pos);
        }
    }

    /** Reads {@code key: value} starting at {@code column} of the current line. */
    private void entry(Map<String, Object> map, int column) {
        int line = pos;
        String s = line(line, column);
        int colon = keyEnd(s);
        if (colon <= 0 || "\"'?&*!|>[{%@`#".indexOf(s.charAt(0)) >= 0 || s.charAt(colon - 1) == ' ') {
            throw new Unsupported("not a simple mapping key", line);
        }
        String key = s.substring(0, colon);
        if (!(plain(key) instanceof String)) throw new Unsupported("non-string key", line);
        if (map.containsKey(key)) throw new Unsupported("duplicate key " + key, line);
        String rest = s.substring(colon + 1).strip();
        pos++;
        Object value;
        if (rest.isEmpty() || rest.startsWith("#")) {
            value = key.equals(deferKey) ? defer(column) : nested(column);
        } else {
            value = scalar(rest, column, dropDescriptions && key.equals("description"));
        }
        if (value != DROPPED) map.put(key, value);
    }

    private Deferred defer(int keyColumn) {
        int from = pos;
        skipIgnorable();
        boolean sequenceAtKey = pos < limit && indent(pos) == keyColumn && isSequenceItem(pos, keyColumn);
        int to = pos;
        while (to < limit && !(endsBlock(to, keyColumn) && !(sequenceAtKey && isSequenceItem(to, keyColumn)))) to++;
        pos = to;
        return new Deferred(from, to, keyColumn);
    }

    /** Whether line i has content at or left of {@code column}; looks at no more than column + 1 chars. */
    private boolean endsBlock(int i, int column) {
        int end = Math.min(ends[i], starts[i] + column + 1);
        for (int p = starts[i]; p < end; p++) {
            char ch = text.charAt(p);
            if (ch != ' ') return ch != '\t' || kind(i) != BLANK;
        }
        return false;
    }

    private List<Object> sequence(int column) {
        List<Object> list = new ArrayList<>();
        while (true) {
            String s = line(pos, column);
            int c = 1;
            while (c < s.length() && s.charAt(c) == ' ') c++;
            String item = s.substring(c);
            if (item.isEmpty() || item.startsWith("#")) {
                pos++;
                skipIgnorable();
                list.add(pos < limit && indent(pos) > column ? block(indent(pos)) : null);
            } else if (looksLikeEntry(item)) {
                list.add(mapping(column + c));
            } else if (item.startsWith("- ") || item.equals("-")) {
                throw new Unsupported("nested compact sequence", pos);
            } else {
                pos++;
                list.add(scalar(item, column, false));
            }
            skipIgnorable();
            if (pos >= limit) return list;
            int ind = indent(pos);
            if (ind > column) throw new Unsupported("unexpected indentation", pos);
            if (ind < column || !isSequenceItem(pos, ind)) return list; // e.g. the next key of a parent at this column
        }
    }

    // ---- scalars

    /** A value that starts inline; continuation lines are those indented deeper than {@code parentColumn}. */
    private Object scalar(String value, int parentColumn, boolean drop) {
        int first = pos;
        int last = pos;
        for (int i = pos; i < limit; i++) {
            if (isBlank(i)) continue;
            if (indent(i) <= parentColumn) break;
            last = i + 1;
        }
        pos = last;
        if (drop) return DROPPED;
        char c = value.charAt(0);
        if (c == '&' || c == '*' || c == '!' || value.startsWith("- ") || value.startsWith("? ")) {
            throw new Unsupported("anchor, alias, tag or indicator", first - 1);
        }
        if (value.equals("|") || value.equals("|-")) return literal(value.equals("|"), first, last);
        boolean plain = NOT_PLAIN_START.indexOf(c) < 0 && !value.contains(" #") && keyEnd(value) < 0;
        if (first == last) {
            if (plain) return plain(value);
            String quoted = c == '\'' ? singleQuoted(value) : c == '"' ? doubleQuoted(value) : null;
            if (quoted != null) return quoted;
            if (value.equals("[]")) return new ArrayList<>();
            if (value.equals("{}")) return new LinkedHashMap<>();
        } else if (plain) {
            String folded = multiLinePlain(value, first, last);
            if (folded != null) return folded;
        }
        if (c == '|' || c == '>') {
            String header = value.split("#", 2)[0].strip();
            if (!header.matches("[|>][-+]?")) throw new Unsupported("block scalar indentation indicator", first - 1);
        }
        return delegate(value, first, last);
    }

    /** A plain scalar over several lines: lines are trimmed and joined by a space, blank lines become newlines. */
    private String multiLinePlain(String value, int first, int last) {
        StringBuilder sb = new StringBuilder(value);
        int blanks = 0;
        for (int i = first; i < last; i++) {
            if (isBlank(i)) {
                blanks++;
                continue;
            }
            String t = line(i, 0).strip();
            if (kind(i) == COMMENT || kind(i) == TAB_INDENT || t.contains(" #") || keyEnd(t) >= 0) return null;
            sb.append(blanks == 0 ? " " : "\n".repeat(blanks)).append(t);
            blanks = 0;
        }
        return sb.toString();
    }

    /** Types a plain scalar as snakeyaml's JSON schema does (Integer, Long or BigInteger; Double; Boolean; null). */
    private Object plain(String value) {
        char c = value.charAt(0);
        if (c == '$' && value.startsWith("${")) throw new Unsupported("environment variable tag", pos - 1);
        if (c != '-' && c != '.' && (c < '0' || c > '9')) {
            return switch (value) {
                case "null" -> null;
                case "true", "false" -> Boolean.valueOf(value);
                default -> value;
            };
        }
        if (INT.matcher(value).matches()) {
            BigInteger n = new BigInteger(value);
            return n.bitLength() < 32 ? (Object) n.intValue() : n.bitLength() < 64 ? (Object) n.longValue() : n;
        }
        if (!FLOAT.matcher(value).matches()) return value;
        return switch (value) {
            case ".inf", "-.inf" -> value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            case ".nan" -> Double.NaN;
            default -> Double.valueOf(value);
        };
    }

    /** {@code 'text'} with {@code ''} escapes, or null to let snakeyaml decide. */
    private static String singleQuoted(String value) {
        if (value.length() < 2 || !value.endsWith("'")) return null;
        String inner = value.substring(1, value.length() - 1);
        String unescaped = inner.replace("''", "");
        return unescaped.indexOf('\'') >= 0 ? null : inner.replace("''", "'");
    }

    /** {@code "text"} without escapes, or null to let snakeyaml decide. */
    private static String doubleQuoted(String value) {
        if (value.length() < 2 || !value.endsWith("\"")) return null;
        String inner = value.substring(1, value.length() - 1);
        return inner.indexOf('"') >= 0 || inner.indexOf('\\') >= 0 ? null : inner;
    }

    /** {@code |} (clip: one final newline) or {@code |-} (strip) with auto-detected indentation. */
    private String literal(boolean clip, int first, int last) {
        if (first == last) return "";
        int contentIndent = -1;
        StringBuilder sb = new StringBuilder();
        for (int i = first; i < last; i++) {
            if (contentIndent < 0 && !isBlank(i)) contentIndent = indent(i);
        }
        for (int i = first; i < last; i++) {
            if (i > first) sb.append('\n');
            int len = ends[i] - starts[i];
            if (isBlank(i)) {
                if (len > contentIndent) sb.append(text, starts[i] + contentIndent, ends[i]);
            } else if (indent(i) < contentIndent) {
                throw new Unsupported("literal block with less-indented line", i);
            } else {
                sb.append(text, starts[i] + contentIndent, ends[i]);
            }
        }
        if (clip) sb.append('\n');
        return sb.toString();
    }

    /** Lets snakeyaml read one value (quoted, flow, folded, multi-line) from a one-key document. */
    private Object delegate(String value, int first, int last) {
        StringBuilder sb = new StringBuilder("k: ").append(value).append('\n');
        for (int i = first; i < last; i++) sb.append(text, starts[i], ends[i]).append('\n');
        try {
            return ((Map<?, ?>) loadWithSnakeyaml(sb.toString())).get("k");
        } catch (RuntimeException e) {
            throw new Unsupported("value snakeyaml rejects (" + e.getMessage() + ")", first - 1);
        }
    }

    // ---- lines

    private String line(int i, int column) {
        return text.substring(Math.min(starts[i] + column, ends[i]), ends[i]);
    }

    private int indent(int i) {
        if (kind(i) == TAB_INDENT) throw new Unsupported("tab indentation", i);
        return indents[i];
    }

    private byte kind(int i) {
        if (kinds[i] == UNKNOWN) {
            int p = starts[i];
            while (p < ends[i] && text.charAt(p) == ' ') p++;
            indents[i] = p - starts[i];
            int q = p;
            while (q < ends[i] && text.charAt(q) == '\t') q++;
            kinds[i] = q == ends[i] ? BLANK : q > p ? TAB_INDENT : text.charAt(p) == '#' ? COMMENT : CONTENT;
        }
        return kinds[i];
    }

    private boolean isBlank(int i) {
        return kind(i) == BLANK;
    }

    private void skipIgnorable() {
        while (pos < limit && (kind(pos) == BLANK || kind(pos) == COMMENT)) pos++;
    }

    private boolean isSequenceItem(int i, int column) {
        int p = starts[i] + column;
        return p < ends[i] && text.charAt(p) == '-' && (p + 1 == ends[i] || text.charAt(p + 1) == ' ');
    }

    private static boolean looksLikeEntry(String item) {
        return "\"'[{&*!|>%@`".indexOf(item.charAt(0)) < 0 && keyEnd(item) > 0;
    }

    /** Index of the ':' that ends a plain key (followed by a space or the end of line), or -1. */
    private static int keyEnd(String s) {
        for (int i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) {
            if (i + 1 == s.length() || s.charAt(i + 1) == ' ') {
                int hash = s.indexOf(" #");
                return hash >= 0 && hash < i ? -1 : i;
            }
        }
        return -1;
    }
}
