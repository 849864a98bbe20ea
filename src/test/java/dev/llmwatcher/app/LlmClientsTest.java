package dev.llmwatcher.app;

import dev.llmwatcher.llm.UnknownProviderException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LlmClientsTest {

    private final LlmClients clients = LlmClients.create(Optional.of(URI.create("http://localhost:11434")), null,
            "sk-secret", Duration.ofSeconds(1));

    @Test
    void findsBothProvidersIgnoringCase() {
        assertThat(clients.forProvider("ollama")).isNotNull();
        assertThat(clients.forProvider("OpenAI")).isNotNull();
    }

    @Test
    void unknownProviderListsTheKnownOnes() {
        assertThatThrownBy(() -> clients.forProvider("anthropic"))
                .isInstanceOf(UnknownProviderException.class)
                .hasMessage("unknown LLM provider \"anthropic\"; known providers: bedrock, ollama, openai");
    }

    @Test
    void missingProviderIsUnknown() {
        assertThatThrownBy(() -> clients.forProvider(null))
                .isInstanceOf(UnknownProviderException.class)
                .hasMessageStartingWith("unknown LLM provider (none given)");
    }

    @Test
    void withoutAnOllamaUrlOllamaIsRefusedWithTheReasonAndOpenAiStillWorks() {
        LlmClients withoutOllama = LlmClients.create(Optional.empty(), null, "sk-secret", Duration.ofSeconds(1));

        assertThatThrownBy(() -> withoutOllama.forProvider(" Ollama"))
                .isInstanceOf(UnknownProviderException.class)
                .hasMessage("LLM provider \"Ollama\" is not available here: no Ollama URL is configured "
                        + "(OLLAMA_API_URL is set empty)");
        assertThat(withoutOllama.forProvider("openai")).isNotNull();
    }
}
