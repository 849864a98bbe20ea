package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.field_caps.FieldCapability;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which field to aggregate on or match exactly, on a queue index made by our template (keyword fields) as on one
 * mapped dynamically (text fields with a {@code .keyword} subfield): field capabilities tell.
 */
final class KeywordFields {

    private KeywordFields() {
    }

    /**
     * For each field: itself when aggregatable, else its {@code .keyword} subfield (dynamic mapping), else itself (a
     * field no document has yet; an aggregation or term query on it then matches nothing).
     */
    static Map<String, String> pick(ElasticsearchClient client, String index, List<String> wanted)
            throws IOException {
        List<String> asked = wanted.stream().flatMap(f -> Stream.of(f, f + ".keyword")).toList();
        Map<String, Map<String, FieldCapability>> caps = client.fieldCaps(f -> f.index(index).fields(asked)).fields();
        Map<String, String> chosen = new HashMap<>();
        for (String field : wanted) {
            String pick = field;
            if (!aggregatable(caps.get(field)) && aggregatable(caps.get(field + ".keyword"))) {
                pick = field + ".keyword";
            }
            chosen.put(field, pick);
        }
        return chosen;
    }

    /**
     * The field to aggregate {@code field} on: itself when aggregatable, else its {@code .keyword} sub-field when that
     * is; empty when neither is mapped as aggregatable yet (a queue index made without the template, before any
     * document had the field).
     */
    static Optional<String> aggregatable(ElasticsearchClient client, String index, String field)
            throws IOException {
        Map<String, Map<String, FieldCapability>> caps = client.fieldCaps(f -> f.index(index)
                .fields(List.of(field, field + ".keyword"))).fields();
        if (aggregatable(caps.get(field))) {
            return Optional.of(field);
        }
        return aggregatable(caps.get(field + ".keyword")) ? Optional.of(field + ".keyword")
                : Optional.empty();
    }

    /** {@code byType} is the field's entry in the field capabilities: one capability per mapped type. */
    private static boolean aggregatable(Map<String, FieldCapability> byType) {
        return byType != null && !byType.isEmpty() && byType.values().stream().allMatch(FieldCapability::aggregatable);
    }
}
