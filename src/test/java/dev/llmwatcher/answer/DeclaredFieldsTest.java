package dev.llmwatcher.answer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which fields of an answer a schema declares, at every depth and through every way a schema can say it: what a
 * model told to set other fields gets stored is exactly what the schema asked for.
 */
class DeclaredFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keeps what {@code schema} declares of {@code answer}; returns the answer left and what was dropped. */
    private record Filtered(Map<String, Object> kept, DeclaredFields.Retained retained) {
    }

    private static Filtered filter(String schema, String answer) throws Exception {
        Map<String, Object> schemaMap = JSON.readValue(schema, new TypeReference<>() { });
        ObjectNode node = (ObjectNode) JSON.readTree(answer);
        DeclaredFields.Retained retained = FormatSpec.parse(schemaMap).declared().retainDeclared(node);
        return new Filtered(JSON.convertValue(node, new TypeReference<>() { }), retained);
    }

    private static Filtered filterUncompiled(String schema, String answer) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(answer);
        DeclaredFields.Retained retained = DeclaredFields.of(json(schema)).retainDeclared(node);
        return new Filtered(JSON.convertValue(node, new TypeReference<>() { }), retained);
    }

    private static Map<String, Object> json(String text) throws Exception {
        return JSON.readValue(text, new TypeReference<>() { });
    }

    @Test
    void theIssuesAnswerKeepsOnlyTheScale() throws Exception {
        Filtered filtered = filter("""
                {"type": "object", "properties": {"scale": {"type": "integer"}}, "required": ["scale"]}""",
                """
                {"scale": 9, "price": 0, "message": "pwned", "approved": true}""");

        assertThat(filtered.kept()).isEqualTo(Map.of("scale", 9));
        assertThat(filtered.retained().dropped()).containsExactly("price", "message", "approved");
        assertThat(filtered.retained().rootExtras()).isEmpty();
    }

    @Test
    void nestedObjectsAreFilteredByTheirOwnSchema() throws Exception {
        Filtered filtered = filter("""
                {"type": "object", "properties": {"review": {"type": "object", "properties": {
                  "scale": {"type": "integer"}, "topics": {"type": "object", "properties": {"price": {}}}}}}}""",
                """
                {"review": {"scale": 3, "approved": true, "topics": {"price": "high", "admin": 1}}}""");

        assertThat(filtered.kept()).isEqualTo(json("""
                {"review": {"scale": 3, "topics": {"price": "high"}}}"""));
        assertThat(filtered.retained().dropped()).containsExactly("review.approved", "review.topics.admin");
    }

    @Test
    void arrayItemsAreFilteredByItemsAndPrefixItemsAndEachDroppedPathIsNamedOnce() throws Exception {
        Filtered filtered = filter("""
                {"type": "object", "properties": {
                  "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {}}}},
                  "pair": {"type": "array", "prefixItems": [{"properties": {"a": {}}}, {"properties": {"b": {}}}],
                           "items": {"properties": {"c": {}}}}}}""",
                """
                {"tags": [{"name": "a", "evil": 1}, {"name": "b", "evil": 2}],
                 "pair": [{"a": 1, "b": 1}, {"a": 2, "b": 2}, {"c": 3, "a": 3}]}""");

        assertThat(filtered.kept()).isEqualTo(json("""
                {"tags": [{"name": "a"}, {"name": "b"}], "pair": [{"a": 1}, {"b": 2}, {"c": 3}]}"""));
        assertThat(filtered.retained().dropped()).containsExactly("tags[].evil", "pair[].b", "pair[].a");
    }

    /**
     * Read by {@link DeclaredFields} alone: the schema compiler checks every schema against the 2020-12 meta-schema,
     * which refuses an array {@code items}, but the filter follows the older drafts' keywords as well.
     */
    @Test
    void draft7TupleItemsAndAdditionalItemsAreFollowedToo() throws Exception {
        Filtered filtered = filterUncompiled("""
                {"$schema": "http://json-schema.org/draft-07/schema#", "properties": {
                  "old": {"type": "array", "items": [{"properties": {"x": {}}}],
                          "additionalItems": {"properties": {"y": {}}}}}}""",
                """
                {"old": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}""");

        assertThat(filtered.kept()).isEqualTo(json("""
                {"old": [{"x": 1}, {"y": 2}]}"""));
        assertThat(filtered.retained().dropped()).containsExactly("old[].y", "old[].x");
    }

    @Test
    void referencesAreFollowedToDefsDefinitionsAnchorsAndEmbeddedIds() throws Exception {
        Filtered filtered = filter("""
                {"$id": "https://example.com/review.json", "type": "object",
                 "properties": {"item": {"$ref": "#/$defs/item"}, "old": {"$ref": "#/definitions/old"},
                                "anchored": {"$ref": "#named"}, "embedded": {"$ref": "part.json"},
                                "tree": {"$ref": "#/$defs/node"}},
                 "$defs": {"item": {"properties": {"a": {}}}, "named": {"$anchor": "named", "properties": {"b": {}}},
                           "part": {"$id": "part.json", "properties": {"c": {}}},
                           "node": {"properties": {"v": {}, "child": {"$ref": "#/$defs/node"}}}},
                 "definitions": {"old": {"properties": {"d": {}}}}}""",
                """
                {"item": {"a": 1, "x": 1}, "old": {"d": 1, "x": 1}, "anchored": {"b": 1, "x": 1},
                 "embedded": {"c": 1, "x": 1},
                 "tree": {"v": 1, "x": 1, "child": {"v": 2, "child": {"v": 3, "x": 3}}}}""");

        assertThat(filtered.kept()).isEqualTo(json("""
                {"item": {"a": 1}, "old": {"d": 1}, "anchored": {"b": 1}, "embedded": {"c": 1},
                 "tree": {"v": 1, "child": {"v": 2, "child": {"v": 3}}}}"""));
        assertThat(filtered.retained().dropped()).hasSize(6);
    }

    @Test
    void aNameDeclaredInAnyBranchOfAllOfAnyOfOneOfOrIfThenElseIsDeclared() throws Exception {
        Filtered filtered = filter("""
                {"allOf": [{"properties": {"a": {}}}, {"required": ["b"]}],
                 "anyOf": [{"properties": {"c": {}}}, {"$ref": "#/$defs/d"}],
                 "oneOf": [{"properties": {"e": {}}}],
                 "if": {"properties": {"f": {"const": 1}}}, "then": {"properties": {"g": {}}},
                 "else": {"properties": {"h": {}}},
                 "$defs": {"d": {"properties": {"d": {}}}}}""",
                """
                {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "h": 1, "evil": 1}""");

        assertThat(filtered.kept()).containsOnlyKeys("a", "b", "c", "d", "e", "f", "g", "h");
        assertThat(filtered.retained().dropped()).containsExactly("evil");
    }

    @Test
    void additionalPropertiesTrueOrASchemaIsTheUsersPermissionForExtrasWhichAreFilteredByIt() throws Exception {
        Filtered open = filter("""
                {"properties": {"scale": {}}, "additionalProperties": true}""", """
                {"scale": 1, "mood": "happy"}""");
        Filtered scores = filter("""
                {"properties": {"scores": {"type": "object",
                  "additionalProperties": {"type": "object", "properties": {"value": {}}}}}}""", """
                {"scores": {"food": {"value": 4, "evil": 1}, "service": {"value": 5}}}""");

        assertThat(open.kept()).isEqualTo(Map.of("scale", 1, "mood", "happy"));
        assertThat(open.retained().rootExtras()).containsExactly("mood");
        assertThat(scores.kept()).isEqualTo(json("""
                {"scores": {"food": {"value": 4}, "service": {"value": 5}}}"""));
        assertThat(scores.retained().dropped()).containsExactly("scores.food.evil");
    }

    @Test
    void additionalPropertiesFalseAndAbsentBothDropExtrasAndAFalsePropertyIsNotDeclared() throws Exception {
        Filtered closed = filter("""
                {"properties": {"scale": {}, "price": false}, "additionalProperties": false}""", """
                {"scale": 1, "price": 0, "mood": "happy"}""");

        assertThat(closed.kept()).isEqualTo(Map.of("scale", 1));
        assertThat(closed.retained().dropped()).containsExactly("price", "mood");
    }

    @Test
    void patternPropertiesAllowTheNamesTheyMatchAsExtras() throws Exception {
        Filtered filtered = filter("""
                {"properties": {"scale": {}}, "patternProperties": {"^score_": {"type": "integer"}}}""", """
                {"scale": 1, "score_food": 4, "price": 0}""");

        assertThat(filtered.kept()).isEqualTo(Map.of("scale", 1, "score_food", 4));
        assertThat(filtered.retained().rootExtras()).containsExactly("score_food");
        assertThat(filtered.retained().dropped()).containsExactly("price");
    }

    @Test
    void anObjectWhoseSchemaSaysNothingOfItsPropertiesIsFreeFormAndKeptWhole() throws Exception {
        Filtered nested = filter("""
                {"properties": {"details": {"type": "object"}, "tags": {"type": "array"}}}""", """
                {"details": {"anything": {"deep": 1}}, "tags": [{"x": 1}], "price": 0}""");
        Filtered root = filter("""
                {"type": "object"}""", """
                {"anything": 1, "_id": "x"}""");

        assertThat(nested.kept()).isEqualTo(json("""
                {"details": {"anything": {"deep": 1}}, "tags": [{"x": 1}]}"""));
        assertThat(nested.retained().dropped()).containsExactly("price");
        assertThat(root.kept()).isEqualTo(Map.of("anything", 1));
        assertThat(root.retained().rootExtras()).containsExactly("anything");
        assertThat(root.retained().dropped()).containsExactly("_id");
    }

    @Test
    void aProtectedNameIsNeverDeclaredAtTheRootEvenWhenExtrasAreAllowed() throws Exception {
        Filtered filtered = filter("""
                {"properties": {"scale": {}}, "additionalProperties": true}""", """
                {"scale": 1, "_index": "secrets", "_llm_watcher": {}}""");

        assertThat(filtered.kept()).isEqualTo(Map.of("scale", 1));
        assertThat(filtered.retained().dropped()).containsExactly("_index", "_llm_watcher");
    }

    @Test
    void aSchemaThatNamesAProtectedFieldAtItsRootIsRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> FormatSpec.parse(json("""
                {"properties": {"_id": {"type": "string"}}}""")))
                .isInstanceOf(InvalidFormatException.class)
                .hasMessageContaining("protected field \"_id\"");
    }

    @Test
    void aReferenceThatLeadsOutsideTheSchemaOrNowhereIsRefusedBeforeAnyCall() {
        for (String reference : new String[] {"https://example.com/schema.json", "#/$defs/missing", "#nowhere"}) {
            assertThatThrownBy(() -> FormatSpec.parse(json("""
                    {"properties": {"a": {"$ref": "%s"}}, "$defs": {}}""".formatted(reference))))
                    .as(reference)
                    .isInstanceOf(InvalidFormatException.class)
                    .hasMessageContaining(reference).hasMessageContaining("only references within it are followed");
        }
    }
}
