package homelab.backups.plan;

import java.util.Map;

/**
 * One object read where the answer matters either way and "cannot tell" must not pass for "absent": found, absent
 * (no such object, or its kind is not served), or refused by the API server (RBAC), with the server's reason.
 */
public sealed interface LiveRead permits LiveRead.Found, LiveRead.Absent, LiveRead.Refused {
    record Found(Map<String, Object> object) implements LiveRead {
        public Found {
            object = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(object));   // JSON nulls stay
        }
    }

    record Absent() implements LiveRead {
    }

    record Refused(String why) implements LiveRead {
        public Refused {
            if (why == null || why.isBlank()) throw new IllegalArgumentException("a refusal names its reason");
        }
    }
}
