package dev.llmwatcher.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Which field to aggregate on or match exactly, on a queue index made by our template (keyword fields) as on one
 * mapped dynamically (text fields with a {@code .keyword} subfield): the field capabilities of both tell.
 */
public final class KeywordChoice {

    private KeywordChoice() {
    }

    /** The fields whose capabilities to ask for: each wanted field and its {@code .keyword} subfield. */
    public static List<String> asked(List<String> wanted) {
        return wanted.stream().flatMap(f -> Stream.of(f, f + ".keyword")).toList();
    }

    /**
     * For each field: itself when aggregatable, else its {@code .keyword} subfield (dynamic mapping), else itself (a
     * field no document has yet; an aggregation or term query on it then matches nothing).
     */
    public static Map<String, String> pick(List<String> wanted, Predicate<String> aggregatable) {
        Map<String, String> chosen = new HashMap<>();
        for (String field : wanted) {
            String pick = field;
            if (!aggregatable.test(field) && aggregatable.test(field + ".keyword")) {
                pick = field + ".keyword";
            }
            chosen.put(field, pick);
        }
        return chosen;
    }
}
