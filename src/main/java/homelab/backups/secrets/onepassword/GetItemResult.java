package homelab.backups.secrets.onepassword;

import com.pulumi.core.annotations.CustomType;
import java.util.List;
import java.util.Optional;

/**
 * The part of the 1Password item this program reads: the built-in login fields and the custom fields of every
 * section (custom fields such as {@code restic_password} are only reachable by label there).
 */
@CustomType
public final class GetItemResult {
    private String id;
    private String title;
    private String username;
    private String password;
    private String credential;
    private List<Section> sections;

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public List<Section> sections() {
        return sections == null ? List.of() : sections;
    }

    /** The value of the field labelled {@code label}: a section field first, then the built-in ones. */
    public Optional<String> field(String label) {
        for (var section : sections()) {
            for (var field : section.fields()) {
                if (label.equals(field.label()) && field.value() != null) return Optional.of(field.value());
            }
        }
        return Optional.ofNullable(switch (label) {
            case "username" -> username;
            case "password" -> password;
            case "credential" -> credential;
            default -> null;
        });
    }

    @CustomType.Builder
    public static final class Builder {
        private final GetItemResult result = new GetItemResult();

        @CustomType.Setter
        public Builder id(String v) {
            result.id = v;
            return this;
        }

        @CustomType.Setter
        public Builder title(String v) {
            result.title = v;
            return this;
        }

        @CustomType.Setter
        public Builder username(String v) {
            result.username = v;
            return this;
        }

        @CustomType.Setter
        public Builder password(String v) {
            result.password = v;
            return this;
        }

        @CustomType.Setter
        public Builder credential(String v) {
            result.credential = v;
            return this;
        }

        @CustomType.Setter
        public Builder sections(List<Section> v) {
            result.sections = v;
            return this;
        }

        public GetItemResult build() {
            return result;
        }
    }

    @CustomType
    public static final class Section {
        private String label;
        private List<Field> fields;

        public String label() {
            return label;
        }

        public List<Field> fields() {
            return fields == null ? List.of() : fields;
        }

        @CustomType.Builder
        public static final class Builder {
            private final Section section = new Section();

            @CustomType.Setter
            public Builder label(String v) {
                section.label = v;
                return this;
            }

            @CustomType.Setter
            public Builder fields(List<Field> v) {
                section.fields = v;
                return this;
            }

            public Section build() {
                return section;
            }
        }
    }

    @CustomType
    public static final class Field {
        private String label;
        private String value;

        public String label() {
            return label;
        }

        public String value() {
            return value;
        }

        @CustomType.Builder
        public static final class Builder {
            private final Field field = new Field();

            @CustomType.Setter
            public Builder label(String v) {
                field.label = v;
                return this;
            }

            @CustomType.Setter
            public Builder value(String v) {
                field.value = v;
                return this;
            }

            public Field build() {
                return field;
            }
        }
    }
}
