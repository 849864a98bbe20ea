package dev.llmwatcher.answer;

import dev.llmwatcher.config.AnswerPolicy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultMergerTest {

    private final ResultMerger merger = new ResultMerger();
    private final Map<String, Object> queued = new HashMap<>(Map.of("message", "I love it!",
            "_llm_watcher", Map.of("provider", "ollama", "_original_index", "my-index")));

    @Test
    void mergesAStructuredAnswerAtTheRootAsTheOriginalDid() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.structured(Map.of("scale", 5)), null).document();

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "scale", 5));
    }

    @Test
    void putsAStructuredAnswerUnderTheTargetField() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.structured(Map.of("scale", 5)), "review")
                .document();

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "review", Map.of("scale", 5)));
    }

    @Test
    void putsATextAnswerUnderLlmOutputByDefault() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.text("Positive."), null).document();

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "llm_output", "Positive."));
    }

    @Test
    void putsATextAnswerUnderTheTargetField() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.text("Positive."), "summary").document();

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "summary", "Positive."));
    }

    @Test
    void neverChangesTheQueuedDocument() throws Exception {
        Map<String, Object> before = Map.copyOf(queued);

        merger.merge(queued, Answer.structured(Map.of("message", "overwritten")), null);

        assertThat(queued).isEqualTo(before);
    }

    @Test
    void rejectsAProtectedTargetField() {
        assertThatThrownBy(() -> merger.merge(queued, Answer.text("x"), "_llm_watcher"))
                .isInstanceOf(AnswerException.class)
                .hasMessageStartingWith("target_field \"_llm_watcher\" is protected");
    }

    @Test
    void aFieldTheSchemaNamesOverwritesTheDocumentsOwnAsBefore() throws Exception {
        ResultMerger.Merged merged = merger.merge(queued, Answer.structured(Map.of("message", "Summarised")), null);

        assertThat(merged.document()).containsEntry("message", "Summarised");
        assertThat(merged.dropped()).isEmpty();
    }

    @Test
    void anExtraTheSchemaOnlyAllowsAddsToTheDocumentButNeverOverwritesIt() throws Exception {
        Answer answer = Answer.declared(Map.of("scale", 5, "message", "pwned", "mood", "happy"), List.of("price"),
                Set.of("message", "mood"));

        ResultMerger.Merged merged = merger.merge(queued, answer, null);

        assertThat(merged.document()).isEqualTo(Map.of("message", "I love it!", "scale", 5, "mood", "happy"));
        assertThat(merged.dropped()).containsExactly("price", "message");
        assertThat(merged.kept()).isEmpty();
    }

    @Test
    void anExtraWithTheValueTheDocumentAlreadyHasIsNoOverwrite() throws Exception {
        Answer answer = Answer.declared(Map.of("message", "I love it!"), List.of(), Set.of("message"));

        ResultMerger.Merged merged = merger.merge(queued, answer, null);

        assertThat(merged.dropped()).isEmpty();
        assertThat(merged.document()).containsEntry("message", "I love it!");
    }

    @Test
    void underATargetFieldTheAnswerOverwritesNothingButItsTarget() throws Exception {
        Answer answer = Answer.declared(Map.of("message", "pwned"), List.of("price"), Set.of("message"));

        ResultMerger.Merged merged = merger.merge(queued, answer, "review");

        assertThat(merged.document()).isEqualTo(Map.of("message", "I love it!", "review", Map.of("message", "pwned")));
        assertThat(merged.dropped()).containsExactly("price");
    }

    @Test
    void aSchemalessAnswerThatWouldOverwriteTheDocumentIsStoredWholeUnderLlmOutput() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("sentiment", "positive");
        fields.put("message", "pwned");

        ResultMerger.Merged merged = merger.merge(queued, Answer.schemaless(fields), null);

        assertThat(merged.document()).isEqualTo(Map.of("message", "I love it!", "llm_output", fields));
        assertThat(merged.kept()).containsExactly("message");
        assertThat(merged.dropped()).isEmpty();
    }

    @Test
    void aSchemalessAnswerThatOverwritesNothingIsMergedAtTheRoot() throws Exception {
        ResultMerger.Merged merged = merger.merge(queued, Answer.schemaless(Map.of("sentiment", "positive")), null);

        assertThat(merged.document()).isEqualTo(Map.of("message", "I love it!", "sentiment", "positive"));
        assertThat(merged.kept()).isEmpty();
    }

    @Test
    void aSchemalessCollisionFailsWhenLlmOutputIsTakenToo() {
        queued.put("llm_output", "an earlier answer");

        assertThatThrownBy(() -> merger.merge(queued, Answer.schemaless(Map.of("message", "pwned")), null))
                .isInstanceOf(AnswerException.class)
                .hasMessageContaining("would overwrite the document's \"message\"")
                .hasMessageContaining("llm_output");
    }

    @Test
    void inStrictModeEveryOverwriteAttemptFailsTheDocument() {
        ResultMerger strict = new ResultMerger(AnswerPolicy.DEFAULT.withUndeclaredFields(
                AnswerPolicy.UndeclaredFields.FAIL));
        Answer extra = Answer.declared(Map.of("message", "pwned"), List.of(), Set.of("message"));

        assertThatThrownBy(() -> strict.merge(queued, Answer.schemaless(Map.of("message", "pwned")), null))
                .isInstanceOf(AnswerException.class)
                .hasMessageContaining("\"message\"").hasMessageContaining("--undeclared-fields fail");
        assertThatThrownBy(() -> strict.merge(queued, extra, null))
                .isInstanceOf(AnswerException.class)
                .hasMessageContaining("\"message\"").hasMessageContaining("--undeclared-fields fail");
    }
}
