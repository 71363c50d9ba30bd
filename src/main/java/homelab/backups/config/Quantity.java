package homelab.backups.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Kubernetes storage quantity such as {@code 5Gi}. Kept in the text the owner wrote (so previews never show a
 * spurious diff) and only accepted in the binary or decimal suffix forms the API server understands for storage.
 *
 * <p>Valid by construction: the only ways in are {@link #parse} (empty when the text is not a positive quantity) and
 * {@link #of} (throws), so a {@code Quantity} whose text and bytes disagree, or that is zero, cannot exist.
 */
public final class Quantity {
    private static final Pattern FORM = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$");
    private static final Map<String, BigInteger> FACTORS = Map.ofEntries(
            Map.entry("", BigInteger.ONE),
            Map.entry("Ki", BigInteger.TWO.pow(10)), Map.entry("Mi", BigInteger.TWO.pow(20)),
            Map.entry("Gi", BigInteger.TWO.pow(30)), Map.entry("Ti", BigInteger.TWO.pow(40)),
            Map.entry("Pi", BigInteger.TWO.pow(50)), Map.entry("Ei", BigInteger.TWO.pow(60)),
            Map.entry("k", BigInteger.TEN.pow(3)), Map.entry("M", BigInteger.TEN.pow(6)),
            Map.entry("G", BigInteger.TEN.pow(9)), Map.entry("T", BigInteger.TEN.pow(12)),
            Map.entry("P", BigInteger.TEN.pow(15)), Map.entry("E", BigInteger.TEN.pow(18)));

    private final String text;
    private final BigInteger bytes;

    private Quantity(String text, BigInteger bytes) {
        this.text = text;
        this.bytes = bytes;
    }

    /** A quantity the program itself writes (a default): one it could not parse is a bug, so it throws. */
    public static Quantity of(String text) {
        return parse(text).orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not a positive storage quantity"));
    }

    /** Parses {@code text}; empty when it is not a positive storage quantity. */
    public static Optional<Quantity> parse(String text) {
        if (text == null) return Optional.empty();
        var m = FORM.matcher(text);
        if (!m.matches()) return Optional.empty();
        var factor = FACTORS.get(m.group(2) == null ? "" : m.group(2));
        var bytes = new BigDecimal(m.group(1)).multiply(new BigDecimal(factor)).toBigInteger();
        if (bytes.signum() <= 0) return Optional.empty();
        return Optional.of(new Quantity(text, bytes));
    }

    /** The text as written, e.g. {@code 5Gi}. */
    public String text() {
        return text;
    }

    /** The size in bytes (rounded down). */
    public BigInteger bytes() {
        return bytes;
    }

    /** Written without a unit: valid for the API server (bytes), but never what a size in an inventory means. */
    public boolean bare() {
        return text.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }

    public static String bareProblem(String text) {
        return "'" + text + "' has no unit, so it means " + text + " bytes: did you mean " + text + "Gi?";
    }

    /** Equal when written the same: {@code 12Gi} and {@code 12288Mi} differ here (compare {@link #bytes()} for size). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Quantity q && q.text.equals(text) && q.bytes.equals(bytes);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
