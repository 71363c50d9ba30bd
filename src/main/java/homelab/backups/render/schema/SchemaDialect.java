package homelab.backups.render.schema;

import com.networknt.schema.ExecutionContext;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaContext;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.format.Format;
import com.networknt.schema.keyword.AbstractKeyword;
import com.networknt.schema.keyword.BaseKeywordValidator;
import com.networknt.schema.keyword.KeywordValidator;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import java.math.BigInteger;
import tools.jackson.databind.JsonNode;

/** The networknt validator set up for {@link StructuralSchema}s: OpenAPI 3.0 plus Kubernetes' integer formats. */
final class SchemaDialect {

    private SchemaDialect() {}

    /** Compiles lazily: subschemas are built when a validation first reaches them. */
    static Schema compile(JsonNode schema) {
        return Holder.REGISTRY.getSchema(schema);
    }

    /** A holder, so that indexing CRDs does not start the validator library. */
    private static final class Holder {
        static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
                Dialect.builder("https://homelab.backups/k8s-structural-schema", Dialects.getOpenApi30())
                        .keyword(new EnumKeyword())
                        .format(new IntFormat("int32", Integer.MIN_VALUE, Integer.MAX_VALUE))
                        .format(new IntFormat("int64", Long.MIN_VALUE, Long.MAX_VALUE))
                        .build(),
                b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .pathType(PathType.JSON_PATH)
                        .formatAssertionsEnabled(true)
                        .preloadSchema(false)
                        .build()));
    }

    /** Kubernetes' int32/int64 formats: range checks on integers. */
    private record IntFormat(String name, long min, long max) implements Format {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean matches(ExecutionContext ctx, SchemaContext sc, JsonNode value) {
            if (!value.isIntegralNumber()) return true; // `type` reports non-integers
            BigInteger v = value.bigIntegerValue();
            return v.compareTo(BigInteger.valueOf(min)) >= 0 && v.compareTo(BigInteger.valueOf(max)) <= 0;
        }
    }

    /**
     * {@code enum} without the library's EnumValidator, whose constructor prints the values with
     * JsonNode.toString() and so starts Jackson's JsonMapper: about 0.2 s of a cold JVM.
     */
    private static final class EnumKeyword extends AbstractKeyword {
        EnumKeyword() {
            super("enum");
        }

        @Override
        public KeywordValidator newValidator(SchemaLocation location, JsonNode values, Schema parent, SchemaContext context) {
            boolean nullable = parent.getSchemaNode().path("nullable").asBoolean(false);
            return new BaseKeywordValidator(this, values, location, parent, context) {
                @Override
                public void validate(ExecutionContext ctx, JsonNode node, JsonNode root, NodePath at) {
                    if (node.isNull() && nullable) return;
                    for (JsonNode allowed : values) {
                        if (allowed.isNumber() && node.isNumber() ? allowed.decimalValue().compareTo(node.decimalValue()) == 0
                                : allowed.equals(node)) {
                            return;
                        }
                    }
                    ctx.addError(error().instanceNode(node).instanceLocation(at)
                            .evaluationPath(ctx.getEvaluationPath()).arguments("allowed values").build());
                }
            };
        }
    }
}
