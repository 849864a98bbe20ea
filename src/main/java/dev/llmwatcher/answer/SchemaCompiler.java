package dev.llmwatcher.answer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Compiles JSON schemas once per distinct content: thousands of queue documents usually share a handful of schemas.
 * Schemas are checked against the draft 2020-12 meta-schema (the default dialect; a {@code $schema} keyword picks
 * another) and never fetch remote {@code $ref}s, so a document cannot make us call arbitrary URLs. Each is kept with
 * the fields it declares ({@link DeclaredFields}), read once too.
 */
final class SchemaCompiler {

    private static final int MAX_CACHED = 512;
    private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false))
                    .schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_PATH).build()));
    /** By the schema as parsed: map equality ignores key order, so equal schemas share one entry. */
    private final Map<Object, Compiled> cache = new ConcurrentHashMap<>();
    private volatile Schema metaSchema;

    static final SchemaCompiler SHARED = new SchemaCompiler();

    /** A schema ready to validate answers, and the fields it declares. */
    record Compiled(Schema schema, DeclaredFields declared) {
    }

    /**
     * Looks the schema up by value (hashing a parsed map costs far less than writing it out as canonical JSON, which
     * every document paid before); compiles it on a miss and keeps a frozen copy as the key, so a caller changing its
     * map afterwards cannot corrupt the cache.
     */
    Compiled compile(Map<?, ?> schemaMap) throws InvalidFormatException {
        Compiled cached = cache.get(schemaMap);
        if (cached != null) {
            return cached;
        }
        canonical(schemaMap);
        Schema schema = compileUncached(CANONICAL.valueToTree(schemaMap));
        Map<?, ?> key = (Map<?, ?>) frozen(schemaMap);
        Compiled compiled = new Compiled(schema, DeclaredFields.of(key));
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
        }
        cache.put(key, compiled);
        return compiled;
    }

    /** A deep, unmodifiable copy of parsed JSON (maps, lists, scalars). */
    private static Object frozen(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, frozen(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SchemaCompiler::frozen).toList();
        }
        return value;
    }

    private Schema compileUncached(JsonNode schemaNode) throws InvalidFormatException {
        List<Error> metaErrors = meta().validate(schemaNode);
        if (!metaErrors.isEmpty()) {
            throw new InvalidFormatException("format is not a valid JSON schema: " + describe(metaErrors));
        }
        try {
            Schema schema = registry.getSchema(schemaNode);
            schema.validate(CANONICAL.createObjectNode());
            return schema;
        } catch (RuntimeException e) {
            throw new InvalidFormatException("format is not a usable JSON schema: " + e.getMessage());
        }
    }

    private Schema meta() {
        Schema meta = metaSchema;
        if (meta == null) {
            meta = registry.getSchema(SchemaLocation.of(META_SCHEMA));
            metaSchema = meta;
        }
        return meta;
    }

    /** Up to three errors, each naming the instance path, e.g. {@code $.scale: string found, integer expected}. */
    static String describe(List<Error> errors) {
        String shown = errors.stream().limit(3).map(Error::toString).collect(Collectors.joining("; "));
        return errors.size() > 3 ? shown + " (and " + (errors.size() - 3) + " more)" : shown;
    }

    /** Checks the schema can be written as JSON at all (a map built in code could hold anything). */
    private static String canonical(Map<?, ?> schemaMap) throws InvalidFormatException {
        try {
            return CANONICAL.writeValueAsString(schemaMap);
        } catch (JsonProcessingException e) {
            throw new InvalidFormatException("format is not serialisable as JSON: " + e.getOriginalMessage());
        }
    }
}
