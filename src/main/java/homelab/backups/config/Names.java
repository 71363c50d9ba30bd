package homelab.backups.config;

import java.util.regex.Pattern;

/** Kubernetes name rules, checked before anything reaches the API server. */
public final class Names {
    private static final Pattern DNS1123_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    /**
     * The longest app id: VolSync names its jobs {@code volsync-src-<app>-backup} and labels carry that name,
     * which must stay within 63 characters.
     */
    public static final int MAX_APP_LENGTH = 40;

    private Names() {
    }

    /** Empty when {@code name} is a valid DNS-1123 label no longer than {@code max}; else why not. */
    public static String labelProblem(String name, int max) {
        if (name.length() > max) return "'" + name + "' is " + name.length() + " characters; at most " + max + " allowed";
        if (!DNS1123_LABEL.matcher(name).matches()) {
            return "'" + name + "' is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending alphanumeric)";
        }
        return "";
    }

    public static String subdomainProblem(String name) {
        if (name.length() > 253) return "'" + name + "' is longer than 253 characters";
        if (!DNS1123_SUBDOMAIN.matcher(name).matches()) {
            return "'" + name + "' is not a DNS-1123 name (lower-case letters, digits, '-' and '.')";
        }
        return "";
    }
}
