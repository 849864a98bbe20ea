package dev.llmwatcher.answer;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultMergerTest {

    private final ResultMerger merger = new ResultMerger();
    private final Map<String, Object> queued = new HashMap<>(Map.of("message", "I love it!",
            "_llm_watcher", Map.of("provider", "ollama", "_original_index", "my-index")));

    @Test
    void mergesAStructuredAnswerAtTheRootAsTheOriginalDid() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.structured(Map.of("scale", 5)), null);

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "scale", 5));
    }

    @Test
    void putsAStructuredAnswerUnderTheTargetField() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.structured(Map.of("scale", 5)), "review");

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "review", Map.of("scale", 5)));
    }

    @Test
    void putsATextAnswerUnderLlmOutputByDefault() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.text("Positive."), null);

        assertThat(merged).isEqualTo(Map.of("message", "I love it!", "llm_output", "Positive."));
    }

    @Test
    void putsATextAnswerUnderTheTargetField() throws Exception {
        Map<String, Object> merged = merger.merge(queued, Answer.text("Positive."), "summary");

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
}
