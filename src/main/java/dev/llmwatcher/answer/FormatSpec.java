package dev.llmwatcher.answer;

import com.networknt.schema.Schema;

import java.util.Map;

/**
 * A queue document's {@code format}, checked once before any LLM call: a JSON schema, {@code "json"} (any JSON
 * object), or none ({@code null} or an empty object, which is what the pipeline writes by default).
 *
 * @param schemaMap the schema as the document holds it (to send to the provider); null unless {@link #hasSchema()}
 * @param schema    the compiled schema; null unless {@link #hasSchema()}
 * @param declared  the fields the schema declares, the only ones an answer may set; null unless {@link #hasSchema()}
 */
public record FormatSpec(Mode mode, Map<String, Object> schemaMap, Schema schema, DeclaredFields declared) {

    /** What kind of answer the document asks for. */
    public enum Mode { TEXT, JSON, SCHEMA }

    public static final FormatSpec TEXT = new FormatSpec(Mode.TEXT, null, null, null);
    public static final FormatSpec JSON = new FormatSpec(Mode.JSON, null, null, null);

    /** @throws InvalidFormatException naming what is wrong with the value */
    @SuppressWarnings("unchecked")
    public static FormatSpec parse(Object format) throws InvalidFormatException {
        if (format == null) {
            return TEXT;
        }
        if (format instanceof String text) {
            if ("json".equals(text.strip())) {
                return JSON;
            }
            throw new InvalidFormatException("format must be a JSON schema object or the string \"json\", got the "
                    + "string \"" + abbreviate(text) + "\"");
        }
        if (format instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                return TEXT;
            }
            SchemaCompiler.Compiled compiled = SchemaCompiler.SHARED.compile(map);
            return new FormatSpec(Mode.SCHEMA, (Map<String, Object>) map, compiled.schema(), compiled.declared());
        }
        throw new InvalidFormatException("format must be a JSON schema object or the string \"json\", got "
                + describeType(format));
    }

    public boolean hasSchema() {
        return mode == Mode.SCHEMA;
    }

    public boolean expectsObject() {
        return mode != Mode.TEXT;
    }

    /** What to put in {@link dev.llmwatcher.llm.LlmRequest#format()}. */
    public Object requestFormat() {
        return switch (mode) {
            case TEXT -> null;
            case JSON -> "json";
            case SCHEMA -> schemaMap;
        };
    }

    private static String describeType(Object value) {
        if (value instanceof Number) {
            return "a number (" + value + ")";
        }
        if (value instanceof Boolean) {
            return "a boolean (" + value + ")";
        }
        if (value instanceof Iterable<?> || value.getClass().isArray()) {
            return "a list";
        }
        return "a " + value.getClass().getSimpleName();
    }

    private static String abbreviate(String text) {
        return text.length() <= 50 ? text : text.substring(0, 50) + "…";
    }
}
