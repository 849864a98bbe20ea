package dev.llmwatcher.answer;

import dev.llmwatcher.config.AnswerPolicy;
import dev.llmwatcher.llm.LlmAnswer;
import dev.llmwatcher.llm.TokenUsage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnswerInterpreterTest {

    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));

    private final AnswerInterpreter interpreter = new AnswerInterpreter();

    private static LlmAnswer llm(String text) {
        return new LlmAnswer(text, TokenUsage.NONE, "stop", Duration.ZERO);
    }

    @Test
    void parsesAnObjectThatMatchesTheSchema() throws Exception {
        Answer answer = interpreter.interpret(llm("{\"scale\": 5}"), SCALE_SCHEMA);

        assertThat(answer.isStructured()).isTrue();
        assertThat(answer.fields()).isEqualTo(Map.of("scale", 5));
    }

    @Test
    void keepsEveryJsonTypeAndEveryDigitOfTheAnswer() throws Exception {
        String text = "{\"f\": 0.1, \"big\": 12345678901234567890, \"long\": 9999999999, \"int\": 7,"
                + " \"exp\": 1e400, \"yes\": true, \"none\": null, \"s\": \"ü\","
                + " \"list\": [1, \"two\", [3.50], {}], \"nested\": {\"a\": {\"b\": -0.0}}}";

        Answer answer = interpreter.interpret(llm(text), "json");

        var mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Map<String, Object> databind = mapper.convertValue(mapper.readTree(text),
                new com.fasterxml.jackson.core.type.TypeReference<>() {
                });
        assertThat(answer.fields()).as("what ObjectMapper.convertValue of the parsed tree gives").isEqualTo(databind);
        assertThat(answer.fields().get("f")).isEqualTo(new java.math.BigDecimal("0.1"));
        assertThat(answer.fields().get("big")).isEqualTo(new java.math.BigInteger("12345678901234567890"));
        assertThat(answer.fields().get("long")).isEqualTo(9999999999L);
        assertThat(answer.fields().get("list")).isEqualTo(List.of(1, "two", List.of(new java.math.BigDecimal("3.5")),
                Map.of()));
        assertThat(answer.fields()).containsEntry("none", null).containsEntry("yes", true);
    }

    @Test
    void stripsThinkingAndFences() throws Exception {
        String text = "<think>The review is positive, so 9.</think>\n```json\n{\"scale\": 9}\n```";

        Answer answer = interpreter.interpret(llm(text), SCALE_SCHEMA);

        assertThat(answer.fields()).isEqualTo(Map.of("scale", 9));
    }

    @Test
    void dropsReasoningBeforeAClosingTagWithoutOpening() throws Exception {
        Answer answer = interpreter.interpret(llm("positive, so 9.</think>{\"scale\": 9}"), SCALE_SCHEMA);

        assertThat(answer.fields()).isEqualTo(Map.of("scale", 9));
    }

    @Test
    void unterminatedThinkingLeavesNoAnswer() {
        assertThatThrownBy(() -> interpreter.interpret(llm("<think>hmm, let me see {\"scale\": 3"), SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer is empty, a JSON object was expected");
    }

    @Test
    void rejectsTextThatIsNotJson() {
        assertThatThrownBy(() -> interpreter.interpret(llm("I would say 9 out of 10."), SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessageStartingWith("the answer is not valid JSON")
                .hasMessageEndingWith(": I would say 9 out of 10.");
    }

    @Test
    void rejectsJsonThatIsNotAnObject() {
        assertThatThrownBy(() -> interpreter.interpret(llm("[9]"), "json"))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer is not a JSON object: [9]");
    }

    @Test
    void showsOnlyTheStartOfALongAnswer() {
        String longArray = "[" + "1,".repeat(500) + "1]";

        assertThatThrownBy(() -> interpreter.interpret(llm(longArray), "json"))
                .isInstanceOf(AnswerException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(240));
    }

    @Test
    void schemaViolationNamesTheProperty() {
        assertThatThrownBy(() -> interpreter.interpret(llm("{\"scale\": \"nine\"}"), SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer does not match the schema: $.scale: string found, integer expected");
    }

    @Test
    void missingRequiredPropertyIsNamed() {
        assertThatThrownBy(() -> interpreter.interpret(llm("{\"score\": 9}"), SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessageContaining("scale");
    }

    @Test
    void rejectsProtectedFields() {
        for (String key : List.of("_llm_watcher", "_id", "_index", "_routing")) {
            assertThatThrownBy(() -> interpreter.interpret(llm("{\"" + key + "\": 1}"), "json"))
                    .isInstanceOf(AnswerException.class)
                    .hasMessageStartingWith("the answer may not set the protected field \"" + key + "\"");
        }
    }

    @Test
    void jsonFormatAcceptsAnyObject() throws Exception {
        Answer answer = interpreter.interpret(llm("{\"a\": {\"b\": [1, 2]}, \"c\": null}"), "json");

        assertThat(answer.fields()).containsEntry("a", Map.of("b", List.of(1, 2))).containsEntry("c", null);
    }

    @Test
    void withoutSchemaTheTrimmedTextIsTheAnswer() throws Exception {
        Answer answer = interpreter.interpret(llm("<think>short</think>\n  A lovely review.  \n"), Map.of());

        assertThat(answer.isStructured()).isFalse();
        assertThat(answer.text()).isEqualTo("A lovely review.");
    }

    @Test
    void emptyTextAnswerFails() {
        assertThatThrownBy(() -> interpreter.interpret(llm("  "), (Object) null))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer is empty");
    }

    @Test
    void anAnswerToldByTheDocumentToSetOtherFieldsKeepsOnlyWhatTheSchemaDeclares() throws Exception {
        Answer answer = interpreter.interpret(llm("{\"scale\": 9, \"price\": 0, \"message\": \"pwned\", "
                + "\"approved\": true}"), SCALE_SCHEMA);

        assertThat(answer.fields()).isEqualTo(Map.of("scale", 9));
        assertThat(answer.undeclared()).containsExactly("price", "message", "approved");
    }

    @Test
    void extrasAreDroppedBeforeValidationSoAClosedSchemaStoresTheDeclaredPartInsteadOfFailing() throws Exception {
        Map<String, Object> closed = Map.of("type", "object", "properties", Map.of("scale", Map.of("type", "integer")),
                "required", List.of("scale"), "additionalProperties", false);

        Answer answer = interpreter.interpret(llm("{\"scale\": 9, \"approved\": true}"), closed);

        assertThat(answer.fields()).isEqualTo(Map.of("scale", 9));
        assertThat(answer.undeclared()).containsExactly("approved");
    }

    @Test
    void aProtectedFieldIsRefusedWithASchemaTooNotMerelyDropped() {
        assertThatThrownBy(() -> interpreter.interpret(llm("{\"scale\": 9, \"_id\": \"other\"}"), SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessageStartingWith("the answer may not set the protected field \"_id\"");
    }

    @Test
    void inStrictModeUndeclaredFieldsFailTheAnswerNamingThem() {
        AnswerInterpreter strict = new AnswerInterpreter(AnswerPolicy.DEFAULT.withUndeclaredFields(
                AnswerPolicy.UndeclaredFields.FAIL));

        assertThatThrownBy(() -> strict.interpret(llm("{\"scale\": 9, \"price\": 0, \"message\": \"pwned\"}"),
                SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer sets 2 fields the schema does not declare: \"price\", \"message\"; nothing "
                        + "was stored (--undeclared-fields fail)");
    }

    @Test
    void strictModeAcceptsAnAnswerWithOnlyDeclaredFields() throws Exception {
        AnswerInterpreter strict = new AnswerInterpreter(AnswerPolicy.DEFAULT.withUndeclaredFields(
                AnswerPolicy.UndeclaredFields.FAIL));

        assertThat(strict.interpret(llm("{\"scale\": 9}"), SCALE_SCHEMA).fields()).isEqualTo(Map.of("scale", 9));
    }

    @Test
    void droppedNamesAreQuotedSoALineBreakInThemCannotForgeALogLine() {
        AnswerInterpreter strict = new AnswerInterpreter(AnswerPolicy.DEFAULT.withUndeclaredFields(
                AnswerPolicy.UndeclaredFields.FAIL));

        assertThatThrownBy(() -> strict.interpret(llm("{\"scale\": 9, \"x\\n2025-01-01 INFO forged\": 1}"),
                SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains("\"x\\n2025-01-01 INFO "));
    }

    @Test
    void anAnswerLongerThanTheLimitFailsWhateverItsFormat() {
        AnswerInterpreter bounded = new AnswerInterpreter(AnswerPolicy.DEFAULT.withLimits(100, 1000));
        String longText = "é".repeat(60);

        for (Object format : new Object[] {null, "json", SCALE_SCHEMA}) {
            assertThatThrownBy(() -> bounded.interpret(llm(longText), format))
                    .as(String.valueOf(format))
                    .isInstanceOf(AnswerException.class)
                    .hasMessage("the answer is 120 bytes long, more than the limit of 100 (--max-answer-bytes); "
                            + "nothing was stored");
        }
    }

    @Test
    void reasoningDoesNotCountTowardsTheSizeLimit() throws Exception {
        AnswerInterpreter bounded = new AnswerInterpreter(AnswerPolicy.DEFAULT.withLimits(100, 1000));

        Answer answer = bounded.interpret(llm("<think>" + "hmm ".repeat(100) + "</think>{\"scale\": 9}"),
                SCALE_SCHEMA);

        assertThat(answer.fields()).isEqualTo(Map.of("scale", 9));
    }

    @Test
    void fieldsAreCountedAsDistinctPathsNestedOnesIncludedArrayItemsOnce() throws Exception {
        AnswerInterpreter bounded = new AnswerInterpreter(AnswerPolicy.DEFAULT.withLimits(65_536, 4));
        String fourPaths = "{\"a\": {\"b\": 1, \"c\": [{\"d\": 1}, {\"d\": 2}, {\"d\": 3}]}}";
        String fivePaths = "{\"a\": {\"b\": 1, \"c\": [{\"d\": 1}, {\"e\": 2}]}}";

        assertThat(bounded.interpret(llm(fourPaths), "json").fields()).containsKey("a");
        assertThatThrownBy(() -> bounded.interpret(llm(fivePaths), "json"))
                .isInstanceOf(AnswerException.class)
                .hasMessage("the answer has more than 4 fields (--max-answer-fields; nested fields count, each "
                        + "distinct path once); nothing was stored");
    }

    @Test
    void theFieldLimitCountsTheAnswerAsTheModelGaveItNotWhatIsLeftAfterDropping() {
        AnswerInterpreter bounded = new AnswerInterpreter(AnswerPolicy.DEFAULT.withLimits(65_536, 3));

        assertThatThrownBy(() -> bounded.interpret(llm("{\"scale\": 1, \"a\": 1, \"b\": 1, \"c\": 1}"),
                SCALE_SCHEMA))
                .isInstanceOf(AnswerException.class)
                .hasMessageContaining("more than 3 fields");
    }

    @Test
    void aSchemalessAnswerNamesEveryFieldUnnamedSoItCanNeverOverwrite() throws Exception {
        Answer answer = interpreter.interpret(llm("{\"sentiment\": \"positive\", \"message\": \"pwned\"}"), "json");

        assertThat(answer.schemaless()).isTrue();
        assertThat(answer.unnamed()).containsExactlyInAnyOrder("sentiment", "message");
    }
}
