package dev.llmwatcher.engine.batch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchCustomIdTest {

    @Test
    void aDocumentIdWithTheSeparatorInItComesBackWhole() {
        String customId = BatchCustomId.of("s-0123456789abcdef", "logs:2026:42");

        assertThat(BatchCustomId.parse(customId)).contains(new BatchCustomId("s-0123456789abcdef", "logs:2026:42"));
    }

    @Test
    void aCustomIdThatIsNotOursMatchesNoDocument() {
        assertThat(BatchCustomId.parse("request-7")).isEmpty();
        assertThat(BatchCustomId.parse(":doc-1")).isEmpty();
    }
}
