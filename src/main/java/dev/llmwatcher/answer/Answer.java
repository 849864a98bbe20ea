package dev.llmwatcher.answer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An accepted answer: the fields of a JSON object (schema or {@code "json"} format), or free text.
 *
 * @param fields the answer object's fields in answer order (values may be null), or null for a text answer
 * @param text   the text answer, or null for a structured one
 */
public record Answer(Map<String, Object> fields, String text) {

    public static Answer structured(Map<String, Object> fields) {
        return new Answer(Collections.unmodifiableMap(new LinkedHashMap<>(fields)), null);
    }

    public static Answer text(String text) {
        return new Answer(null, text);
    }

    public boolean isStructured() {
        return fields != null;
    }
}
