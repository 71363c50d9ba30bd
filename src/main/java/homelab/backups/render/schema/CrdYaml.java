package homelab.backups.render.schema;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/**
 * The documents of a CRD file as plain maps, lists and scalars, read by snakeyaml-engine.
 *
 * <p>Scalars are typed by the YAML 1.2 JSON schema, as the hand-written reader before this one did: only
 * {@code true}/{@code false} are booleans and {@code null} is null; {@code On}, {@code yes}, {@code ~} or
 * {@code 0777} stay strings (YAML 1.1, snakeyaml 1.x's default, would make booleans and octals of them, and an enum
 * value {@code "On"} would no longer match the string a resource carries).
 *
 * <p>The maps are built from snakeyaml's event stream rather than by {@link Load}: the CRDs are megabytes (the PGO
 * one alone is 2.8 MB, two thirds of it descriptions), and skipping the node graph and every scalar {@code description}
 * halves the read (docs/facts.md, "Reading the CRD schemas"). Scalars are typed by the
 * schema's own resolver and constructors, so a value is what {@link Load} with {@link #SETTINGS} returns. Anything
 * beyond plain block and flow collections (anchors, aliases, explicit tags, non-scalar keys, duplicate keys) and
 * any error sends the whole file to {@link Load}, descriptions and all: it reads what it can, and reports an error
 * with its line and column (the fast read keeps no positions).
 */
final class CrdYaml {

    static final LoadSettings SETTINGS = LoadSettings.builder()
            .setSchema(new JsonSchema())
            .setCodePointLimit(Integer.MAX_VALUE) // the PGO CRD is close to the 3 MB default
            .build();
    /** Positions (marks) cost a tenth of the read; only {@link Load}'s error messages need them. */
    private static final LoadSettings FAST = LoadSettings.builder()
            .setSchema(new JsonSchema())
            .setCodePointLimit(Integer.MAX_VALUE)
            .setUseMarks(false)
            .build();

    private static final JsonSchema SCHEMA = new JsonSchema();
    private static final ScalarResolver RESOLVER = SCHEMA.getScalarResolver();
    private static final Map<Tag, ConstructNode> CONSTRUCTORS = SCHEMA.getSchemaTagConstructors();
    /** Marks a dropped value. */
    private static final Object DROPPED = new Object();

    private CrdYaml() {
    }

    /**
     * The documents of {@code text}, empty ones (null) left out; with {@code dropDescriptions}, mapping entries
     * {@code description: <scalar>} are omitted (a CRD's schema validation never reads them).
     */
    static List<Object> documents(String text, boolean dropDescriptions) {
        List<Object> docs = new ArrayList<>();
        try {
            Iterator<Event> events = new Parse(FAST).parseString(text).iterator();
            Reader reader = new Reader(events, dropDescriptions);
            while (events.hasNext()) {
                Event e = events.next();
                if (e.getEventId() == Event.ID.DocumentStart) {
                    Object doc = reader.node(events.next(), false);
                    if (doc != null) docs.add(doc);
                }
            }
            return docs;
        } catch (RuntimeException e) { // Beyond, or a YAML error to report with its position
            docs.clear();
            for (Object doc : new Load(SETTINGS).loadAllFromString(text)) {
                if (doc != null) docs.add(doc);
            }
            return docs;
        }
    }

    /** Something only {@link Load} represents faithfully. */
    private static final class Beyond extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Beyond() {
            super(null, null, false, false);
        }
    }

    private static final class Reader {
        private final Iterator<Event> events;
        private final boolean dropDescriptions;

        Reader(Iterator<Event> events, boolean dropDescriptions) {
            this.events = events;
            this.dropDescriptions = dropDescriptions;
        }

        /** The value that starts with {@code e}; {@link #DROPPED} for a dropped description. */
        Object node(Event e, boolean isDescription) {
            if (e instanceof NodeEvent n && n.getAnchor().isPresent()) throw new Beyond();
            switch (e.getEventId()) {
                case Scalar -> {
                    ScalarEvent s = (ScalarEvent) e;
                    if (s.getTag().isPresent() && !s.getTag().get().equals("!")) throw new Beyond();
                    if (isDescription) return DROPPED;
                    Tag tag = RESOLVER.resolve(s.getValue(), s.getImplicit().canOmitTagInPlainScalar());
                    if (tag.equals(Tag.STR)) return s.getValue();
                    return CONSTRUCTORS.get(tag).construct(new ScalarNode(tag, s.getValue(), s.getScalarStyle()));
                }
                case MappingStart -> {
                    if (((CollectionStartEvent) e).getTag().isPresent()) throw new Beyond();
                    Map<Object, Object> map = new LinkedHashMap<>();
                    for (Event k = events.next(); k.getEventId() != Event.ID.MappingEnd; k = events.next()) {
                        if (k.getEventId() != Event.ID.Scalar) throw new Beyond();
                        Object key = node(k, false);
                        if (map.containsKey(key)) throw new Beyond(); // Load reports the duplicate
                        Object value = node(events.next(), dropDescriptions && "description".equals(key));
                        if (value != DROPPED) map.put(key, value);
                    }
                    return map;
                }
                case SequenceStart -> {
                    if (((CollectionStartEvent) e).getTag().isPresent()) throw new Beyond();
                    List<Object> list = new ArrayList<>();
                    for (Event item = events.next(); item.getEventId() != Event.ID.SequenceEnd; item = events.next()) {
                        list.add(node(item, false));
                    }
                    return list;
                }
                default -> throw new Beyond(); // an alias
            }
        }
    }
}
