package dev.llmwatcher.engine;

import dev.llmwatcher.answer.AnswerInterpreter;
import dev.llmwatcher.answer.ResultMerger;
import dev.llmwatcher.llm.LlmClient;
import dev.llmwatcher.llm.LlmClients;
import dev.llmwatcher.prompt.PromptRenderer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm-up the engine and the command line start while the first page is read and claimed: every part of it
 * must really run (a warm-up that fails quietly leaves the first document paying, as it once did), and it must never
 * call an LLM.
 */
class DocumentProcessorWarmUpTest {

    @Test
    void everyPartWarmsUpWithoutCallingAnything() {
        AtomicInteger calls = new AtomicInteger();
        LlmClient counting = request -> {
            calls.incrementAndGet();
            throw new AssertionError("the warm-up called an LLM");
        };
        DocumentProcessor processor = new DocumentProcessor(new LlmClients(Map.of("ollama", counting)),
                new PromptRenderer(), new AnswerInterpreter(), new ResultMerger(), 1000);

        assertThat(processor.warmUp()).isTrue();
        assertThat(processor.warmUp()).as("idempotent").isTrue();
        assertThat(calls).hasValue(0);
    }
}
