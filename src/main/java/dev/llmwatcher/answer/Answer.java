package dev.llmwatcher.answer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An accepted answer: the fields of a JSON object (schema or {@code "json"} format), or free text.
 *
 * @param fields     the answer object's fields in answer order (values may be null), or null for a text answer
 * @param text       the text answer, or null for a structured one
 * @param undeclared the fields its schema does not declare, removed from {@code fields} (paths such as {@code
 *                   review.approved}); empty when nothing was removed
 * @param unnamed    the fields at the root of {@code fields} that no schema names: extras a schema allows, or every
 *                   field of a schemaless answer. They may add to a document but never overwrite its own fields
 * @param schemaless true for a {@code "json"} answer, which has no schema to say what it may set
 */
public record Answer(Map<String, Object> fields, String text, List<String> undeclared, Set<String> unnamed,
                     boolean schemaless) {

    /** An answer whose every field its schema names. */
    public static Answer structured(Map<String, Object> fields) {
        return declared(fields, List.of(), Set.of());
    }

    /** An answer checked against its schema: {@code undeclared} were removed, {@code unnamed} are only allowed. */
    public static Answer declared(Map<String, Object> fields, List<String> undeclared, Set<String> unnamed) {
        return new Answer(Collections.unmodifiableMap(new LinkedHashMap<>(fields)), null, List.copyOf(undeclared),
                Set.copyOf(unnamed), false);
    }

    /** A {@code "json"} answer: any object, none of whose fields may overwrite the document's own. */
    public static Answer schemaless(Map<String, Object> fields) {
        return new Answer(Collections.unmodifiableMap(new LinkedHashMap<>(fields)), null, List.of(),
                Set.copyOf(fields.keySet()), true);
    }

    public static Answer text(String text) {
        return new Answer(null, text, List.of(), Set.of(), false);
    }

    public boolean isStructured() {
        return fields != null;
    }
}
