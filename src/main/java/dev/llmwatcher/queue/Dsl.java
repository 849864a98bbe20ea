package dev.llmwatcher.queue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The few pieces of Elasticsearch's query DSL the queue uses, as the JSON maps they are sent as. */
final class Dsl {

    private Dsl() {
    }

    static Map<String, Object> term(String field, Object value) {
        return Map.of("term", Map.of(field, Map.of("value", value)));
    }

    static Map<String, Object> exists(String field) {
        return Map.of("exists", Map.of("field", field));
    }

    static Map<String, Object> missing(String field) {
        return bool().mustNot(exists(field)).build();
    }

    /** A range on a date field; {@code bound} is {@code lt}, {@code lte}, {@code gt} or {@code gte}. */
    static Map<String, Object> range(String field, String bound, String value) {
        return Map.of("range", Map.of(field, Map.of(bound, value)));
    }

    static Map<String, Object> anyOf(Map<String, Object> first, Map<String, Object> second) {
        return bool().should(first).should(second).minimumShouldMatch(1).build();
    }

    static Map<String, Object> matchPhrase(String field, String text) {
        return Map.of("match_phrase", Map.of(field, text));
    }

    static Map<String, Object> ids(List<String> ids) {
        return Map.of("ids", Map.of("values", List.copyOf(ids)));
    }

    static Map<String, Object> min(String field) {
        return Map.of("min", Map.of("field", field));
    }

    static Bool bool() {
        return new Bool();
    }

    /** A {@code bool} query, clause by clause. */
    static final class Bool {
        private final Map<String, List<Object>> clauses = new LinkedHashMap<>();
        private Integer minimumShouldMatch;

        Bool filter(Map<String, Object> query) {
            return add("filter", query);
        }

        Bool mustNot(Map<String, Object> query) {
            return add("must_not", query);
        }

        Bool should(Map<String, Object> query) {
            return add("should", query);
        }

        Bool minimumShouldMatch(int n) {
            minimumShouldMatch = n;
            return this;
        }

        Map<String, Object> build() {
            Map<String, Object> body = new LinkedHashMap<>(clauses);
            if (minimumShouldMatch != null) {
                body.put("minimum_should_match", minimumShouldMatch);
            }
            return Map.of("bool", body);
        }

        private Bool add(String occur, Map<String, Object> query) {
            clauses.computeIfAbsent(occur, k -> new ArrayList<>()).add(query);
            return this;
        }
    }
}
